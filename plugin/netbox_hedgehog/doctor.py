"""
Health checks of an installation: what `netbox hedgehog_doctor` prints and what a status page can show.

Each check returns one or more `Check(name, level, message, hint)`; `run_checks()` runs them all (a check
that needs PostgreSQL or Redis is reported as an error, not run, when that is unreachable) and never
raises. The checks only read: nothing is enqueued, registered or repaired here.

Which plugin version a worker runs: an RQ worker publishes only RQ's and Python's versions in its
`rq:worker:<name>` hash, so `worker-versions` compares those with this process's (a different RQ or Python
means a different install), and compares `plugin_version` recorded in the data of the sync runs that
finished since the live workers started (each run records the version of the code that ran it). The
scheduler sidecar publishes its version in its heartbeat, so `scheduler` compares that directly.
"""
import socket
import sys
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.utils import timezone

__all__ = ("CHECKS", "ERROR", "OK", "WARNING", "Check", "run_checks", "summary", "worker_healthcheck")

APP = "netbox_hedgehog"
OK, WARNING, ERROR = "ok", "warning", "error"
LEVELS = (OK, WARNING, ERROR)
# A fabric whose last N finished runs all failed is "failing repeatedly".
FAILING_RUNS = 3
# How many names a message lists before "... and N more".
LIST_LIMIT = 10
WORKER_START_HINT = "start one: `netbox rqworker high default low` (netbox-docker: the netbox-worker service)"
SIDECAR_START_HINT = ("start exactly one: `netbox hedgehog_scheduler` (netbox-docker: the hedgehog-scheduler "
                      "service)")


@dataclass(frozen=True)
class Check:
    """One result: `level` is ok, warning or error; `hint` says what to do about anything but ok."""

    name: str
    level: str
    message: str
    hint: str = ""

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r}")

    @property
    def ok(self):
        return self.level == OK

    def as_dict(self):
        return asdict(self)


# -- helpers ------------------------------------------------------------------------------------


def _setting(name):
    from netbox.plugins import get_plugin_config

    return get_plugin_config(APP, name)


def _listed(items, limit=LIST_LIMIT):
    items = list(items)
    text = ", ".join(str(item) for item in items[:limit])
    return text + (f" ... and {len(items) - limit} more" if len(items) > limit else "")


def _ago(seconds):
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def _fabric_label(fabric):
    return f"{fabric.name} (#{fabric.pk})"


def _installed_version():
    """The version of the netbox-hedgehog distribution installed next to this process (what the sidecar reports)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("netbox-hedgehog")
    except PackageNotFoundError:
        return "unknown"


# -- PostgreSQL and Redis -----------------------------------------------------------------------


def check_database():
    from django.db import connection

    settings_dict = connection.settings_dict
    where = f"database {settings_dict.get('NAME')} on {settings_dict.get('HOST') or 'localhost'}:" \
            f"{settings_dict.get('PORT') or 5432}"
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            version = cursor.fetchone()[0]
    except Exception as exc:
        return Check("database", ERROR, f"PostgreSQL is not reachable ({where}): {_first_line(exc)}",
                     "check DATABASES in configuration.py and that PostgreSQL runs and accepts this host")
    return Check("database", OK, f"PostgreSQL {version} reachable ({where})")


def _redis_where(connection):
    options = connection.connection_pool.connection_kwargs
    if "path" in options:
        return f"{options['path']} db {options.get('db', 0)}"
    return f"{options.get('host')}:{options.get('port')} db {options.get('db', 0)}"


def check_redis_tasks():
    from .queues import redis_connection

    connection = redis_connection()
    try:
        connection.ping()
        version = connection.info("server").get("redis_version", "?")
    except Exception as exc:
        return Check("redis-tasks", ERROR, f"Redis for tasks is not reachable ({_redis_where(connection)}): "
                     f"{_first_line(exc)}", "check REDIS['tasks'] in configuration.py and that Redis runs")
    return Check("redis-tasks", OK, f"Redis {version} for tasks reachable ({_redis_where(connection)})")


def check_redis_caching():
    try:
        from django_redis import get_redis_connection

        connection = get_redis_connection("default")
        connection.ping()
    except Exception as exc:
        return Check("redis-caching", ERROR, f"Redis for caching is not reachable: {_first_line(exc)}",
                     "check REDIS['caching'] in configuration.py and that Redis runs")
    return Check("redis-caching", OK, f"Redis for caching reachable ({_redis_where(connection)})")


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- migrations and schema ----------------------------------------------------------------------


def check_migrations():
    """Every netbox_hedgehog migration on disk applied, and none applied that this code does not have."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    loader = executor.loader
    targets = [key for key in loader.graph.leaf_nodes() if key[0] == APP]
    unapplied = [migration.name for migration, backwards in executor.migration_plan(targets)
                 if migration.app_label == APP and not backwards]
    on_disk = {name for app, name in loader.disk_migrations if app == APP}
    unknown = sorted(name for app, name in loader.applied_migrations if app == APP and name not in on_disk)
    results = []
    if unapplied:
        results.append(Check(
            "migrations", ERROR, f"{len(unapplied)} netbox_hedgehog migration(s) not applied: {_listed(unapplied)}",
            "run `netbox migrate` (netbox-docker: restarting the netbox container applies them), then restart "
            "the workers and the scheduler sidecar"))
    if unknown:
        results.append(Check(
            "migrations", ERROR, f"the database has netbox_hedgehog migration(s) this code does not know: "
            f"{_listed(unknown)} (this install runs older code than the database)",
            "deploy the same plugin version to the web, worker and scheduler processes (one image), the one "
            "that migrated the database"))
    if not results:
        results.append(Check("migrations", OK, f"all {len(on_disk)} netbox_hedgehog migrations applied"))
    return results


def check_model_changes():
    """The plugin's models match its migrations: what `makemigrations --check netbox_hedgehog` answers."""
    from django.apps import apps
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
    from django.db.migrations.state import ProjectState

    loader = MigrationLoader(None, ignore_no_migrations=True)
    autodetector = MigrationAutodetector(
        loader.project_state(), ProjectState.from_apps(apps),
        NonInteractiveMigrationQuestioner(specified_apps={APP}, dry_run=True),
    )
    changes = autodetector.changes(graph=loader.graph, trim_to_apps={APP}, convert_apps={APP})
    operations = [operation.describe() for migration in changes.get(APP, []) for operation in migration.operations]
    if operations:
        return Check("model-changes", ERROR, f"the plugin's models differ from its migrations: {_listed(operations)}",
                     "this install is inconsistent: reinstall a released netbox_hedgehog (developers: "
                     "`netbox makemigrations netbox_hedgehog`)")
    return Check("model-changes", OK, "the plugin's models match its migrations")


def check_schema():
    """The plugin's tables have exactly the columns its models have (a column only in the database breaks inserts)."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        problems = []
        models = [model for model in apps.get_app_config(APP).get_models() if model._meta.managed]
        for model in models:
            table = model._meta.db_table
            if table not in tables:
                problems.append(f"table {table} is missing")
                continue
            in_db = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            in_model = {field.column for field in model._meta.local_concrete_fields}
            if in_model - in_db:
                problems.append(f"{table} lacks column(s) {', '.join(sorted(in_model - in_db))}")
            if in_db - in_model:
                problems.append(f"{table} has column(s) the model does not: {', '.join(sorted(in_db - in_model))}")
    if problems:
        return Check("schema", ERROR, f"database and models disagree: {_listed(problems, 5)}",
                     "apply the migrations of the plugin version you run (`netbox migrate`); if they are all "
                     "applied, this code is not the code that migrated the database: deploy one version everywhere")
    return Check("schema", OK, f"the {len(models)} plugin tables match the models")


def check_legacy_schema():
    """The database does not hold the predecessor's schema, which `migrate` and the plugin's pages refuse."""
    from .legacy import LEGACY_PREFIX, PREDECESSOR, UPGRADE_COMMAND, detect, legacy_copies

    schema = detect()
    if schema is not None:
        return Check("legacy-schema", ERROR, f"the database holds the schema of {schema.description} "
                     f"({'; '.join(schema.evidence)}): `netbox migrate` and the plugin's pages refuse to run on it",
                     f"back up the database, run `{UPGRADE_COMMAND}` to see what it carries over, then "
                     f"`{UPGRADE_COMMAND} --apply` (README: \"Upgrading from {PREDECESSOR}\")")
    copies = legacy_copies()
    if copies:
        return Check("legacy-schema", OK, f"upgraded from {PREDECESSOR}: its {len(copies)} table(s) are kept as "
                     f"{LEGACY_PREFIX}* for a rollback (`{UPGRADE_COMMAND} --drop-legacy` removes them)")
    return Check("legacy-schema", OK, f"no schema of {PREDECESSOR} (the predecessor) in the database")


# -- workers ------------------------------------------------------------------------------------


def _heartbeat_age(worker):
    return (timezone.now() - worker.last_heartbeat).total_seconds() if worker.last_heartbeat else None


def _describe_worker(worker):
    age = _heartbeat_age(worker)
    heartbeat = f" (heartbeat {_ago(age)})" if age is not None else ""
    return f"{worker.name} on {worker.hostname} pid {worker.pid}{heartbeat}"


def check_workers():
    from .queues import QUEUE_DEFAULT, QUEUE_HIGH, QUEUE_LOW, live_workers

    roles = {QUEUE_HIGH: "manual syncs stay queued", QUEUE_DEFAULT: "scheduled syncs stay queued",
             QUEUE_LOW: "housekeeping does not run"}
    workers = live_workers()
    results = []
    for queue, role in roles.items():
        serving = [w for w in workers if queue in w.queue_names()]
        name = f"workers-{queue}"
        if not serving:
            results.append(Check(name, ERROR, f"no live RQ worker serves queue '{queue}': {role}",
                                 WORKER_START_HINT))
        else:
            results.append(Check(name, OK, f"{len(serving)} live worker(s) on '{queue}': "
                                 f"{_listed(_describe_worker(w) for w in serving)}"))
    return results


def check_worker_versions():
    """Workers run the same install: same RQ and Python, and the sync runs since they started ran this plugin."""
    from rq import VERSION as RQ_VERSION

    from core.models import Job

    from . import __version__
    from .jobs import FabricSyncJob
    from .queues import live_workers

    workers = live_workers()
    if not workers:
        return Check("worker-versions", WARNING, "no live worker to compare with this install", WORKER_START_HINT)
    different = [f"{w.name} on {w.hostname} (rq {w.version}, Python {(w.python_version or '?').split()[0]})"
                 for w in workers if w.version != RQ_VERSION or w.python_version != sys.version]
    births = [w.birth_date for w in workers if w.birth_date]
    since = min(births) if births else None
    runs = Job.objects.filter(name=FabricSyncJob.name, completed__isnull=False)
    if since:
        runs = runs.filter(created__gte=since)  # the `created` index keeps this cheap
    versions = {}
    for recorded in runs.order_by("-created").values_list("data__plugin_version", flat=True)[:500]:
        versions[recorded] = versions.get(recorded, 0) + 1
    foreign = {v: n for v, n in versions.items() if v is not None and v != __version__}
    problems = []
    if different:
        problems.append(f"worker(s) from another install: {_listed(different)}; this process has rq {RQ_VERSION}, "
                        f"Python {sys.version.split()[0]}")
    if foreign:
        problems.append("sync runs since the workers started ran netbox_hedgehog "
                        + ", ".join(f"{v} ({n} run(s))" for v, n in sorted(foreign.items()))
                        + f", not {__version__}")
    if problems:
        return Check("worker-versions", ERROR, "; ".join(problems),
                     "run the web, worker and scheduler processes from one install (one image) and restart the "
                     "workers after every upgrade")
    recorded = sum(n for v, n in versions.items() if v is not None)
    runs_text = (f"{recorded} sync run(s) since they started ran netbox_hedgehog {__version__}" if recorded
                 else "no sync run since they started has recorded its plugin version yet")
    return Check("worker-versions", OK, f"{len(workers)} worker(s) run rq {RQ_VERSION} on Python "
                 f"{sys.version.split()[0]} like this process; {runs_text}")


def worker_healthcheck(hostname=None, connection=None):
    """(ok, message): whether an RQ worker on `hostname` (this container's) is alive. For container healthchecks."""
    from redis.exceptions import RedisError

    from .queues import live_workers

    hostname = hostname or socket.gethostname()
    try:
        mine = [w for w in live_workers(connection=connection) if w.hostname == hostname]
    except RedisError as exc:
        return False, f"redis unavailable: {_first_line(exc)}"
    if not mine:
        return False, f"no live RQ worker on {hostname} (its heartbeat key has expired or it never started)"
    return True, "; ".join(f"{_describe_worker(w)} on {','.join(w.queue_names())}, {w.get_state()}" for w in mine)


# -- scheduler sidecar and registrations --------------------------------------------------------


def check_scheduler():
    from .scheduling import heartbeat_interval, scheduler_status

    status = scheduler_status()
    max_age = 3 * heartbeat_interval()
    fresh = [s for s in status["sidecars"] if s["age"] <= max_age]
    active = [s for s in fresh if s.get("role") == "active"]
    standby = len(fresh) - len(active)
    if not active:
        held = f" (the leader key is held by {status['leader']}, whose heartbeat stopped)" if status["leader"] else ""
        return Check("scheduler", ERROR, f"no active scheduler sidecar{held}; {standby} standby: no scheduled "
                     "sync runs", SIDECAR_START_HINT)
    if len(active) > 1:
        return Check("scheduler", ERROR, f"{len(active)} sidecars say they are active: "
                     f"{_listed(s['instance'] for s in active)}",
                     "stop all but one `netbox hedgehog_scheduler`; check that they share one Redis")
    sidecar = active[0]
    mine = _installed_version()
    if sidecar.get("version") not in (mine, None, "unknown") and mine != "unknown":
        return Check("scheduler", ERROR, f"the active sidecar {sidecar['instance']} runs netbox-hedgehog "
                     f"{sidecar.get('version')}, this install is {mine}",
                     "run the sidecar from the same install (image) as NetBox and restart it after upgrades")
    return Check("scheduler", OK, f"active sidecar {sidecar['instance']} on {sidecar.get('host')}, heartbeat "
                 f"{sidecar['age']:.1f}s ago, {standby} standby")


def _registration_diff():
    from .scheduling import desired_schedule, registrations

    desired = desired_schedule()
    registered = registrations()
    missing = sorted(set(desired) - set(registered))
    extra = sorted(set(registered) - set(desired))
    wrong = sorted((pk, registered[pk][0], desired[pk]) for pk in set(desired) & set(registered)
                   if registered[pk][0] != desired[pk])
    return desired, missing, extra, wrong


def check_registrations(settle=1.5):
    """The sidecar's registrations are exactly the scheduled fabrics, with their intervals."""
    from .models import HedgehogFabric
    from .scheduling import reconcile_interval

    desired, missing, extra, wrong = _registration_diff()
    if (missing or extra or wrong) and settle:
        # A change committed a moment ago reaches the sidecar within about a second.
        time.sleep(settle)
        desired, missing, extra, wrong = _registration_diff()
    if not (missing or extra or wrong):
        return Check("registrations", OK, f"{len(desired)} scheduled fabric(s), each registered once with its "
                     "interval")
    names = dict(HedgehogFabric.objects.filter(pk__in=[*missing, *extra, *(w[0] for w in wrong)])
                 .values_list("pk", "name"))

    def label(pk):
        return f"{names[pk]} (#{pk})" if pk in names else f"#{pk}"

    parts = []
    if missing:
        parts.append(f"missing: {_listed(label(pk) for pk in missing)}")
    if extra:
        parts.append(f"extra: {_listed(label(pk) for pk in extra)}")
    if wrong:
        parts.append("wrong interval: " + _listed(f"{label(pk)} registered {'?' if got is None else got}s, "
                                                  f"configured {want}s" for pk, got, want in wrong))
    return Check("registrations", ERROR, "scheduler registrations differ from the scheduled fabrics: "
                 + "; ".join(parts),
                 f"the active sidecar repairs this within scheduler_reconcile_interval ({reconcile_interval()}s); "
                 "if it stays, check that the sidecar runs and read its log")


# -- fabrics ------------------------------------------------------------------------------------


def check_overdue():
    from .models import HedgehogFabric

    now = timezone.now()
    overdue = []
    for fabric in HedgehogFabric.objects.scheduled().only("name", "sync_interval", "last_sync_attempt", "created"):
        since = fabric.last_sync_attempt or fabric.created
        if since and (now - since).total_seconds() > 2 * fabric.sync_interval:
            what = (f"last attempt {_ago((now - since).total_seconds())}" if fabric.last_sync_attempt
                    else f"never attempted, created {_ago((now - since).total_seconds())}")
            overdue.append(f"{_fabric_label(fabric)}: {what}, interval {fabric.sync_interval}s")
    if overdue:
        return Check("fabrics-overdue", ERROR, f"{len(overdue)} scheduled fabric(s) overdue (no attempt for over "
                     f"twice their interval): {_listed(overdue)}",
                     "scheduled runs need the scheduler sidecar and a worker on 'default': see those checks")
    return Check("fabrics-overdue", OK, "no scheduled fabric is overdue")


def check_stuck():
    from .choices import SyncStatusChoices
    from .models import HedgehogFabric

    timeout = _setting("sync_job_timeout")
    cutoff = timezone.now() - timedelta(seconds=timeout)
    stuck = HedgehogFabric.objects.filter(sync_status=SyncStatusChoices.SYNCING, last_sync_attempt__lt=cutoff)
    if stuck:
        now = timezone.now()
        listed = _listed(f"{_fabric_label(f)} since {_ago((now - f.last_sync_attempt).total_seconds())}"
                         for f in stuck)
        return Check("fabrics-stuck", ERROR, f"{len(stuck)} fabric(s) 'syncing' for longer than the job timeout "
                     f"({timeout}s): {listed}",
                     "the worker running the sync died or hangs: housekeeping (the sidecar's registration, on queue "
                     "'low') closes a dead worker's run; see the housekeeping check, otherwise restart the workers")
    return Check("fabrics-stuck", OK, "no fabric is stuck in 'syncing'")


def _run_failed(status, data):
    from core.choices import JobStatusChoices

    from .choices import SyncOutcomeChoices

    if status in (JobStatusChoices.STATUS_FAILED, JobStatusChoices.STATUS_ERRORED):
        return True
    return isinstance(data, dict) and data.get("outcome") == SyncOutcomeChoices.FAILED


def check_failing():
    from core.choices import JobStatusChoices
    from core.models import Job, ObjectType

    from .choices import SyncOutcomeChoices
    from .jobs import FabricSyncJob
    from .models import HedgehogFabric

    object_type = ObjectType.objects.get_for_model(HedgehogFabric)
    failing = []
    for fabric in HedgehogFabric.objects.filter(sync_enabled=True).only("name", "sync_error"):
        runs = list(Job.objects.filter(object_type=object_type, object_id=fabric.pk, name=FabricSyncJob.name,
                                       status__in=JobStatusChoices.TERMINAL_STATE_CHOICES)
                    .exclude(data__outcome=SyncOutcomeChoices.SKIPPED).order_by("-created")
                    .values_list("status", "data", "error")[:FAILING_RUNS])
        if len(runs) == FAILING_RUNS and all(_run_failed(status, data) for status, data, _ in runs):
            error = (runs[0][2] or fabric.sync_error or "").strip().splitlines()
            failing.append(f"{_fabric_label(fabric)}" + (f": {error[0][:200]}" if error else ""))
    if failing:
        return Check("fabrics-failing", ERROR, f"{len(failing)} fabric(s) failed their last {FAILING_RUNS} runs: "
                     f"{_listed(failing, 5)}",
                     "open the fabric's Jobs tab for the full error; fix the source (Kubernetes API, Git remote, "
                     "credentials) or the input it names")
    return Check("fabrics-failing", OK, f"no fabric failed its last {FAILING_RUNS} runs")


def check_failed_registry():
    import django_rq
    from rq.registry import FailedJobRegistry

    from .jobs import SYNC_FUNCTIONS
    from .queues import QUEUE_DEFAULT, QUEUE_HIGH

    failed = {}
    for name in (QUEUE_HIGH, QUEUE_DEFAULT):
        queue = django_rq.get_queue(name)
        for job_id in FailedJobRegistry(queue=queue).get_job_ids():
            job = queue.fetch_job(job_id)
            if job is not None and job.func_name in SYNC_FUNCTIONS:
                failed.setdefault(name, []).append(job_id)
    if failed:
        total = sum(len(ids) for ids in failed.values())
        return Check("failed-runs", WARNING, f"{total} sync run(s) in RQ's failed registry: "
                     + "; ".join(f"'{q}': {_listed(ids, 5)}" for q, ids in failed.items()),
                     "each run's job (Jobs tab of its fabric) has the error; list or clear them under "
                     "System > Background Tasks or with `netbox rqstats`")
    return Check("failed-runs", OK, "no sync run in RQ's failed registry")


# -- housekeeping ---------------------------------------------------------------------------


HOUSEKEEPING_HINT = ("housekeeping needs the active scheduler sidecar (which registers it) and a worker on 'low': "
                     "see the scheduler and workers-low checks")


def check_housekeeping():
    """Housekeeping completed within twice its interval."""
    from .jobs import housekeeping_state
    from .scheduling import housekeeping_interval, housekeeping_registration

    interval = housekeeping_interval()
    state = housekeeping_state()
    age = time.time() - state["completed"] if state else None
    if age is not None and age <= 2 * interval:
        return Check("housekeeping", OK, f"housekeeping completed {_ago(age)} (every {interval}s)")
    what = "has no record of completing (none since Redis last lost its data)" if age is None else \
        f"last completed {_ago(age)}"
    why = ("the scheduler sidecar has no housekeeping registration" if housekeeping_registration() is None
           else "its runs are not being picked up from queue 'low'")
    return Check("housekeeping", ERROR, f"housekeeping {what}, though it runs every {interval}s: {why}; runs "
                 "whose worker died stay open until it runs", HOUSEKEEPING_HINT)


def check_interrupted_runs():
    """Sync runs still open whose RQ job no longer runs, older than twice the housekeeping interval."""
    from core.choices import JobStatusChoices
    from core.models import Job

    from .jobs import FabricSyncJob, rq_job_id
    from .queues import rq_job_alive
    from .scheduling import housekeeping_interval

    interval = housekeeping_interval()
    cutoff = timezone.now() - timedelta(seconds=2 * interval)
    runs = Job.objects.filter(name=FabricSyncJob.name, status__in=JobStatusChoices.ENQUEUED_STATE_CHOICES,
                              created__lt=cutoff).order_by("created")
    dead = [job for job in runs if not rq_job_alive(rq_job_id(job))]
    if dead:
        now = timezone.now()
        listed = _listed(f"job #{job.pk} ({job.get_status_display().lower()}, created "
                         f"{_ago((now - job.created).total_seconds())})" for job in dead)
        return Check("interrupted-runs", ERROR, f"{len(dead)} sync run(s) still open although no worker runs them: "
                     f"{listed}", HOUSEKEEPING_HINT)
    return Check("interrupted-runs", OK, "every open sync run is queued or running on a live worker")


# -- running ------------------------------------------------------------------------------------

# (name, function, what it needs). A check whose need failed is reported, not run.
CHECKS = (
    ("database", check_database, ()),
    ("redis-tasks", check_redis_tasks, ()),
    ("redis-caching", check_redis_caching, ()),
    ("legacy-schema", check_legacy_schema, ("database",)),
    ("migrations", check_migrations, ("database",)),
    ("model-changes", check_model_changes, ()),
    ("schema", check_schema, ("database",)),
    ("workers", check_workers, ("redis-tasks",)),
    ("worker-versions", check_worker_versions, ("redis-tasks", "database")),
    ("scheduler", check_scheduler, ("redis-tasks",)),
    ("registrations", check_registrations, ("redis-tasks", "database")),
    ("fabrics-overdue", check_overdue, ("database",)),
    ("fabrics-stuck", check_stuck, ("database",)),
    ("fabrics-failing", check_failing, ("database",)),
    ("failed-runs", check_failed_registry, ("redis-tasks",)),
    ("housekeeping", check_housekeeping, ("redis-tasks",)),
    ("interrupted-runs", check_interrupted_runs, ("redis-tasks", "database")),
)


def run_checks(checks=CHECKS):
    """Run `checks` and return their results in order. Never raises: a crashed check is an error result."""
    results = []
    failed = set()
    for name, function, needs in checks:
        unmet = [need for need in needs if need in failed]
        if unmet:
            outcome = [Check(name, ERROR, f"not checked: {' and '.join(unmet)} unreachable",
                             "fix the connection error above first")]
        else:
            try:
                outcome = function()
            except Exception as exc:
                outcome = [Check(name, ERROR, f"the check failed: {type(exc).__name__}: {_first_line(exc)}",
                                 "report this with the output of `netbox hedgehog_doctor`")]
            outcome = outcome if isinstance(outcome, list) else [outcome]
        if any(check.level == ERROR for check in outcome):
            failed.add(name)
        results.extend(outcome)
    return results


def summary(results):
    """{"ok": n, "warning": n, "error": n}."""
    counts = dict.fromkeys(LEVELS, 0)
    for check in results:
        counts[check.level] += 1
    return counts
