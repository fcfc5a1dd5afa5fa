"""
Prometheus metrics on NetBox's own endpoint (django-prometheus, `/metrics`, with METRICS_ENABLED = True).

A custom collector reads the current state at scrape time: the fabrics, one grouped count of their sync
runs in core.Job (about 150 ms for 300,000 kept runs on a small machine), the latest finished run per fabric
(an index walk), one query counting the objects and drift of every kind, and two Redis reads (the sidecar
heartbeats and the registrations). Nothing is counted in-process, so every web process answers the same.
`register_metrics()` is called once from the plugin's ready(); calling it again does nothing.

In prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR set), django-prometheus's view reads
only the multiprocess files and these series are not exported.

Series (all gauges; `fabric` is the fabric's name):
- netbox_hedgehog_fabric_last_success_timestamp_seconds{fabric}: end of the last successful sync
- netbox_hedgehog_fabric_last_attempt_timestamp_seconds{fabric}: start of the last sync attempt
- netbox_hedgehog_fabric_last_run_duration_seconds{fabric}: how long the last finished (not skipped) run took
- netbox_hedgehog_fabric_runs{fabric,outcome}: finished runs kept in NetBox's job table, by outcome
  (success, partial, failed, skipped); NetBox's job retention removes old ones, so it can go down
- netbox_hedgehog_fabric_objects{fabric,kind}: objects of each Hedgehog kind in NetBox
- netbox_hedgehog_fabric_drift_objects{fabric}: objects whose Git copy and cluster copy differ
- netbox_hedgehog_fabric_sync_status{fabric,status}: 1 for the fabric's current sync status, else 0
- netbox_hedgehog_fabric_sync_interval_seconds{fabric}: configured interval (present only when scheduled)
- netbox_hedgehog_scheduled_fabrics: fabrics the scheduler should keep a registration for
- netbox_hedgehog_scheduler_registrations: registrations in Redis
- netbox_hedgehog_scheduler_active_sidecars: sidecars that are active with a fresh heartbeat (should be 1)
- netbox_hedgehog_scheduler_heartbeat_age_seconds: age of the active sidecar's heartbeat (absent when none)
- netbox_hedgehog_housekeeping_last_completed_timestamp_seconds: when housekeeping last completed (absent when
  no run has completed since Redis last lost its data)
- netbox_hedgehog_metrics_errors{part}: 1 when a part (database, redis) could not be read in this scrape
"""
import logging

__all__ = ("HedgehogCollector", "register_metrics")

logger = logging.getLogger("netbox_hedgehog.metrics")

PREFIX = "netbox_hedgehog_"

_registered = {}


def _families():
    """Every family the collector yields, empty: what describe() returns."""
    from prometheus_client.core import GaugeMetricFamily

    def gauge(name, documentation, labels=()):
        return GaugeMetricFamily(PREFIX + name, documentation, labels=list(labels))

    fabric = ("fabric",)
    return {
        "last_success": gauge("fabric_last_success_timestamp_seconds",
                              "Unix time of the fabric's last successful sync", fabric),
        "last_attempt": gauge("fabric_last_attempt_timestamp_seconds",
                              "Unix time of the fabric's last sync attempt", fabric),
        "duration": gauge("fabric_last_run_duration_seconds",
                          "Duration of the fabric's last finished (not skipped) sync run", fabric),
        "runs": gauge("fabric_runs", "Finished sync runs kept in NetBox's job table, by outcome",
                      ("fabric", "outcome")),
        "objects": gauge("fabric_objects", "Hedgehog objects in NetBox, by kind", ("fabric", "kind")),
        "drift": gauge("fabric_drift_objects", "Objects whose Git copy and cluster copy differ", fabric),
        "status": gauge("fabric_sync_status", "1 for the fabric's current sync status", ("fabric", "status")),
        "interval": gauge("fabric_sync_interval_seconds", "Sync interval of a scheduled fabric", fabric),
        "scheduled": gauge("scheduled_fabrics", "Fabrics the scheduler sidecar should keep a registration for"),
        "registrations": gauge("scheduler_registrations", "Scheduler registrations in Redis"),
        "active": gauge("scheduler_active_sidecars", "Active scheduler sidecars with a fresh heartbeat"),
        "heartbeat_age": gauge("scheduler_heartbeat_age_seconds", "Age of the active scheduler sidecar's heartbeat"),
        "housekeeping": gauge("housekeeping_last_completed_timestamp_seconds",
                              "Unix time housekeeping last completed"),
        "errors": gauge("metrics_errors", "1 when a part could not be read during this scrape", ("part",)),
    }


class HedgehogCollector:
    def describe(self):
        # Without describe(), registering would run collect() (and its queries) at start-up.
        return list(_families().values())

    def collect(self):
        families = _families()
        errors = {"database": 0, "redis": 0}
        try:
            self._collect_database(families)
        except Exception:
            logger.exception("Hedgehog metrics: could not read the database")
            errors["database"] = 1
        try:
            self._collect_scheduler(families)
        except Exception:
            logger.exception("Hedgehog metrics: could not read Redis")
            errors["redis"] = 1
        for part, value in errors.items():
            families["errors"].add_metric([part], value)
        return list(families.values())

    @staticmethod
    def _collect_database(families):
        from django.db.models import Count
        from django.db.models.fields.json import KeyTextTransform

        from core.choices import JobStatusChoices
        from core.models import Job, ObjectType

        from .choices import SyncOutcomeChoices, SyncStatusChoices
        from .jobs import FabricSyncJob
        from .models import MODEL_BY_KIND, HedgehogFabric
        from .status import object_counts

        outcomes = SyncOutcomeChoices.values()

        fabrics = {pk: (name, last_sync, last_attempt, status, interval, scheduled)
                   for pk, name, last_sync, last_attempt, status, interval, scheduled in _fabric_rows(HedgehogFabric)}
        runs = Job.objects.filter(object_type=ObjectType.objects.get_for_model(HedgehogFabric),
                                  object_id__in=list(fabrics), name=FabricSyncJob.name,
                                  status__in=JobStatusChoices.TERMINAL_STATE_CHOICES)
        counts = {pk: dict.fromkeys(outcomes, 0) for pk in fabrics}
        grouped = (runs.annotate(outcome=KeyTextTransform("outcome", "data"))
                   .values("object_id", "status", "outcome").annotate(n=Count("pk")).order_by())
        failed_states = (JobStatusChoices.STATUS_FAILED, JobStatusChoices.STATUS_ERRORED)
        for row in grouped:
            outcome = row["outcome"] if row["outcome"] in outcomes else (
                SyncOutcomeChoices.FAILED if row["status"] in failed_states else SyncOutcomeChoices.SUCCESS)
            counts[row["object_id"]][outcome] += row["n"]
        # One small query per fabric: newest first walks the `created` index and stops at the first match.
        finished = runs.exclude(data__outcome=SyncOutcomeChoices.SKIPPED).filter(started__isnull=False,
                                                                                 completed__isnull=False)
        durations = {}
        for pk in fabrics:
            last = finished.filter(object_id=pk).order_by("-created").values_list("started", "completed").first()
            if last:
                durations[pk] = (last[1] - last[0]).total_seconds()

        objects, drift = {}, dict.fromkeys(fabrics, 0)
        for (fabric_id, kind), (count, drifted) in object_counts().items():
            objects[(fabric_id, kind)] = count
            drift[fabric_id] = drift.get(fabric_id, 0) + drifted

        scheduled = 0
        for pk, (name, last_sync, last_attempt, status, interval, is_scheduled) in fabrics.items():
            if last_sync:
                families["last_success"].add_metric([name], last_sync.timestamp())
            if last_attempt:
                families["last_attempt"].add_metric([name], last_attempt.timestamp())
            if pk in durations:
                families["duration"].add_metric([name], durations[pk])
            for outcome, n in counts[pk].items():
                families["runs"].add_metric([name, outcome], n)
            for kind in MODEL_BY_KIND:
                families["objects"].add_metric([name, kind], objects.get((pk, kind), 0))
            families["drift"].add_metric([name], drift.get(pk, 0))
            for value in SyncStatusChoices.values():
                families["status"].add_metric([name, value], 1 if value == status else 0)
            if is_scheduled:
                scheduled += 1
                families["interval"].add_metric([name], interval)
        families["scheduled"].add_metric([], scheduled)

    @staticmethod
    def _collect_scheduler(families):
        from .jobs import housekeeping_state
        from .scheduling import heartbeat_interval, registrations, scheduler_status

        status = scheduler_status()
        fresh_active = [s for s in status["sidecars"]
                        if s.get("role") == "active" and s["age"] <= 3 * heartbeat_interval()]
        families["active"].add_metric([], len(fresh_active))
        active = next((s for s in status["sidecars"] if s.get("instance") == status["active"]), None)
        if active is not None:
            families["heartbeat_age"].add_metric([], max(0.0, active["age"]))
        families["registrations"].add_metric([], len(registrations()))
        housekeeping = housekeeping_state()
        if housekeeping is not None:
            families["housekeeping"].add_metric([], housekeeping["completed"])


def _fabric_rows(model):
    """(pk, name, last_sync, last_sync_attempt, sync_status, sync_interval, scheduled) of every fabric."""
    scheduled = set(model.objects.scheduled().values_list("pk", flat=True))
    for row in model.objects.values_list("pk", "name", "last_sync", "last_sync_attempt", "sync_status",
                                         "sync_interval").order_by("pk"):
        yield (*row, row[0] in scheduled)


def register_metrics(registry=None):
    """Register the collector with `registry` (prometheus_client's default one) once; returns the collector."""
    from prometheus_client import REGISTRY

    registry = registry if registry is not None else REGISTRY
    key = id(registry)
    if key not in _registered:
        collector = HedgehogCollector()
        registry.register(collector)
        _registered[key] = collector
    return _registered[key]
