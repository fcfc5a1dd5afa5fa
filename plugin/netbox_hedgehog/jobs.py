"""
Background syncs on NetBox's RQ queues.

Every run is a core.Job bound to its fabric (the fabric's Jobs tab, the job log and the REST job
endpoints show it). Manual and API runs go on `high`, scheduled runs on `default` (the scheduler
sidecar enqueues `run_scheduled_sync`), housekeeping on `low` (the sidecar enqueues `run_housekeeping`
on its own registration's grid). This module is what a worker imports for every run, so the heavy
imports (kubernetes, git) stay inside the sync code.
"""
import json
import logging
import os
import shutil
import time
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.choices import JobStatusChoices
from core.exceptions import JobFailed
from core.models import Job, ObjectType
from netbox.jobs import JobRunner
from netbox.plugins import get_plugin_config

from . import __version__
from .choices import SyncOutcomeChoices, SyncStatusChoices
from .legacy import current_legacy_schema
from .locks import fabric_lock, lock_holder, release_fabric_lock
from .models import HedgehogFabric
from .queues import QUEUE_DEFAULT, QUEUE_HIGH, redis_connection, rq_job_alive

__all__ = ("SYNC_FUNCTIONS", "FabricSyncJob", "active_sync_job", "enqueue_sync", "housekeeping_state",
           "on_sync_failure", "rq_job_id", "run_housekeeping", "run_scheduled_sync", "sweep_stale_runs")

logger = logging.getLogger("netbox_hedgehog.jobs")

INTERRUPTED = "The sync was interrupted: the worker running it stopped before it finished. Nothing was changed."
# The NetBox system job that ran housekeeping before the sidecar did; rows of it left by an upgrade are closed.
SUPERSEDED_HOUSEKEEPING = "Hedgehog housekeeping"
HOUSEKEEPING_STATE_KEY = "netbox_hedgehog:housekeeping:completed"


def _job_timeout():
    return get_plugin_config("netbox_hedgehog", "sync_job_timeout")


def _sync_user():
    username = get_plugin_config("netbox_hedgehog", "sync_user")
    return get_user_model().objects.filter(username=username).first() if username else None


class _MergeLogArguments(logging.Filter):
    """NetBox's job log keeps only `record.msg`: merge %-style arguments into it before it is stored."""

    def filter(self, record):
        if record.args:
            record.msg, record.args = record.getMessage(), None
        return True


_MERGE_LOG_ARGUMENTS = _MergeLogArguments()


class FabricSyncJob(JobRunner):
    """Sync one fabric from its sources."""

    class Meta:
        name = "Hedgehog sync"

    def __init__(self, job):
        super().__init__(job)
        self.logger.addFilter(_MERGE_LOG_ARGUMENTS)  # once per logger: addFilter ignores a repeat

    @classmethod
    def handle(cls, job, *args, **kwargs):
        # Deleting a fabric deletes its jobs: a queued run whose row is gone has nothing left to do.
        if not Job.objects.filter(pk=job.pk).exists():
            logger.info("Run %s: its fabric was deleted while it was queued", job.job_id)
            return
        super().handle(job, *args, **kwargs)

    def run(self, dry_run=False, scheduled=False, due=None, **kwargs):
        fabric = HedgehogFabric.objects.filter(pk=self.job.object_id).first()
        if fabric is None:
            self._skip("the fabric no longer exists")
            return
        if scheduled and not fabric.is_scheduled:
            self._skip("the fabric is no longer scheduled")
            return
        if not dry_run and not fabric.sync_enabled:
            self._skip("sync is disabled on this fabric")
            return
        with fabric_lock(fabric.pk, holder=rq_job_id(self.job)) as acquired:
            if not acquired:
                self._skip("another sync of this fabric is running")
                return
            from .sync.runner import run_sync

            result = run_sync(fabric, dry_run=dry_run, user=self.job.user or _sync_user(),
                              request_id=self.job.job_id, logger=self.logger)
        self.job.data = {**self._identity(), **result.as_dict(), "scheduled": scheduled, "due": due,
                         "plugin_version": __version__}
        if not result.ok:
            self.job.error = result.error
            raise JobFailed()

    def _identity(self):
        """The RQ job id when it is not the core.Job's own (see rq_job_id), kept in the data the run ends with."""
        data = self.job.data if isinstance(self.job.data, dict) else {}
        return {"rq_job_id": data["rq_job_id"]} if "rq_job_id" in data else {}

    def _skip(self, reason):
        self.logger.info("Skipped: %s", reason)
        self.job.data = {**self._identity(), "outcome": SyncOutcomeChoices.SKIPPED, "reason": reason,
                         "plugin_version": __version__}


def rq_job_id(job):
    """
    The id of the RQ job running a core.Job: its `job_id`, unless the RQ job's id is not a UUID (a registration
    fired by stock `rqscheduler` runs under the registration's own id), which the run's data then records. The
    fabric lock is held under this id and liveness is asked about it, so such a run is seen alive too.
    """
    data = job.data if isinstance(job.data, dict) else {}
    return data.get("rq_job_id") or str(job.job_id)


def active_sync_job(fabric):
    """The fabric's queued or running sync, if one is alive; runs lost with their worker are closed first."""
    jobs = Job.objects.filter(
        object_type=ObjectType.objects.get_for_model(HedgehogFabric), object_id=fabric.pk,
        name=FabricSyncJob.name, status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES,
    ).order_by("created")
    for job in jobs:
        if rq_job_alive(rq_job_id(job)):
            return job
        _close_interrupted(job)
    return None


def enqueue_sync(fabric, *, user=None, dry_run=False):
    """
    Queue a manual sync on `high`. Returns (job, created): while a run of this fabric is queued or
    running, that run is returned instead of starting another.
    """
    with transaction.atomic():
        HedgehogFabric.objects.select_for_update().filter(pk=fabric.pk).first()
        existing = active_sync_job(fabric)
        if existing:
            return existing, False
        job = FabricSyncJob.enqueue(
            instance=fabric, user=user, queue_name=QUEUE_HIGH, dry_run=dry_run,
            job_timeout=_job_timeout(), on_failure=_failure_callback(),
        )
    return job, True


def _failure_callback():
    from rq import Callback

    return Callback("netbox_hedgehog.jobs.on_sync_failure")


def run_scheduled_sync(fabric_id, due=None):
    """
    What the scheduler sidecar enqueues on `default` for each due slot. Creates the run's core.Job,
    bound to the fabric, and runs the sync in this worker. A fabric deleted since the slot was queued
    ends the run quietly.
    """
    from rq import get_current_job

    fabric = HedgehogFabric.objects.filter(pk=fabric_id).first()
    if fabric is None:
        logger.info("Scheduled run for fabric %s: the fabric no longer exists", fabric_id)
        return {"outcome": SyncOutcomeChoices.SKIPPED, "reason": "the fabric no longer exists"}
    rq_job = get_current_job()
    data = None
    try:
        job_id = uuid.UUID(rq_job.id) if rq_job else uuid.uuid4()
    except ValueError:
        job_id, data = uuid.uuid4(), {"rq_job_id": rq_job.id}
    job = Job.objects.create(
        object_type=ObjectType.objects.get_for_model(HedgehogFabric), object_id=fabric.pk,
        name=FabricSyncJob.name, status=JobStatusChoices.STATUS_PENDING, job_id=job_id, queue_name=QUEUE_DEFAULT,
        user=_sync_user(), scheduled=_parse_due(due), data=data,
    )
    FabricSyncJob.handle(job, scheduled=True, due=due)
    job.refresh_from_db()
    return {"job": job.pk, "status": job.status}


# The RQ functions of sync runs: manual/API runs (JobRunner) and scheduled runs (the sidecar's).
SYNC_FUNCTIONS = (f"{__name__}.FabricSyncJob.handle", f"{__name__}.run_scheduled_sync")


def _parse_due(due):
    return parse_datetime(due) if isinstance(due, str) else None


def _close_interrupted(job, error=INTERRUPTED):
    """End a run whose worker is gone: the job errored, the fabric no longer `syncing`, its lock freed."""
    updated = Job.objects.filter(pk=job.pk, status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES).update(
        status=JobStatusChoices.STATUS_ERRORED, error=error, completed=timezone.now())
    fabric = HedgehogFabric.objects.filter(pk=job.object_id).first()
    if fabric is not None:
        release_fabric_lock(fabric.pk, rq_job_id(job))
        if fabric.sync_status == SyncStatusChoices.SYNCING and not lock_holder(fabric.pk):
            fabric.set_sync_state(SyncStatusChoices.ERROR, error=error)
    return bool(updated)


def on_sync_failure(rq_job, connection, exc_type, exc_value, traceback):
    """RQ failure callback: a run that died outside the JobRunner (e.g. AbandonedJobError)."""
    job = Job.objects.filter(job_id=rq_job.id).first()
    if job is not None and job.status in JobStatusChoices.ENQUEUED_STATE_CHOICES:
        _close_interrupted(job, error=f"{INTERRUPTED} ({exc_type.__name__})")


def sweep_stale_runs():
    """Close every sync run whose RQ job or worker is gone. Returns how many were closed."""
    import django_rq
    from rq.registry import StartedJobRegistry

    for name in (QUEUE_HIGH, QUEUE_DEFAULT):
        # RQ's own cleanup: a started job whose worker stopped heartbeating (90 s into a job) moves to the
        # failed registry, and a manual run's failure callback (on_sync_failure) closes its core.Job.
        StartedJobRegistry(queue=django_rq.get_queue(name)).cleanup()
    closed = 0
    for job in Job.objects.filter(name=FabricSyncJob.name, status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES):
        if not rq_job_alive(rq_job_id(job)) and _close_interrupted(job):
            closed += 1
    stuck = HedgehogFabric.objects.filter(sync_status=SyncStatusChoices.SYNCING)
    for fabric in stuck:
        if not lock_holder(fabric.pk) and not Job.objects.filter(
                object_id=fabric.pk, name=FabricSyncJob.name, status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES,
                object_type=ObjectType.objects.get_for_model(HedgehogFabric)).exists():
            fabric.set_sync_state(SyncStatusChoices.ERROR, error=INTERRUPTED)
            closed += 1
    return closed


def run_housekeeping(due=None):
    """
    What the scheduler sidecar's housekeeping registration runs on `low`, every `housekeeping_interval` seconds:
    close the runs whose worker is gone, drop the Git caches of deleted fabrics, close the rows an earlier
    version's housekeeping system job left, and record that it completed (read by the doctor and the status
    page through housekeeping_state()).
    """
    if (schema := current_legacy_schema()) is not None:
        logger.warning("Housekeeping skipped: %s", schema.message)
        return {"skipped": schema.message}
    state = {"completed": time.time(), "due": due, "closed_runs": sweep_stale_runs(),
             "removed_git_caches": _prune_git_caches(), "superseded_jobs": _close_superseded_housekeeping()}
    redis_connection().set(HOUSEKEEPING_STATE_KEY, json.dumps(state))
    if state["closed_runs"] or state["removed_git_caches"] or state["superseded_jobs"]:
        logger.info("Housekeeping: closed %(closed_runs)d interrupted run(s), removed %(removed_git_caches)d stale "
                    "Git cache(s), closed %(superseded_jobs)d superseded housekeeping job(s)", state)
    return state


def housekeeping_state():
    """What the last housekeeping run recorded ({"completed": epoch seconds, ...}), None when none has."""
    raw = redis_connection().get(HOUSEKEEPING_STATE_KEY)
    return json.loads(raw) if raw else None


def _close_superseded_housekeeping():
    """Rows of the system job that ran housekeeping before the sidecar did: nothing runs them any more (NetBox
    keeps a *scheduled* row whose RQ job is gone, and never schedules another), so they are deleted with any
    RQ job still scheduled for them."""
    import django_rq
    from rq.job import Job as RQJob

    stale = Job.objects.filter(name=SUPERSEDED_HOUSEKEEPING, object_id__isnull=True,
                               status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES)
    rows = list(stale.values_list("pk", "job_id", "queue_name"))
    for _pk, job_id, queue_name in rows:
        try:
            django_rq.get_queue(queue_name).scheduled_job_registry.remove(str(job_id))
        except KeyError:  # a queue this installation no longer has
            pass
        redis_connection().delete(RQJob.key_for(str(job_id)))
    Job.objects.filter(pk__in=[pk for pk, _job_id, _queue in rows]).delete()
    return len(rows)


def _prune_git_caches():
    from .sync.git import CACHE_PREFIX, fabric_cache_dir

    root = get_plugin_config("netbox_hedgehog", "git_cache_dir")
    if not os.path.isdir(root):
        return 0
    known = {os.path.basename(fabric_cache_dir(root, pk)) for pk in HedgehogFabric.objects.values_list("pk", flat=True)}
    removed = 0
    for entry in os.listdir(root):
        if entry.startswith(CACHE_PREFIX) and entry not in known:
            shutil.rmtree(os.path.join(root, entry), ignore_errors=True)
            removed += 1
    return removed
