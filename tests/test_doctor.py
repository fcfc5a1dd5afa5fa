"""
`netbox hedgehog_doctor` against real processes: a healthy stack (worker + sidecar, fabrics registered) is all
ok; then, one by one, a stopped worker, a stopped sidecar, a registration deleted from Redis, a fabric stuck
in `syncing` and an unapplied migration each give their own error line and a non-zero exit.
"""
import io
import json
import re
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection as db_connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from core.choices import JobStatusChoices
from core.models import Job, ObjectType

from hedgehog_scheduler.grid import registration_id
from netbox_hedgehog import __version__, doctor
from netbox_hedgehog.choices import SyncStatusChoices
from netbox_hedgehog.jobs import FabricSyncJob, enqueue_sync, housekeeping_state
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.queues import live_workers, redis_connection
from netbox_hedgehog.scheduling import housekeeping_interval, registrations
from tests.helpers import wait_for
from tests.processes import NETBOX, netbox_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_redis")]
QUEUES = ("high", "default", "low")


def doctor_process(*args):
    return subprocess.run([NETBOX, "hedgehog_doctor", *args], env=netbox_env(), capture_output=True, text=True,
                          timeout=300)


def doctor_in_process():
    """(exit code, {check name: [(level, line)]}) of the command run in this process."""
    out = io.StringIO()
    try:
        call_command("hedgehog_doctor", stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, parse(out.getvalue())


def parse(text):
    checks = {}
    for line in text.splitlines():
        level, _, rest = line.partition(" ")
        if level.lower() in doctor.LEVELS:
            name = rest.split()[0]
            checks.setdefault(name, []).append((level.lower(), line))
    return checks


def levels(checks, name):
    return {level for level, _ in checks[name]}


def errors(checks):
    return {name for name, lines in checks.items() if any(level == "error" for level, _ in lines)}


def test_doctor_on_a_healthy_stack_then_each_failure(lab_repo, processes):
    fabrics = [HedgehogFabric.objects.create(name=f"doctor-{i}", git_url=lab_repo.url, sync_interval=600)
               for i in range(2)]
    worker = processes("rqworker", *QUEUES, name="worker")
    sidecar = processes("hedgehog_scheduler", name="sidecar")
    wait_for(lambda: set(registrations()) == {f.pk for f in fabrics}, 60, message="both registrations")
    wait_for(lambda: {q for w in live_workers() for q in w.queue_names()} >= set(QUEUES), 60,
             message="a live worker on every queue")

    # A run by the live worker records the plugin version the doctor compares.
    run, _ = enqueue_sync(fabrics[0])
    wait_for(lambda: Job.objects.get(pk=run.pk).status == JobStatusChoices.STATUS_COMPLETED, 120,
             message="the manual sync")

    healthy = doctor_process()
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert re.search(rf"\d+ sync run\(s\) since they started ran netbox_hedgehog {re.escape(__version__)}",
                     healthy.stdout), healthy.stdout
    checks = parse(healthy.stdout)
    expected = {"database", "redis-tasks", "redis-caching", "legacy-schema", "migrations", "model-changes", "schema",
                "workers-high", "workers-default", "workers-low", "worker-versions", "scheduler", "registrations",
                "fabrics-overdue", "fabrics-stuck", "fabrics-failing", "failed-runs", "housekeeping",
                "interrupted-runs"}
    assert set(checks) == expected, healthy.stdout
    assert all(level == "ok" for lines in checks.values() for level, _ in lines), healthy.stdout
    assert "2 scheduled fabric(s), each registered once" in healthy.stdout
    as_json = json.loads(doctor_process("--json").stdout)
    assert as_json["summary"]["error"] == 0, as_json
    assert {c["name"] for c in as_json["checks"]} == expected

    # A sync run recorded by a worker of another plugin version.
    job = Job.objects.create(object_type=ObjectType.objects.get_for_model(HedgehogFabric), object_id=fabrics[0].pk,
                             name=FabricSyncJob.name, status=JobStatusChoices.STATUS_COMPLETED, job_id=uuid.uuid4(),
                             completed=timezone.now(), data={"outcome": "success", "plugin_version": "0.0.1-old"})
    code, checks = doctor_in_process()
    assert code == 1 and errors(checks) == {"worker-versions"}, checks
    assert f"ran netbox_hedgehog 0.0.1-old (1 run(s)), not {__version__}" in checks["worker-versions"][0][1]
    job.delete()

    # 1. The worker stops; without it housekeeping stops completing, and a run it held stays open.
    worker.stop()
    orphan = Job.objects.create(object_type=ObjectType.objects.get_for_model(HedgehogFabric),
                                object_id=fabrics[1].pk, name=FabricSyncJob.name, job_id=uuid.uuid4(),
                                status=JobStatusChoices.STATUS_RUNNING)
    Job.objects.filter(pk=orphan.pk).update(created=timezone.now() - timedelta(minutes=5))
    stopped = time.time()
    wait_for(lambda: time.time() - housekeeping_state()["completed"] > 2 * housekeeping_interval(), 30,
             message="housekeeping to be overdue")
    code, checks = doctor_in_process()
    assert code == 1
    assert errors(checks) == {"workers-high", "workers-default", "workers-low", "housekeeping",
                              "interrupted-runs"}, checks
    assert "though it runs every 2s: its runs are not being picked up from queue 'low'" in \
        checks["housekeeping"][0][1]
    assert f"job #{orphan.pk} (running, created 5 min ago)" in checks["interrupted-runs"][0][1]
    assert time.time() - stopped < 30
    orphan.delete()
    assert "no live RQ worker serves queue 'default'" in checks["workers-default"][0][1]
    assert "netbox rqworker high default low" in checks["workers-default"][0][1]

    # 2. The sidecar stops.
    sidecar.stop()
    code, checks = doctor_in_process()
    assert code == 1 and "scheduler" in errors(checks) and "registrations" not in errors(checks)
    assert "no active scheduler sidecar" in checks["scheduler"][0][1]
    connection = redis_connection()
    connection.zrem("rq:scheduler:scheduled_jobs", "hedgehog-housekeeping")
    assert "the scheduler sidecar has no housekeeping registration" in doctor.check_housekeeping().message

    # 3. A registration disappears from Redis.
    connection = redis_connection()
    connection.zrem("rq:scheduler:scheduled_jobs", registration_id(fabrics[0].pk))
    connection.delete(f"rq:job:{registration_id(fabrics[0].pk)}")
    code, checks = doctor_in_process()
    assert code == 1 and "registrations" in errors(checks)
    assert f"missing: doctor-0 (#{fabrics[0].pk})" in checks["registrations"][0][1]

    # 4. A fabric stuck in `syncing` for longer than the job timeout.
    timeout = doctor._setting("sync_job_timeout")
    fabrics[1].set_sync_state(SyncStatusChoices.SYNCING, at=timezone.now() - timedelta(seconds=timeout + 120))
    code, checks = doctor_in_process()
    assert code == 1 and "fabrics-stuck" in errors(checks)
    assert "doctor-1" in checks["fabrics-stuck"][0][1] and f"job timeout ({timeout}s)" in checks["fabrics-stuck"][0][1]
    assert "doctor-1" in checks["fabrics-overdue"][0][1]

    # 5. The latest plugin migration is not applied.
    leaf = max(name for app, name in MigrationLoader(None).graph.leaf_nodes() if app == "netbox_hedgehog")
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT applied FROM django_migrations WHERE app = %s AND name = %s",
                       ["netbox_hedgehog", leaf])
        applied = cursor.fetchone()[0]
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", ["netbox_hedgehog", leaf])
    try:
        code, checks = doctor_in_process()
        assert code == 1 and "migrations" in errors(checks)
        assert f"1 netbox_hedgehog migration(s) not applied: {leaf}" in checks["migrations"][0][1]

        # All of it at once, from the real command: every one of those lines, and exit 1.
        broken = doctor_process()
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)",
                           ["netbox_hedgehog", leaf, applied])
    assert broken.returncode == 1, broken.stdout + broken.stderr
    checks = parse(broken.stdout)
    assert errors(checks) == {"migrations", "workers-high", "workers-default", "workers-low", "scheduler",
                              "registrations", "fabrics-overdue", "fabrics-stuck", "housekeeping"}, broken.stdout
    assert levels(checks, "worker-versions") == {"warning"}
    assert broken.stdout.strip().splitlines()[-1].endswith("9 error(s)")


def test_worker_healthcheck_needs_a_worker_on_this_host(processes):
    ok, message = doctor.worker_healthcheck()
    assert not ok and "no live RQ worker on" in message
    processes("rqworker", *QUEUES, name="worker")
    wait_for(lambda: doctor.worker_healthcheck()[0], 60, message="a live worker")
    ok, message = doctor.worker_healthcheck()
    assert ok and "high,default,low" in message
    assert not doctor.worker_healthcheck(hostname="some-other-container")[0]


def test_a_database_that_has_a_column_the_model_lacks_is_reported():
    with db_connection.cursor() as cursor:
        cursor.execute("ALTER TABLE netbox_hedgehog_hedgehogfabric ADD COLUMN legacy_field varchar(10)")
    try:
        check = doctor.check_schema()
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("ALTER TABLE netbox_hedgehog_hedgehogfabric DROP COLUMN legacy_field")
    assert check.level == doctor.ERROR
    assert "netbox_hedgehog_hedgehogfabric has column(s) the model does not: legacy_field" in check.message
    assert doctor.check_schema().ok


def test_a_fabric_that_failed_its_last_three_runs(lab_repo):
    fabric = HedgehogFabric.objects.create(name="failing", git_url=lab_repo.url, scheduler_enabled=False)
    object_type = ObjectType.objects.get_for_model(HedgehogFabric)

    def run(status, outcome, error=""):
        Job.objects.create(object_type=object_type, object_id=fabric.pk, name=FabricSyncJob.name, status=status,
                           job_id=uuid.uuid4(), completed=timezone.now(), error=error,
                           data={"outcome": outcome} if outcome else None)

    run(JobStatusChoices.STATUS_COMPLETED, "success")
    run(JobStatusChoices.STATUS_FAILED, "failed", "Git remote unreachable")
    run(JobStatusChoices.STATUS_COMPLETED, "skipped")  # skipped runs do not count
    run(JobStatusChoices.STATUS_FAILED, "failed", "Git remote unreachable")
    assert doctor.check_failing().ok
    run(JobStatusChoices.STATUS_ERRORED, None, "The sync was interrupted")
    check = doctor.check_failing()
    assert check.level == doctor.ERROR
    assert f"failing (#{fabric.pk}): The sync was interrupted" in check.message


def test_sync_runs_in_the_failed_registry_are_a_warning():
    import django_rq
    from rq.registry import FailedJobRegistry

    assert doctor.check_failed_registry().ok
    queue = django_rq.get_queue("default")
    job = queue.enqueue("netbox_hedgehog.jobs.run_scheduled_sync", fabric_id=12345)
    queue.remove(job)
    FailedJobRegistry(queue=queue).add(job, ttl=600, exc_string="boom")
    check = doctor.check_failed_registry()
    assert check.level == doctor.WARNING and f"'default': {job.id}" in check.message


def test_a_crashing_check_is_an_error_result_and_unreachable_needs_skip_the_rest():
    def broken():
        raise RuntimeError("boom")

    def unreachable():
        return doctor.Check("database", doctor.ERROR, "down")

    results = doctor.run_checks((("database", unreachable, ()), ("crash", broken, ()),
                                 ("needs-db", doctor.check_stuck, ("database",))))
    assert [(r.name, r.level) for r in results] == [("database", "error"), ("crash", "error"),
                                                     ("needs-db", "error")]
    assert "RuntimeError: boom" in results[1].message and "not checked: database unreachable" in results[2].message
