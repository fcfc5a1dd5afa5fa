"""
Scheduler benchmark: 1,000 fabrics with 10-second intervals against real Redis, the real sidecar
(`netbox hedgehog_scheduler`) and two real `netbox rqworker default` processes; then the same
registrations under stock `rqscheduler --interval 1`. The runs call benchmarks.probe.record_run
(not a sync), so what is measured is the scheduler.

Prints, for both: enqueue lateness (RQ enqueued_at - due) p50/p99/max, drift of due times from each
fabric's grid, duplicate and missed runs. Also: the time to register 10,000 fabrics from an empty
Redis, and the time from an interval change's commit to its new registration (100 changes).

    NETBOX_CONFIGURATION=tests.netbox_configuration PYTHONPATH=. .venv/bin/python benchmarks/scheduler.py [--quick]

Uses a scratch copy of the test database and Redis database 8 (flushed: the benchmark owns it).
Timings are printed, never asserted; exit status 1 only if the sidecar itself misbehaves
functionally (duplicate runs, a change never applied, registrations missing).
"""
import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DEFAULT_DB, REPO, setup_django, table  # noqa: E402
from benchmarks.probe import RUNS_KEY  # noqa: E402

RUN_FUNCTION = "benchmarks.probe.record_run"
FABRIC_PREFIX = "bench-sched-"
STOCK_PREFIX = "bench-stock-"
INTERVAL = 10
SCHEDULED_JOBS_KEY = "rq:scheduler:scheduled_jobs"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20-second smoke version (smaller counts)")
    parser.add_argument("--fabrics", type=int, help="fabrics for the lateness runs (default 1000)")
    parser.add_argument("--duration", type=float, help="seconds measured per scheduler (default 120)")
    parser.add_argument("--register", type=int, help="fabrics for the registration timing (default 10000)")
    parser.add_argument("--changes", type=int, help="interval changes for the change latency (default 100)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="rq.worker.SimpleWorker",
                        help="passed to `netbox rqworker --worker-class` (default rq.worker.SimpleWorker: RQ's "
                             "forking Worker runs only ~15 jobs/s here, far below the 100/s of 1,000 fabrics "
                             "every 10 s; '' for RQ's default)")
    parser.add_argument("--skip-stock", action="store_true", help="do not run the stock rqscheduler comparison")
    parser.add_argument("--db", default=os.environ.get("HEDGEHOG_BENCH_DB", DEFAULT_DB))
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("HEDGEHOG_BENCH_REDIS_DB", "8")),
                        help="Redis database the benchmark owns and flushes (default 8)")
    args = parser.parse_args()
    quick = args.quick
    args.fabrics = args.fabrics or (300 if quick else 1000)
    args.duration = args.duration or (20.0 if quick else 120.0)
    args.register = args.register or (2000 if quick else 10_000)
    args.changes = args.changes or (20 if quick else 100)
    return args


# --- statistics -----------------------------------------------------------------------------------------------------

def pct(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def ms(value):
    return None if value is None else value * 1000


def analyse(runs, phases, window):
    """
    runs: [{fabric_id, due, enqueued_at, started_at}] with `due` known; phases: {fabric id: grid phase};
    window: (w0, w1). A fabric's grid is phase + k * INTERVAL. Each run is assigned to its nearest grid slot:
    drift = due - slot; duplicates = runs beyond the first on one slot; missed = slots in the window with no run.
    """
    w0, w1 = window
    in_window = [r for r in runs if r["fabric_id"] in phases and w0 <= r["due"] < w1]
    lateness = [r["enqueued_at"] - r["due"] for r in in_window]
    waits = [r["started_at"] - r["enqueued_at"] for r in in_window if r.get("started_at")]
    slots = defaultdict(int)
    drifts = []
    drifted_fabrics = set()
    for r in runs:
        phase = phases.get(r["fabric_id"])
        if phase is None or not (w0 - INTERVAL / 2 <= r["due"] < w1 + INTERVAL / 2):
            continue
        k = round((r["due"] - phase) / INTERVAL)
        slot = phase + k * INTERVAL
        slots[(r["fabric_id"], k)] += 1
        if w0 <= r["due"] < w1:
            drift = r["due"] - slot
            drifts.append(abs(drift))
            if abs(drift) > 1e-6:
                drifted_fabrics.add(r["fabric_id"])
    expected = 0
    missed = 0
    for fabric_id, phase in phases.items():
        k = math.ceil((w0 - phase) / INTERVAL)
        while phase + k * INTERVAL < w1:
            expected += 1
            if not slots.get((fabric_id, k)):
                missed += 1
            k += 1
    duplicates = sum(n - 1 for n in slots.values() if n > 1)
    return {
        "runs": len(in_window), "expected": expected,
        "late_p50": ms(pct(lateness, 50)), "late_p99": ms(pct(lateness, 99)),
        "late_max": ms(max(lateness, default=None)),
        "drift_max": ms(max(drifts, default=None)), "drifted": len(drifted_fabrics),
        "duplicates": duplicates, "missed": missed,
        "wait_p50": ms(pct(waits, 50)), "wait_p99": ms(pct(waits, 99)),
        "never_started": sum(1 for r in in_window if r.get("queued")),
    }


# --- processes ------------------------------------------------------------------------------------------------------

class Process:
    """A child process in its own group, output to a log file."""

    def __init__(self, name, argv, env, log_dir):
        self.name = name
        self.log_path = Path(log_dir) / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.started = time.time()
        self.popen = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def stop(self, timeout=20):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self.log.close()

    def alive(self):
        return self.popen.poll() is None

    def tail(self, lines=20):
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def child_env(args):
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def netbox_bin():
    return str(Path(sys.executable).parent / "netbox")


def wait_until(condition, timeout, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


# --- pieces ---------------------------------------------------------------------------------------------------------

def create_fabrics(count, start=0):
    from netbox_hedgehog.models import HedgehogFabric

    HedgehogFabric.objects.bulk_create(
        [HedgehogFabric(name=f"{FABRIC_PREFIX}{i:05d}", git_url="file:///nonexistent", sync_interval=INTERVAL)
         for i in range(start, start + count)], batch_size=1000)
    return list(HedgehogFabric.objects.filter(name__startswith=FABRIC_PREFIX).order_by("pk")
                .values_list("pk", flat=True))


def delete_fabrics():
    from netbox_hedgehog.models import HedgehogFabric

    # Queryset delete: no per-fabric notifications (nothing listens any more).
    HedgehogFabric.objects.filter(name__startswith=FABRIC_PREFIX)._raw_delete("default")


def read_runs(conn, stock, queue_name="default"):
    """What the probe recorded, plus runs still waiting in the queue (workers that could not keep up): those
    were enqueued all the same, and their job hash has the due time and enqueued_at. Then the queue is
    emptied, so that the next phase starts clean. `stock`: only runs of the stock registrations (their job id)."""
    from rq import Queue

    from benchmarks.probe import _epoch

    def ours(job_id):
        return bool(job_id) and job_id.startswith(STOCK_PREFIX) == stock

    runs = [run for run in map(json.loads, conn.lrange(RUNS_KEY, 0, -1)) if ours(run.get("job_id"))]
    queue = Queue(queue_name, connection=conn)
    for job in queue.jobs:
        if job.func_name == RUN_FUNCTION and ours(job.id):
            runs.append({"fabric_id": int(job.kwargs["fabric_id"]), "due": _epoch(job.kwargs.get("due")),
                         "enqueued_at": _epoch(job.enqueued_at), "started_at": None, "queued": True})
    queue.empty()
    conn.delete(RUNS_KEY)
    return runs


def drain(conn, queue_name="default", timeout=60):
    """Wait until the workers have run everything queued."""
    from rq import Queue
    from rq.registry import StartedJobRegistry

    queue = Queue(queue_name, connection=conn)
    started = StartedJobRegistry(queue_name, connection=conn)
    try:
        wait_until(lambda: queue.count == 0 and started.count == 0, timeout, 0.2, "the workers to drain the queue")
    except RuntimeError as exc:
        print(f"  warning: {exc} ({queue.count} still queued)", flush=True)


def clear_scheduler_keys(conn):
    """Registrations, leader/heartbeat keys and probe records; the workers' own keys stay."""
    for pattern in ("rq:job:hedgehog-fabric-*", f"rq:job:{STOCK_PREFIX}*", "netbox_hedgehog:scheduler:*",
                    "rq:scheduler*"):
        keys = list(conn.scan_iter(pattern, count=1000))
        for start in range(0, len(keys), 1000):
            conn.delete(*keys[start:start + 1000])
    conn.delete(SCHEDULED_JOBS_KEY, RUNS_KEY)


def change_latency(conn, fabric_ids, count):
    """With the sidecar running: change sync_interval of `count` fabrics one at a time through .save() and time
    until the registration carries the new interval. Returns (latencies in seconds, changes never applied)."""
    from hedgehog_scheduler.grid import GridScheduler
    from netbox_hedgehog.models import HedgehogFabric

    grid = GridScheduler(queue_name="default", connection=conn)

    def registered_interval(fabric_id):
        registration = grid._decode(grid._read_registrations(conn, [fabric_id])[fabric_id])
        return registration.interval if registration else None

    latencies, failed = [], 0
    for fabric in HedgehogFabric.objects.filter(pk__in=fabric_ids[:count]):
        new_interval = INTERVAL * 3 if registered_interval(fabric.pk) != INTERVAL * 3 else INTERVAL * 2
        fabric.sync_interval = new_interval
        started = time.perf_counter()
        fabric.save()  # autocommit: committed, and the change published, when save() returns
        deadline = started + 10
        while registered_interval(fabric.pk) != new_interval:
            if time.perf_counter() > deadline:
                failed += 1
                break
            time.sleep(0.001)
        else:
            latencies.append(time.perf_counter() - started)
    return latencies, failed


class ScoreMonitor(threading.Thread):
    """Polls rq-scheduler's sorted set and keeps every score each member had: for stock rq-scheduler the score a
    registration had just before it fired is that run's due time."""

    def __init__(self, conn, period=0.05):
        super().__init__(daemon=True)
        self.conn = conn
        self.period = period
        self.scores = defaultdict(set)
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            for member, score in self.conn.zrange(SCHEDULED_JOBS_KEY, 0, -1, withscores=True):
                self.scores[member.decode()].add(score)
            self.stop_event.wait(self.period)

    def stop(self):
        self.stop_event.set()
        self.join(5)


# --- phases ---------------------------------------------------------------------------------------------------------

def start_workers(args, env, log_dir):
    argv = [netbox_bin(), "rqworker", "default"]
    if args.worker_class:
        argv += ["--worker-class", args.worker_class]
    return [Process(f"worker-{i}", argv, env, log_dir) for i in range(args.workers)]


def run_sidecar_phase(args, conn, env, log_dir, fabric_ids, problems):
    from hedgehog_scheduler.grid import GridScheduler, phase_offset

    grid = GridScheduler(queue_name="default", connection=conn)
    clear_scheduler_keys(conn)
    sidecar = Process("sidecar", [netbox_bin(), "hedgehog_scheduler", "--run-function", RUN_FUNCTION], env, log_dir)
    try:
        wait_until(lambda: grid.registration_count() >= len(fabric_ids) or not sidecar.alive(), 120, 0.1,
                   "the sidecar's registrations")
        if not sidecar.alive():
            raise RuntimeError(f"the sidecar exited:\n{sidecar.tail()}")
        registered = grid.registrations()
        wrong = [f for f in fabric_ids if registered.get(f, (None,))[0] != INTERVAL]
        if wrong:
            problems.append(f"sidecar: {len(wrong)} fabrics without a {INTERVAL}s registration")
        w0 = math.ceil(time.time()) + 1
        w1 = w0 + args.duration
        print(f"  sidecar: {len(registered)} registrations; measuring {args.duration:g}s", flush=True)
        time.sleep(max(0.0, w1 + 2 - time.time()))
        latencies, failed = change_latency(conn, fabric_ids, args.changes)
        if failed:
            problems.append(f"sidecar: {failed} interval change(s) not applied within 10 s")
    finally:
        sidecar.stop()
    drain(conn)
    runs = read_runs(conn, stock=False)
    phases = {f: phase_offset(f, INTERVAL) for f in fabric_ids}
    return analyse(runs, phases, (w0, w1)), latencies


def run_stock_phase(args, conn, env, log_dir, fabric_ids):
    from rq_scheduler import Scheduler

    from benchmarks.probe import record_run
    from hedgehog_scheduler.grid import first_slot, phase_offset

    clear_scheduler_keys(conn)
    scheduler = Scheduler(queue_name="default", connection=conn)
    w0 = math.ceil(time.time()) + 4
    w1 = w0 + args.duration
    for fabric_id in fabric_ids:
        first_due = first_slot(fabric_id, INTERVAL, w0 - 0.5)
        scheduler.schedule(scheduled_time=datetime.fromtimestamp(first_due, UTC).replace(tzinfo=None),
                           func=record_run, kwargs={"fabric_id": fabric_id}, interval=INTERVAL, repeat=None,
                           id=f"{STOCK_PREFIX}{fabric_id}", queue_name="default")
    monitor = ScoreMonitor(conn)
    monitor.start()
    stock_env = {**env, "PYTHONPATH": str(REPO)}
    host, port = os.environ.get("HEDGEHOG_REDIS_HOST", "127.0.0.1"), os.environ.get("HEDGEHOG_REDIS_PORT", "6379")
    url = f"redis://{host}:{port}"
    rqscheduler = Process("rqscheduler", [str(Path(sys.executable).parent / "rqscheduler"), "--url",
                                          f"{url}/{args.redis_db}", "--interval", "1", "--path", str(REPO)],
                          stock_env, log_dir)
    print(f"  stock rqscheduler: {len(fabric_ids)} registrations; measuring {args.duration:g}s", flush=True)
    try:
        time.sleep(max(0.0, w1 + 2 - time.time()))
        if not rqscheduler.alive():
            raise RuntimeError(f"rqscheduler exited:\n{rqscheduler.tail()}")
    finally:
        rqscheduler.stop()
        monitor.stop()
    drain(conn)
    runs = []
    unmatched = 0
    for run in read_runs(conn, stock=True):
        # The score the registration had when this run was enqueued: the latest one at or before enqueued_at.
        scores = [s for s in monitor.scores.get(f"{STOCK_PREFIX}{run['fabric_id']}", ()) if s <= run["enqueued_at"]]
        if not scores:
            unmatched += 1
            continue
        runs.append({**run, "due": max(scores)})
    phases = {f: phase_offset(f, INTERVAL) for f in fabric_ids}
    result = analyse(runs, phases, (w0, w1))
    result["unmatched"] = unmatched
    return result


def registration_timing(args, conn, env, log_dir):
    """10,000 fabrics from an empty Redis: in-process (the sidecar's providers + GridScheduler.reconcile) and
    the real sidecar process from start to the last registration."""
    from hedgehog_scheduler.grid import GridScheduler
    from netbox_hedgehog import scheduling
    from netbox_hedgehog.models import HedgehogFabric

    have = HedgehogFabric.objects.filter(name__startswith=FABRIC_PREFIX).count()
    if have < args.register:
        create_fabrics(args.register - have, start=have)
    total = HedgehogFabric.objects.scheduled().count()
    rows = []
    conn.flushdb()
    grid = GridScheduler(queue_name="default", connection=conn, func=RUN_FUNCTION)
    started = time.perf_counter()
    desired = scheduling.desired_schedule()
    provided = time.perf_counter()
    counts = grid.reconcile(desired)
    done = time.perf_counter()
    rows.append([f"in-process: desired_schedule() ({len(desired):,} fabrics)", provided - started])
    rows.append([f"in-process: GridScheduler.reconcile() from empty ({counts['added']:,} added)", done - provided])
    rows.append(["in-process: total", done - started])
    started = time.perf_counter()
    counts = grid.reconcile(scheduling.desired_schedule())
    rows.append([f"in-process: full reconcile, nothing changed ({counts['unchanged']:,} unchanged)",
                 time.perf_counter() - started])
    conn.flushdb()
    sidecar = Process("sidecar-register", [netbox_bin(), "hedgehog_scheduler", "--run-function", RUN_FUNCTION],
                      env, log_dir)
    try:
        wait_until(lambda: grid.registration_count() > 0 or not sidecar.alive(), 120, 0.01, "a first registration")
        first = time.time()
        wait_until(lambda: grid.registration_count() >= total or not sidecar.alive(), 120, 0.01,
                   f"{total} registrations")
        last = time.time()
    finally:
        sidecar.stop()
    rows.append([f"sidecar process: start -> {total:,} registered (incl. Django start-up)", last - sidecar.started])
    rows.append(["sidecar process: first -> last registration visible", last - first])
    return rows, total


def main():
    args = parse_args()
    os.environ["HEDGEHOG_REDIS_DB"] = str(args.redis_db)
    os.environ.setdefault("HEDGEHOG_REDIS_CACHE_DB", "7")
    setup_django(args.db)
    import django_rq

    from netbox_hedgehog.models import HedgehogFabric

    conn = django_rq.get_connection("default")
    if conn.connection_pool.connection_kwargs.get("db") != args.redis_db:
        sys.exit(f"Redis database is {conn.connection_pool.connection_kwargs.get('db')}, not {args.redis_db}")
    env = child_env(args)
    log_dir = tempfile.mkdtemp(prefix="hedgehog-bench-scheduler-")
    problems = []
    conn.flushdb()
    delete_fabrics()
    others = HedgehogFabric.objects.scheduled().count()
    if others:
        print(f"  note: the database already has {others} scheduled fabric(s); the sidecar registers them too")
    fabric_ids = create_fabrics(args.fabrics)
    print(f"{len(fabric_ids):,} fabrics every {INTERVAL}s, {args.duration:g}s per scheduler, {args.workers} workers; "
          f"database {args.db}, Redis db {args.redis_db}; logs in {log_dir}", flush=True)
    workers = start_workers(args, env, log_dir)
    try:
        wait_until(lambda: len(conn.smembers("rq:workers")) >= args.workers, 120, 0.2, "the workers")
        sidecar_result, latencies = run_sidecar_phase(args, conn, env, log_dir, fabric_ids, problems)
        stock_result = None if args.skip_stock else run_stock_phase(args, conn, env, log_dir, fabric_ids)
    finally:
        for worker in workers:
            worker.stop()
    try:
        registration_rows, total = registration_timing(args, conn, env, log_dir)
    finally:
        conn.flushdb()
        delete_fabrics()

    if sidecar_result["duplicates"]:
        problems.append(f"sidecar: {sidecar_result['duplicates']} duplicate runs")
    if sidecar_result["missed"]:
        problems.append(f"sidecar: {sidecar_result['missed']} missed runs")

    print()
    headers = ["scheduler", "runs", "expected", "late p50 ms", "late p99 ms", "late max ms", "drift max ms",
               "fabrics drifted", "duplicates", "missed", "queue wait p50 ms", "queue wait p99 ms"]

    def row(name, r):
        return [name, r["runs"], r["expected"], r["late_p50"], r["late_p99"], r["late_max"], r["drift_max"],
                r["drifted"], r["duplicates"], r["missed"], r["wait_p50"], r["wait_p99"]]

    rows = [row("hedgehog sidecar", sidecar_result)]
    if stock_result:
        rows.append(row("stock rqscheduler -i 1", stock_result))
    table(headers, rows, title=f"Runs of {len(fabric_ids):,} fabrics every {INTERVAL}s over {args.duration:g}s "
                               "(lateness = RQ enqueued_at - due; drift = due - the fabric's grid slot)")
    for name, r in (("sidecar", sidecar_result), ("stock", stock_result)):
        if r and r["never_started"]:
            print(f"  ({name}: {r['never_started']} runs were still queued after the drain timeout: the workers "
                  "could not keep up; they count as enqueued)")
    if stock_result and stock_result["unmatched"]:
        print(f"  ({stock_result['unmatched']} stock runs had no observed due time and were left out)")
    print()
    table(["registration", "seconds"], registration_rows, title=f"Registering {total:,} fabrics from an empty Redis")
    print()
    table(["", "count", "p50 ms", "p99 ms", "max ms"],
          [["interval change: .save() -> new registration", len(latencies), ms(pct(latencies, 50)),
            ms(pct(latencies, 99)), ms(max(latencies, default=None))]],
          title="Change applied (sequential .save() of sync_interval, commit included)")
    print()
    reg_total = next(r[1] for r in registration_rows if r[0] == "in-process: total")
    table(["target", "wanted", "measured"], [
        ["sidecar lateness p99 ms", "< 100", sidecar_result["late_p99"]],
        ["sidecar drift (fabrics drifted)", 0, sidecar_result["drifted"]],
        ["sidecar duplicates", 0, sidecar_result["duplicates"]],
        ["sidecar missed", 0, sidecar_result["missed"]],
        [f"register {total:,} fabrics, in-process s", "< 5", reg_total],
        ["change applied p99 ms", "< 1000", ms(pct(latencies, 99))],
    ], title="Targets")
    if problems:
        print("\nFUNCTIONAL PROBLEMS:\n  " + "\n  ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
