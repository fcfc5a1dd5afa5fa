"""The plugin's series on NetBox's Prometheus endpoint (/metrics), after real syncs of a Git fabric."""
import threading

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from core.models import Job

from hedgehog_scheduler.sidecar import Sidecar
from netbox_hedgehog.jobs import FabricSyncJob, run_housekeeping, run_scheduled_sync
from netbox_hedgehog.metrics import HedgehogCollector, register_metrics
from netbox_hedgehog.models import MODEL_BY_KIND, HedgehogFabric, Switch
from netbox_hedgehog.queues import QUEUE_DEFAULT
from netbox_hedgehog.scheduling import registrations
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_redis")]


@pytest.fixture
def sidecar():
    """An in-process scheduler sidecar (it reads only Redis), registering whatever `desired` holds."""
    import django_rq

    desired = {}
    instance = Sidecar(django_rq.get_connection(QUEUE_DEFAULT), QUEUE_DEFAULT, lambda: dict(desired), desired.get,
                       reconcile_interval=0.2, heartbeat_interval=1)
    stop = threading.Event()
    thread = threading.Thread(target=instance.run, args=(stop,), daemon=True)
    thread.start()
    yield desired
    stop.set()
    thread.join(10)


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            if sample.name.startswith("netbox_hedgehog_"):
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples[(f"netbox_hedgehog_{name}", tuple(sorted(labels.items())))]


def test_sync_runs_objects_drift_and_scheduler_on_the_metrics_endpoint(lab_repo, client, sidecar):
    register_metrics()
    fabric = HedgehogFabric.objects.create(name="metrics-lab", git_url=lab_repo.url, sync_interval=120)

    run_scheduled_sync(fabric.pk)  # success
    HedgehogFabric.objects.filter(pk=fabric.pk).update(git_branch="no-such-branch")
    run_scheduled_sync(fabric.pk)  # failed: the branch does not exist
    HedgehogFabric.objects.filter(pk=fabric.pk).update(git_branch="main", scheduler_enabled=False)
    run_scheduled_sync(fabric.pk)  # skipped: no longer scheduled
    HedgehogFabric.objects.filter(pk=fabric.pk).update(scheduler_enabled=True)
    two = list(Switch.objects.filter(fabric=fabric).values_list("pk", flat=True)[:2])
    Switch.objects.filter(pk__in=two).update(drift="differs")
    sidecar[fabric.pk] = 120
    wait_for(lambda: fabric.pk in registrations(), 10, message="the registration")

    fabric.refresh_from_db()
    runs = Job.objects.filter(object_id=fabric.pk, name=FabricSyncJob.name).order_by("created")
    assert [job.data["outcome"] for job in runs] == ["success", "failed", "skipped"]
    samples = scrape(client)
    name = {"fabric": "metrics-lab"}
    assert value(samples, "fabric_last_success_timestamp_seconds", **name) == pytest.approx(
        fabric.last_sync.timestamp())
    assert value(samples, "fabric_last_attempt_timestamp_seconds", **name) == pytest.approx(
        fabric.last_sync_attempt.timestamp())
    failed_run = runs[1]
    assert value(samples, "fabric_last_run_duration_seconds", **name) == pytest.approx(
        (failed_run.completed - failed_run.started).total_seconds())
    assert {outcome: value(samples, "fabric_runs", outcome=outcome, **name)
            for outcome in ("success", "partial", "failed", "skipped")} == {
        "success": 1, "partial": 0, "failed": 1, "skipped": 1}
    assert value(samples, "fabric_objects", kind="Switch", **name) == 6
    for kind, model in MODEL_BY_KIND.items():
        assert value(samples, "fabric_objects", kind=kind, **name) == model.objects.filter(fabric=fabric).count()
    assert value(samples, "fabric_drift_objects", **name) == 2
    assert value(samples, "fabric_sync_status", status="error", **name) == 1
    assert value(samples, "fabric_sync_status", status="in_sync", **name) == 0
    assert value(samples, "fabric_sync_interval_seconds", **name) == 120
    assert value(samples, "scheduled_fabrics") == 1
    assert value(samples, "scheduler_registrations") == 1
    assert value(samples, "scheduler_active_sidecars") == 1
    assert 0 <= value(samples, "scheduler_heartbeat_age_seconds") < 5
    assert value(samples, "metrics_errors", part="database") == 0
    assert value(samples, "metrics_errors", part="redis") == 0


def test_without_a_sidecar_there_is_no_heartbeat_age_and_no_active_sidecar(client):
    register_metrics()
    samples = scrape(client)
    assert value(samples, "scheduler_active_sidecars") == 0
    assert value(samples, "scheduler_registrations") == 0
    assert not any(key[0] == "netbox_hedgehog_scheduler_heartbeat_age_seconds" for key in samples)
    assert not any(key[0] == "netbox_hedgehog_housekeeping_last_completed_timestamp_seconds" for key in samples)
    state = run_housekeeping()
    samples = scrape(client)
    assert value(samples, "housekeeping_last_completed_timestamp_seconds") == pytest.approx(state["completed"])


def test_registering_is_idempotent_and_runs_no_query(django_assert_num_queries):
    registry = CollectorRegistry()
    with django_assert_num_queries(0):
        collector = register_metrics(registry)
        assert register_metrics(registry) is collector
    assert isinstance(collector, HedgehogCollector)
    assert register_metrics() is register_metrics()
