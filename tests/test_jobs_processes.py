"""
Background syncs with real processes: `netbox rqworker`, the scheduler sidecar, real Redis, the real
test database. Data is committed (transactional_db) so the processes see it.
"""
import json
import subprocess
import time

import pytest
from django.utils import timezone

from core.choices import JobStatusChoices
from core.models import Job

from netbox_hedgehog.choices import SyncStatusChoices
from netbox_hedgehog.jobs import FabricSyncJob, enqueue_sync
from netbox_hedgehog.models import Connection, HedgehogFabric, Switch
from netbox_hedgehog.queues import redis_connection
from netbox_hedgehog.scheduling import registrations
from tests.helpers import table_lock, wait_for, waiting_on_lock
from tests.processes import NETBOX, netbox_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clean_state(clean_redis):
    """Start with no fabrics and no jobs, even after an earlier run was interrupted before its flush."""
    HedgehogFabric.objects.all().delete()
    Job.objects.all().delete()


def sync_jobs(fabric):
    return Job.objects.filter(object_id=fabric.pk, name=FabricSyncJob.name).order_by("created")


def test_a_separate_worker_imports_the_plugin_and_runs_a_plugin_job(lab_repo, tmp_path):
    fabric = HedgehogFabric.objects.create(name="lab", git_url=lab_repo.url, scheduler_enabled=False)
    job, created = enqueue_sync(fabric)
    assert created and job.status == JobStatusChoices.STATUS_PENDING
    worker = subprocess.run([NETBOX, "rqworker", "--burst", "high", "default", "low"], env=netbox_env(),
                            capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    job.refresh_from_db()
    assert job.status == JobStatusChoices.STATUS_COMPLETED, (job.error, job.log_entries)
    assert job.data["counts"]["Switch"]["created"] == 6
    assert Switch.objects.filter(fabric=fabric).count() == 6
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.IN_SYNC and fabric.last_sync is not None


def test_sync_now_while_queued_returns_the_queued_run(lab_repo):
    fabric = HedgehogFabric.objects.create(name="lab", git_url=lab_repo.url, scheduler_enabled=False)
    first, created = enqueue_sync(fabric)
    second, created_again = enqueue_sync(fabric)
    assert created and not created_again and second.pk == first.pk
    # A run lost from Redis (flushed) is not "queued" any more: the next request starts a new one.
    redis_connection().flushdb()
    third, created = enqueue_sync(fabric)
    assert created and third.pk != first.pk
    first.refresh_from_db()
    assert first.status == JobStatusChoices.STATUS_ERRORED


def scheduled_runs(fabric):
    """Due times of the fabric's completed scheduled runs, in order."""
    return [job.scheduled for job in sync_jobs(fabric) if job.scheduled and job.status == "completed"]


def test_three_fabrics_sync_on_their_grid_for_a_minute(lab_repo, processes):
    fabrics = [HedgehogFabric.objects.create(name=f"grid-{i}", git_url=lab_repo.url, sync_interval=10)
               for i in range(3)]
    HedgehogFabric.objects.filter(pk__in=[f.pk for f in fabrics]).update(sync_interval=5)
    processes("rqworker", "high", "default", "low", name="worker")
    sidecar = processes("hedgehog_scheduler", name="sidecar")
    wait_for(lambda: len(registrations()) == 3, 60, message="three registrations")
    started = time.time()
    time.sleep(60)
    for fabric in fabrics:
        runs = scheduled_runs(fabric)
        assert len(runs) >= 10, (fabric, runs, sidecar.output()[-3000:])
        gaps = {(b - a).total_seconds() for a, b in zip(runs, runs[1:], strict=False)}
        assert gaps == {5.0}, f"{fabric}: due times not on a 5 s grid: {runs}"
        assert len(set(runs)) == len(runs), "a slot ran twice"
        fabric.refresh_from_db()
        assert fabric.last_sync.timestamp() > started + 40
    stats = subprocess.run([NETBOX, "rqstats", "--json"], env=netbox_env(), capture_output=True, text=True,
                           timeout=60)
    data = json.loads(stats.stdout)
    assert data["hedgehog"]["registrations"] == 3
    assert any(queue["workers"] >= 1 for queue in data["queues"] if queue["name"] == "default")


def test_schedule_changes_reach_the_registrations_within_a_second(lab_repo, processes, client):
    processes("hedgehog_scheduler", name="sidecar")
    fabric = HedgehogFabric.objects.create(name="changing", git_url=lab_repo.url, sync_interval=60)
    wait_for(lambda: registrations().get(fabric.pk), 30, message="the first registration")

    def applied_within_one_second(check, what):
        start = time.monotonic()
        wait_for(check, 1.0, interval=0.02, message=what)
        return time.monotonic() - start

    fabric.sync_interval = 30
    fabric.save()
    applied_within_one_second(lambda: registrations().get(fabric.pk, (None,))[0] == 30, "interval change")
    fabric.scheduler_enabled = False
    fabric.save()
    applied_within_one_second(lambda: fabric.pk not in registrations(), "disable")
    fabric.scheduler_enabled = True
    fabric.save()
    applied_within_one_second(lambda: fabric.pk in registrations(), "enable")
    created = HedgehogFabric.objects.create(name="new", git_url=lab_repo.url)
    applied_within_one_second(lambda: created.pk in registrations(), "create")
    deleted_pk = fabric.pk
    fabric.delete()
    applied_within_one_second(lambda: deleted_pk not in registrations(), "delete")
    assert set(registrations()) == {created.pk}


def test_flushed_redis_heals_within_one_reconcile_period(lab_repo, processes):
    fabrics = [HedgehogFabric.objects.create(name=f"f{i}", git_url=lab_repo.url) for i in range(3)]
    processes("hedgehog_scheduler", name="sidecar")
    wait_for(lambda: len(registrations()) == 3, 30, message="registrations")
    redis_connection().flushall()
    assert registrations() == {}
    wait_for(lambda: set(registrations()) == {f.pk for f in fabrics}, 3 + 2, message="registrations after FLUSHALL")
    assert HedgehogFabric.objects.count() == 3


def test_sidecar_killed_and_restarted_and_two_sidecars(lab_repo, processes):
    fabric = HedgehogFabric.objects.create(name="f", git_url=lab_repo.url, sync_interval=10)
    HedgehogFabric.objects.filter(pk=fabric.pk).update(sync_interval=2)
    first = processes("hedgehog_scheduler", name="sidecar-1")
    second = processes("hedgehog_scheduler", name="sidecar-2")
    wait_for(lambda: registrations().get(fabric.pk), 30, message="registration")
    from hedgehog_scheduler.sidecar import read_status

    status = wait_for(lambda: (s := read_status(redis_connection()))["active"] and len(s["sidecars"]) == 2 and s,
                      10, message="one active and one standby sidecar")
    active = first if str(first.pid) in status["active"] else second
    time.sleep(6)
    active.kill()
    time.sleep(6)
    status = read_status(redis_connection())
    assert status["active"] and str(active.pid) not in status["active"], "the standby did not take over"
    assert len(registrations()) == 1
    queued = [job for job in redis_connection().lrange("rq:queue:default", 0, -1)]
    due_times = []
    from rq.job import Job as RQJob

    for job_id in queued:
        due_times.append(RQJob.fetch(job_id.decode(), connection=redis_connection()).kwargs["due"])
    assert len(due_times) == len(set(due_times)), f"a slot was enqueued twice: {due_times}"
    assert len(due_times) >= 5


def test_run_for_a_deleted_fabric_ends_cleanly(lab_repo):
    fabric = HedgehogFabric.objects.create(name="gone", git_url=lab_repo.url, scheduler_enabled=False)
    enqueue_sync(fabric)
    other = HedgehogFabric.objects.create(name="stays", git_url=lab_repo.url, scheduler_enabled=False)
    fabric.delete()
    worker = subprocess.run([NETBOX, "rqworker", "--burst", "high"], env=netbox_env(), capture_output=True,
                            text=True, timeout=120)
    assert worker.returncode == 0
    assert "Traceback" not in worker.stdout + worker.stderr
    assert HedgehogFabric.objects.filter(pk=other.pk).exists()
    from netbox_hedgehog.jobs import run_scheduled_sync

    assert run_scheduled_sync(fabric_id=fabric.pk, due=None)["outcome"] == "skipped"


def test_interval_changed_through_the_api_while_a_run_executes(lab_repo, processes, client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("admin", "admin@example.invalid", "x")
    client.force_login(admin)
    fabric = HedgehogFabric.objects.create(name="busy", git_url=lab_repo.url, sync_interval=10)
    HedgehogFabric.objects.filter(pk=fabric.pk).update(sync_interval=3)
    blocker = table_lock(Connection)
    try:
        processes("rqworker", "high", "default", "low", name="worker")
        processes("hedgehog_scheduler", name="sidecar")
        wait_for(lambda: waiting_on_lock(Connection, "INSERT"), 60,
                 message="a scheduled run executing (blocked mid-transaction)")
        running = sync_jobs(fabric).get(status=JobStatusChoices.STATUS_RUNNING)
        response = client.patch(f"/api/plugins/hedgehog/fabrics/{fabric.pk}/", {"sync_interval": 20},
                                content_type="application/json")
        changed_at = timezone.now()  # the change is committed when the response returns
        assert response.status_code == 200, response.content
        wait_for(lambda: registrations().get(fabric.pk, (None,))[0] == 20, 1.0, interval=0.02,
                 message="the new interval in the registration")
        assert list(registrations()) == [fabric.pk]
        next_due = registrations()[fabric.pk][1]
        assert 0 < (next_due - changed_at).total_seconds() <= 21
    finally:
        blocker.rollback()
        blocker.close()
    wait_for(lambda: Job.objects.get(pk=running.pk).status == JobStatusChoices.STATUS_COMPLETED, 30,
             message="the running run to finish")
    assert Job.objects.get(pk=running.pk).data["outcome"] == "success"
    # The next run is the one on the new grid.
    wait_for(lambda: sync_jobs(fabric).filter(scheduled=next_due, status=JobStatusChoices.STATUS_COMPLETED).exists(),
             40, message="the next run, due on the new interval's grid")


def test_a_run_whose_rq_job_id_is_not_a_uuid_holds_the_lock_while_it_runs(lab_repo, processes):
    """As when a stock `rqscheduler` fires a registration itself: the run's RQ job id is the registration's."""
    import django_rq

    from netbox_hedgehog.jobs import rq_job_id, run_scheduled_sync, sweep_stale_runs
    from netbox_hedgehog.locks import lock_holder

    fabric = HedgehogFabric.objects.create(name="stock", git_url=lab_repo.url, scheduler_enabled=False)
    HedgehogFabric.objects.filter(pk=fabric.pk).update(scheduler_enabled=True)
    blocker = table_lock(Connection)
    try:
        django_rq.get_queue("default").enqueue("netbox_hedgehog.jobs.run_scheduled_sync", fabric_id=fabric.pk,
                                               job_id=f"hedgehog-fabric-{fabric.pk}")
        processes("rqworker", "default", name="worker")
        wait_for(lambda: waiting_on_lock(Connection, "INSERT"), 60, message="the run blocked mid-transaction")
        running = sync_jobs(fabric).get(status=JobStatusChoices.STATUS_RUNNING)
        assert rq_job_id(running) == f"hedgehog-fabric-{fabric.pk}" == lock_holder(fabric.pk)
        # Housekeeping sees it alive, a manual request gets it back, a second scheduled run is skipped.
        assert sweep_stale_runs() == 0
        assert enqueue_sync(fabric) == (running, False)
        second = run_scheduled_sync(fabric_id=fabric.pk, due="2026-12-02T10:00:00+00:00")
        assert Job.objects.get(pk=second["job"]).data["reason"] == "another sync of this fabric is running"
    finally:
        blocker.rollback()
        blocker.close()
    wait_for(lambda: Job.objects.get(pk=running.pk).status == JobStatusChoices.STATUS_COMPLETED, 60,
             message="the run to finish")
    assert Job.objects.get(pk=running.pk).data["rq_job_id"] == f"hedgehog-fabric-{fabric.pk}"
    assert lock_holder(fabric.pk) is None
