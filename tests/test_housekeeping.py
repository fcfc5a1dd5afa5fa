"""
Housekeeping survives what the sync survives, with real processes (`netbox rqworker`, the sidecar) against the
session's own redis-server: a worker killed during a long scheduled sync has its run closed within two minutes
by RQ's own signals of death; Redis flushed or restarted, a worker killed while housekeeping runs or waits, and
a stale row of the old system job each leave housekeeping running again. The test configuration runs
housekeeping every 2 s.
"""
import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.choices import JobStatusChoices
from core.models import Job

from hedgehog_scheduler import HOUSEKEEPING_RUN_KEY
from netbox_hedgehog.choices import SyncStatusChoices
from netbox_hedgehog.jobs import INTERRUPTED, SUPERSEDED_HOUSEKEEPING, FabricSyncJob, housekeeping_state
from netbox_hedgehog.locks import lock_holder
from netbox_hedgehog.models import Connection, HedgehogFabric, Switch
from netbox_hedgehog.queues import QUEUE_LOW, redis_connection
from netbox_hedgehog.scheduling import housekeeping_registration, registrations
from tests.helpers import git_fabric, table_lock, wait_for, waiting_on_lock
from tests.processes import session_redis

pytestmark = pytest.mark.django_db(transaction=True)
# The bound: RQ's heartbeat of a dead worker expires 90 s into a job, housekeeping runs every 2 s here.
TWO_MINUTES = 120


@pytest.fixture(autouse=True)
def clean_state(clean_redis):
    HedgehogFabric.objects.all().delete()
    Job.objects.all().delete()


def completed_after(moment):
    state = housekeeping_state()
    return state is not None and state["completed"] > moment


def wait_for_housekeeping(after, what):
    """Wait until housekeeping has completed after `after` (epoch seconds); returns how long that took."""
    wait_for(lambda: completed_after(after), TWO_MINUTES, interval=0.2, message=f"housekeeping to complete {what}")
    return time.time() - after


def test_a_killed_workers_scheduled_run_is_closed_within_two_minutes_and_the_next_one_completes(
        lab_repo, processes, client):
    fabric = git_fabric(lab_repo, name="killed", sync_interval=10)
    blocker = table_lock(Connection)
    try:
        worker = processes("rqworker", "high", "default", "low", name="worker")
        processes("hedgehog_scheduler", name="sidecar")
        wait_for(lambda: waiting_on_lock(Connection, "INSERT"), 60, message="a scheduled sync blocked mid-transaction")
        run = Job.objects.get(object_id=fabric.pk, name=FabricSyncJob.name, status=JobStatusChoices.STATUS_RUNNING)
        assert lock_holder(fabric.pk) == str(run.job_id)
        worker.kill()  # the worker and its work-horse, as an OOM kill or a lost node would
        killed = time.monotonic()
    finally:
        blocker.rollback()
        blocker.close()
    assert Switch.objects.filter(fabric=fabric).count() == 0  # the half-applied transaction is gone
    processes("rqworker", "high", "default", "low", name="worker-2")
    wait_for(lambda: Job.objects.get(pk=run.pk).status == JobStatusChoices.STATUS_ERRORED, TWO_MINUTES, interval=0.5,
             message="the killed run to end errored")
    closed_after = time.monotonic() - killed
    print(f"\nthe killed run was closed {closed_after:.0f} s after the worker died")
    assert closed_after <= TWO_MINUTES
    run.refresh_from_db()
    assert INTERRUPTED in run.error and run.completed is not None
    assert lock_holder(fabric.pk) != str(run.job_id)
    # The next scheduled run completes, and the fabric's Jobs tab shows both runs as they ended.
    wait_for(lambda: HedgehogFabric.objects.get(pk=fabric.pk).sync_status == SyncStatusChoices.IN_SYNC, 60,
             message="the next scheduled run to succeed")
    assert Switch.objects.filter(fabric=fabric).count() == 6
    completed = Job.objects.filter(object_id=fabric.pk, status=JobStatusChoices.STATUS_COMPLETED,
                                   data__outcome="success").order_by("created").first()
    assert completed is not None and completed.scheduled is not None
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.invalid", "x"))
    page = client.get(f"/plugins/hedgehog/fabrics/{fabric.pk}/jobs/").content.decode()
    assert f"/core/jobs/{run.pk}/" in page and f"/core/jobs/{completed.pk}/" in page
    assert "Errored" in page and "Completed" in page


def test_housekeeping_runs_again_after_a_flushall_and_after_a_redis_restart(lab_repo, processes):
    fabric = git_fabric(lab_repo, name="kept")
    processes("rqworker", "high", "default", "low", name="worker")
    processes("hedgehog_scheduler", name="sidecar")
    start = time.time()
    wait_for_housekeeping(start, "a first time")
    assert housekeeping_registration() is not None

    flushed = time.time()
    redis_connection().flushall()
    print(f"\nhousekeeping completed {wait_for_housekeeping(flushed, 'after FLUSHALL'):.1f} s after FLUSHALL")

    session_redis().restart()
    restarted = time.time()
    print(f"housekeeping completed {wait_for_housekeeping(restarted, 'after a restart'):.1f} s after a restart")
    wait_for(lambda: fabric.pk in registrations(), 30, message="the fabric's registration after the restart")


def test_a_stale_scheduled_row_of_the_old_system_job_is_replaced(processes):
    # What a lost RQ job leaves of NetBox's system job: a *scheduled* row that enqueue_once takes for alive.
    stale = Job.objects.create(name=SUPERSEDED_HOUSEKEEPING, status=JobStatusChoices.STATUS_SCHEDULED,
                               job_id=uuid.uuid4(), queue_name=QUEUE_LOW, interval=1, scheduled=timezone.now())
    started = time.time()
    processes("rqworker", "high", "default", "low", name="worker")
    processes("hedgehog_scheduler", name="sidecar")
    wait_for_housekeeping(started, "with a stale row in the way")
    wait_for(lambda: not Job.objects.filter(pk=stale.pk).exists(), 10, message="the stale row to be removed")


def test_housekeeping_waits_in_the_queue_only_once_and_survives_a_worker_killed_while_it_runs(processes):
    processes("hedgehog_scheduler", name="sidecar")
    wait_for(lambda: redis_connection().get(HOUSEKEEPING_RUN_KEY), 30, message="a first housekeeping run queued")
    time.sleep(7)  # three more slots with no worker on `low`
    queued = [job_id.decode() for job_id in redis_connection().lrange(f"rq:queue:{QUEUE_LOW}", 0, -1)]
    assert queued == [redis_connection().get(HOUSEKEEPING_RUN_KEY).decode()], queued

    # Housekeeping reads core.Job: while the table is locked, the run that starts blocks inside it.
    blocker = table_lock(Job, "ACCESS EXCLUSIVE")
    try:
        worker = processes("rqworker", "low", name="worker")
        wait_for(lambda: waiting_on_lock(Job, "SELECT"), 60, message="housekeeping blocked while it runs")
        worker.kill()
    finally:
        blocker.rollback()
        blocker.close()
    killed = time.time()
    processes("rqworker", "low", name="worker-2")
    took = wait_for_housekeeping(killed, "after its worker was killed mid-run")
    print(f"\nhousekeeping completed {took:.1f} s after the worker running it was killed")
