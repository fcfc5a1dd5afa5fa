"""
Background syncs on NetBox's RQ queues.

Every run is a core.Job bound to its fabric (the fabric's Jobs tab, the job log and the REST job
endpoints show it). Manual and API runs go on `high`, scheduled runs on `default` (the scheduler
sidecar enqueues `run_scheduled_sync`), housekeeping on `low`. This module is what a worker imports
for every run, so the heavy imports (kubernetes, git) stay inside the sync code.
"""
import logging
import os
import shutil
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.choices import JobStatusChoices
from core.exceptions import JobFailed
from core.models import Job, ObjectType
from netbox.jobs import JobRunner, system_job
from netbox.plugins import get_plugin_config

from . import __version__
from .choices import SyncOutcomeChoices, SyncStatusChoices
from .legacy import current_legacy_schema
from .locks import fabric_lock, lock_holder, release_fabric_lock
from .models import HedgehogFabric
from .queues import QUEUE_DEFAULT, QUEUE_HIGH, QUEUE_LOW, rq_job_alive

__all__ = ("SYNC_FUNCTIONS", "FabricSyncJob", "HousekeepingJob", "active_sync_job", "enqueue_sync",
           "on_sync_failure", "run_scheduled_sync", "sweep_stale_runs")

logger = logging.getLogger("netbox_hedgehog.jobs")

INTERRUPTED = "The sync was interrupted: the worker running it stopped before it finished. Nothing was changed."


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
        with fabric_lock(fabric.pk, holder=str(self.job.job_id)) as acquired:
            if not acquired:
                self._skip("another sync of this fabric is running")
                return
            from .sync.runner import run_sync

            result = run_sync(fabric, dry_run=dry_run, user=self.job.user or _sync_user(),
                              request_id=self.job.job_id, logger=self.logger)
        self.job.data = {**result.as_dict(), "scheduled": scheduled, "due": due, "plugin_version": __version__}
        if not result.ok:
            self.job.error = result.error
            raise JobFailed()

    def _skip(self, reason):
        self.logger.info("Skipped: %s", reason)
        self.job.data = {"outcome": SyncOutcomeChoices.SKIPPED, "reason": reason, "plugin_version": __version__}


def active_sync_job(fabric):
    """The fabric's queued or running sync, if one is alive; runs lost with their worker are closed first."""
    jobs = Job.objects.filter(
        object_type=ObjectType.objects.get_for_model(HedgehogFabric), object_id=fabric.pk,
        name=FabricSyncJob.name, status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES,
    ).order_by("created")
    for job in jobs:
        if rq_job_alive(str(job.job_id)):
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
    try:
        job_id = uuid.UUID(rq_job.id) if rq_job else uuid.uuid4()
    except ValueError:
        job_id = uuid.uuid4()
    job = Job.objects.create(
        object_type=ObjectType.objects.get_for_model(HedgehogFabric), object_id=fabric.pk,
        name=FabricSyncJob.name, status=JobStatusChoices.STATUS_PENDING, job_id=job_id, queue_name=QUEUE_DEFAULT,
        user=_sync_user(), scheduled=_parse_due(due),
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
        release_fabric_lock(fabric.pk, str(job.job_id))
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
        # RQ's own cleanup moves abandoned jobs to the failed registry and calls on_sync_failure.
        StartedJobRegistry(queue=django_rq.get_queue(name)).cleanup()
    closed = 0
    for job in Job.objects.filter(name=FabricSyncJob.name, status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES):
        if not rq_job_alive(str(job.job_id)) and _close_interrupted(job):
            closed += 1
    stuck = HedgehogFabric.objects.filter(sync_status=SyncStatusChoices.SYNCING)
    for fabric in stuck:
        if not lock_holder(fabric.pk) and not Job.objects.filter(
                object_id=fabric.pk, name=FabricSyncJob.name, status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES,
                object_type=ObjectType.objects.get_for_model(HedgehogFabric)).exists():
            fabric.set_sync_state(SyncStatusChoices.ERROR, error=INTERRUPTED)
            closed += 1
    return closed


@system_job(interval=1)
class HousekeepingJob(JobRunner):
    """Every minute on `low`: close interrupted runs and drop the Git caches of deleted fabrics."""

    class Meta:
        name = "Hedgehog housekeeping"

    @classmethod
    def enqueue(cls, *args, **kwargs):
        kwargs["queue_name"] = QUEUE_LOW
        return super().enqueue(*args, **kwargs)

    def run(self, *args, **kwargs):
        if (schema := current_legacy_schema()) is not None:
            self.logger.warning(f"Skipped: {schema.message}")
            return
        closed = sweep_stale_runs()
        removed = _prune_git_caches()
        self.logger.info("Closed %d interrupted run(s); removed %d stale Git cache(s)", closed, removed)
        self.job.data = {"closed_runs": closed, "removed_git_caches": removed}


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
