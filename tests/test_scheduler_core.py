"""The scheduler sidecar's core against a real Redis (the session's, db 11): grid, reconcile, fencing, the loop.

Sidecars here run in threads; tests/test_scheduler_process.py runs them as real processes.
"""

import signal
import socket
import statistics
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from redis import Redis
from rq import Queue
from rq.job import JobStatus
from rq_scheduler import Scheduler

from hedgehog_scheduler import (
    ACTIVE,
    HOUSEKEEPING,
    HOUSEKEEPING_ID,
    HOUSEKEEPING_RUN_KEY,
    LEADER_KEY,
    STANDBY,
    GridScheduler,
    LeaderLock,
    NotLeaderError,
    Sidecar,
    changes_channel,
    healthcheck,
    publish_change,
    read_status,
    registration_id,
)
from hedgehog_scheduler.grid import first_slot, next_slot, phase_offset
from tests.helpers import wait_for
from tests.processes import session_redis

REDIS_DB = 11
QUEUE = "default"
FUNC = "example.jobs.run_scheduled_sync"  # a dotted path only: the sidecar never imports it


@pytest.fixture
def redis():
    connection = session_redis().client(REDIS_DB)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def scheduler(redis):
    return GridScheduler(queue_name=QUEUE, connection=redis, func=FUNC)


def queued_runs(connection, queue=QUEUE):
    """(fabric id, due) of every run job waiting on the queue."""
    return [(job.kwargs["fabric_id"], job.kwargs["due"]) for job in Queue(queue, connection=connection).jobs]


def score(connection, fabric_id):
    return connection.zscore(GridScheduler.scheduled_jobs_key, registration_id(fabric_id))


def counts(added=0, updated=0, removed=0, unchanged=0):
    return {"added": added, "updated": updated, "removed": removed, "unchanged": unchanged}




# -- grid math ---------------------------------------------------------------------------------


def test_next_slot_stays_on_grid_and_skips_missed_slots():
    assert next_slot(100, 10, now=100.2) == 110
    # Down for 35 s: the caller runs slot 100 once, and the next slot is the first one after now.
    assert next_slot(100, 10, now=135) == 140
    assert next_slot(100, 10, now=140) == 150


def test_first_slot_is_after_now_and_spreads_fabrics():
    now = 1_700_000_000.5
    slots = {fabric_id: first_slot(fabric_id, 60, now) for fabric_id in range(1, 61)}
    assert all(now < slot <= now + 60 for slot in slots.values())
    assert all((slot - phase_offset(fabric_id, 60)) % 60 == 0 for fabric_id, slot in slots.items())
    assert len(set(slots.values())) > 30


# -- registrations -----------------------------------------------------------------------------


def test_registration_is_a_stock_rq_scheduler_job(redis, scheduler):
    now = time.time()
    scheduler.reconcile({7: 30}, now=now)

    stock = Scheduler(queue_name=QUEUE, connection=redis)
    [(job, when)] = list(stock.get_jobs(with_times=True))
    assert job.id == "hedgehog-fabric-7"
    assert job.func_name == FUNC
    assert job.kwargs == {"fabric_id": 7}
    assert job.meta["interval"] == 30
    assert job.origin == QUEUE
    assert job.get_status() == JobStatus.SCHEDULED
    assert now < when.timestamp() <= now + 30
    interval, due = scheduler.registrations()[7]
    assert interval == 30 and due == scheduler.next_due(7)
    assert now < due.timestamp() <= now + 30


def test_reconcile_adds_updates_removes_and_is_idempotent(redis, scheduler):
    now = time.time()
    foreign = Scheduler(queue_name=QUEUE, connection=redis).schedule(datetime(2099, 1, 1), print, interval=5)

    assert scheduler.reconcile({1: 60, 2: 60, 3: 60}, now=now) == counts(added=3)
    assert scheduler.reconcile({1: 60, 2: 60, 3: 60}, now=now) == counts(unchanged=3)
    assert scheduler.reconcile({1: 60, 2: 120, 4: 60}, now=now) == counts(added=1, updated=1, removed=1, unchanged=1)

    registrations = scheduler.registrations()
    assert {fabric_id: interval for fabric_id, (interval, _) in registrations.items()} == {1: 60, 2: 120, 4: 60}
    assert not redis.exists("rq:job:hedgehog-fabric-3")
    # Someone else's rq-scheduler entry is not ours to remove.
    assert foreign.id in Scheduler(queue_name=QUEUE, connection=redis)
    assert scheduler.reconcile({}, now=now)["removed"] == 3
    assert scheduler.registrations() == {}


def test_reconcile_heals_hand_deleted_keys_and_keeps_the_slot(redis, scheduler):
    now = time.time()
    scheduler.reconcile({1: 60, 2: 60}, now=now)
    slot = score(redis, 1)
    redis.delete("rq:job:hedgehog-fabric-1")
    redis.zrem(GridScheduler.scheduled_jobs_key, registration_id(2))

    assert scheduler.reconcile({1: 60, 2: 60}, now=now) == counts(added=1, updated=1)
    assert score(redis, 1) == slot
    assert set(scheduler.registrations()) == {1, 2}


def test_registration_follows_queue_and_function_changes(redis):
    GridScheduler(queue_name="low", connection=redis, func=FUNC).reconcile({1: 60})
    moved = GridScheduler(queue_name=QUEUE, connection=redis, func="other.module.run")
    assert moved.reconcile({1: 60})["updated"] == 1
    job = next(iter(moved.get_jobs()))
    assert (job.origin, job.func_name) == (QUEUE, "other.module.run")


def test_apply_single_fabric(redis, scheduler):
    assert scheduler.apply(5, 60) == "added"
    assert scheduler.apply(5, 60) == "unchanged"
    assert scheduler.apply(5, 90) == "updated"
    assert scheduler.apply(5, None) == "removed"
    assert scheduler.apply(5, None) == "unchanged"
    assert scheduler.next_due(5) is None
    with pytest.raises(ValueError):
        scheduler.apply(5, 0)


def test_ten_thousand_registrations(redis, scheduler):
    desired = {fabric_id: 300 + fabric_id % 7 for fabric_id in range(1, 10_001)}
    started = time.perf_counter()
    first = scheduler.reconcile(desired)
    added_in = time.perf_counter() - started
    started = time.perf_counter()
    again = scheduler.reconcile(desired)
    unchanged_in = time.perf_counter() - started
    print(f"\n10k registrations: added in {added_in:.2f}s, verified unchanged in {unchanged_in:.2f}s")

    assert first == counts(added=10_000)
    assert again == counts(unchanged=10_000)
    assert redis.zcard(GridScheduler.scheduled_jobs_key) == 10_000
    registrations = scheduler.registrations()
    assert {fabric_id: interval for fabric_id, (interval, _) in registrations.items()} == desired


# -- firing due registrations ------------------------------------------------------------------


def test_due_registration_enqueues_one_run_and_moves_on_the_grid(redis, scheduler):
    scheduler.reconcile({1: 10})
    slot = int(score(redis, 1))

    [job] = scheduler.enqueue_due(now=slot + 0.3)
    assert job.func_name == FUNC
    assert job.kwargs == {"fabric_id": 1, "due": datetime.fromtimestamp(slot, UTC).isoformat()}
    assert job.kwargs["due"].endswith("+00:00")
    assert job.get_status() == JobStatus.QUEUED
    assert job.id != registration_id(1)
    # Next slot is the due slot plus the interval, not "now plus interval".
    assert score(redis, 1) == slot + 10
    assert queued_runs(redis) == [(1, job.kwargs["due"])]
    assert scheduler.enqueue_due(now=slot + 9.9) == []


def test_housekeeping_is_one_more_registration_on_the_grid(redis):
    scheduler = GridScheduler(queue_name=QUEUE, connection=redis, func=FUNC, housekeeping_func="example.jobs.keep",
                              housekeeping_queue="low")
    assert scheduler.reconcile({1: 10, HOUSEKEEPING: 20}) == counts(added=2)
    assert scheduler.reconcile({1: 10, HOUSEKEEPING: 20}) == counts(unchanged=2)
    assert set(scheduler.registrations()) == {1} and scheduler.registration_count() == 1
    interval, due = scheduler.housekeeping()
    slot = int(due.timestamp())
    assert interval == 20 and slot % 20 == 0  # on the epoch-aligned grid
    assert redis.hget(f"rq:job:{HOUSEKEEPING_ID}", "origin") == b"low"

    [run] = [job for job in scheduler.enqueue_due(now=slot + 0.1) if job.origin == "low"]
    assert run.func_name == "example.jobs.keep" and run.kwargs == {"due": due.isoformat()}
    assert redis.get(HOUSEKEEPING_RUN_KEY).decode() == run.id
    # While that run waits in the queue (no worker on `low`), later slots add no second one but stay on the grid.
    assert [job for job in scheduler.enqueue_due(now=slot + 40.1) if job.origin == "low"] == []
    assert scheduler.housekeeping()[1].timestamp() == slot + 60
    assert Queue("low", connection=redis).job_ids == [run.id]
    # Once a worker has taken it (started, or dead in the middle of it), the next slot enqueues again.
    run.set_status(JobStatus.STARTED)
    [again] = [job for job in scheduler.enqueue_due(now=slot + 60.1) if job.origin == "low"]
    assert redis.get(HOUSEKEEPING_RUN_KEY).decode() == again.id
    # Without HOUSEKEEPING in the desired schedule the registration goes; a flushed one comes back.
    assert scheduler.reconcile({1: 10}) == counts(removed=1, unchanged=1) and scheduler.housekeeping() is None
    redis.flushdb()
    assert scheduler.reconcile({1: 10, HOUSEKEEPING: 20}) == counts(added=2)
    with pytest.raises(ValueError, match="housekeeping_queue"):
        GridScheduler(queue_name=QUEUE, connection=redis).reconcile({HOUSEKEEPING: 20})


def test_missed_slots_give_one_catch_up_run_then_the_grid_resumes(redis, scheduler):
    scheduler.reconcile({1: 10})
    slot = int(score(redis, 1))

    # The sidecar was down for 95 s: nine slots passed.
    assert len(scheduler.enqueue_due(now=slot + 95)) == 1
    assert score(redis, 1) == slot + 100
    assert scheduler.enqueue_due(now=slot + 99) == []
    assert len(scheduler.enqueue_due(now=slot + 100)) == 1
    assert score(redis, 1) == slot + 110
    assert len(queued_runs(redis)) == 2


def test_interval_change_keeps_phase_and_one_registration(redis, scheduler):
    scheduler.reconcile({1: 10})
    slot = int(score(redis, 1))
    scheduler.enqueue_due(now=slot)
    assert score(redis, 1) == slot + 10

    # Last due was `slot`: next due is last due + the new interval.
    assert scheduler.apply(1, 30, now=slot + 1) == "updated"
    assert score(redis, 1) == slot + 30
    # Shorter again, but last due + 5 is already past: the first slot after now on that grid.
    assert scheduler.apply(1, 5, now=slot + 12) == "updated"
    assert score(redis, 1) == slot + 15
    assert scheduler.registrations()[1][0] == 5
    assert sum(1 for member in redis.zrange(GridScheduler.scheduled_jobs_key, 0, -1) if b"fabric-1" in member) == 1


def test_failed_leader_fence_leaves_everything_untouched(redis, scheduler):
    scheduler.reconcile({1: 10, 2: 10})
    before = redis.zrange(GridScheduler.scheduled_jobs_key, 0, -1, withscores=True)
    redis.set(LEADER_KEY, "someone-else")
    scheduler.leader_token = "me"

    with pytest.raises(NotLeaderError):
        scheduler.enqueue_due(now=time.time() + 100)
    with pytest.raises(NotLeaderError):
        scheduler.reconcile({})
    with pytest.raises(NotLeaderError):
        scheduler.apply(3, 10)
    assert redis.zrange(GridScheduler.scheduled_jobs_key, 0, -1, withscores=True) == before
    assert queued_runs(redis) == []

    redis.set(LEADER_KEY, "me")
    assert len(scheduler.enqueue_due(now=time.time() + 100)) == 2


def test_score_changed_during_the_move_aborts_the_transaction(redis, scheduler, monkeypatch):
    """Another scheduler moves the registration after we read it: we must not enqueue that slot."""
    scheduler.reconcile({1: 10})
    slot = int(score(redis, 1))
    other = session_redis().client(REDIS_DB)
    read_registrations = scheduler._read_registrations

    def interfere(connection, fabric_ids):
        fields = read_registrations(connection, fabric_ids)
        other.zadd(GridScheduler.scheduled_jobs_key, {registration_id(1): slot + 10})
        return fields

    monkeypatch.setattr(scheduler, "_read_registrations", interfere)
    assert scheduler.enqueue_due(now=slot + 1) == []
    assert score(redis, 1) == slot + 10
    assert queued_runs(redis) == []
    other.close()


def test_leader_change_during_the_move_aborts_the_transaction(redis, scheduler, monkeypatch):
    scheduler.reconcile({1: 10})
    slot = int(score(redis, 1))
    redis.set(LEADER_KEY, "me")
    scheduler.leader_token = "me"
    other = session_redis().client(REDIS_DB)
    read_registrations = scheduler._read_registrations

    def take_over(connection, fabric_ids):
        fields = read_registrations(connection, fabric_ids)
        other.set(LEADER_KEY, "new-leader")
        return fields

    monkeypatch.setattr(scheduler, "_read_registrations", take_over)
    with pytest.raises(NotLeaderError):
        scheduler.enqueue_due(now=slot + 1)
    assert score(redis, 1) == slot
    assert queued_runs(redis) == []
    other.close()


def test_foreign_due_entries_get_stock_treatment(redis, scheduler):
    job = Scheduler(queue_name="low", connection=redis).schedule(datetime(2000, 1, 1), print, args=("hello",))
    redis.zadd(GridScheduler.scheduled_jobs_key, {"gone-job": 1})

    assert scheduler.enqueue_due() == []
    assert Queue("low", connection=redis).job_ids == [job.id]
    assert redis.zcard(GridScheduler.scheduled_jobs_key) == 0


def test_stock_run_loop_uses_the_grid(redis, scheduler):
    scheduler.reconcile({1: 3600})
    redis.zadd(GridScheduler.scheduled_jobs_key, {registration_id(1): 1_000_000_000})
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        scheduler.run(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert len(queued_runs(redis)) == 1
    assert next_slot(1_000_000_000, 3600, time.time()) == score(redis, 1)


# -- leader lock and status ---------------------------------------------------------------------


def test_leader_lock_compare_and_set(redis):
    first = LeaderLock(redis, "a", ttl_seconds=1)
    second = LeaderLock(redis, "b", ttl_seconds=1)
    assert first.acquire()
    assert not second.acquire()
    assert not second.renew()
    assert not second.release()
    assert redis.get(LEADER_KEY) == b"a"
    assert first.renew() and 0.9 < first.seconds_left() <= 1
    assert first.release()
    assert second.seconds_left() is None
    assert second.acquire()


def test_status_without_any_sidecar(redis):
    assert read_status(redis)["sidecars"] == []
    ok, message = healthcheck(redis)
    assert not ok and "no active" in message


# -- the loop, in threads ----------------------------------------------------------------------


class Desired:
    """A mutable desired schedule with the two provider callables a Sidecar takes."""

    def __init__(self, intervals):
        self.intervals = dict(intervals)
        self.database_down = False

    def all(self):
        if self.database_down:
            raise ConnectionError("database unavailable")
        return dict(self.intervals)

    def one(self, fabric_id):
        if self.database_down:
            raise ConnectionError("database unavailable")
        return self.intervals.get(fabric_id)


class SidecarThread:
    def __init__(self, connection, desired, instance, heartbeat=0.5, reconcile=1.5):
        self.sidecar = Sidecar(
            connection,
            QUEUE,
            desired.all,
            desired.one,
            func=FUNC,
            heartbeat_interval=heartbeat,
            reconcile_interval=reconcile,
            instance_id=instance,
        )
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.sidecar.run, args=(self.stop_event,), daemon=True)
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()


@pytest.fixture
def sidecars():
    started = []

    def start(*args, **kwargs):
        sidecar = SidecarThread(*args, **kwargs)
        started.append(sidecar)
        return sidecar

    yield start
    for sidecar in started:
        if sidecar.thread.is_alive():
            sidecar.stop()


def test_one_active_one_standby_and_clean_stop(redis, sidecars):
    desired = Desired({1: 60, 2: 60})
    first = sidecars(session_redis().client(REDIS_DB), desired, "first")
    assert wait_for(lambda: first.sidecar.role == ACTIVE, 2, interval=0.01)
    second = sidecars(session_redis().client(REDIS_DB), desired, "second")
    assert wait_for(lambda: len(read_status(redis)["sidecars"]) == 2, 2, interval=0.01)

    status = read_status(redis)
    assert status["active"] == "first" and status["leader"] == "first"
    assert {s["instance"]: s["role"] for s in status["sidecars"]} == {"first": ACTIVE, "second": STANDBY}
    assert wait_for(lambda: read_status(redis)["registrations"] == 2, 2, interval=0.01)
    ok, message = healthcheck(redis, max_age=2)
    assert ok, message
    assert healthcheck(redis, max_age=2, host=socket.gethostname())[0]

    # A clean stop releases the lock at once: the standby takes over without waiting for the TTL.
    first.stop()
    stopped_at = time.monotonic()
    assert not redis.exists("netbox_hedgehog:scheduler:heartbeat:first")
    assert wait_for(lambda: second.sidecar.role == ACTIVE, 2, interval=0.01)
    handover = time.monotonic() - stopped_at
    print(f"\nclean handover in {handover:.3f}s")
    assert handover < 0.2
    # The new leader's heartbeat says so at the end of the tick in which it took over.
    assert wait_for(lambda: read_status(redis)["active"] == "second", 1, interval=0.01)


def test_change_notification_applied_within_a_second(redis, sidecars):
    desired = Desired({1: 60})
    sidecar = sidecars(session_redis().client(REDIS_DB), desired, "solo", reconcile=30)
    assert wait_for(lambda: sidecar.sidecar.role == ACTIVE and score(redis, 1) is not None, 2, interval=0.01)
    assert redis.pubsub_numsub(changes_channel(redis))[0][1] == 1

    latencies = []
    for change in ({2: 120}, {1: 90}, {1: None}):
        fabric_id, interval = next(iter(change.items()))
        if interval is None:
            desired.intervals.pop(fabric_id)
        else:
            desired.intervals[fabric_id] = interval
        published = time.monotonic()
        publish_change(redis, fabric_id)
        scheduler = GridScheduler(connection=redis)

        def applied(fabric_id=fabric_id, interval=interval, scheduler=scheduler):
            registration = scheduler.registrations().get(fabric_id)
            return (registration[0] if registration else None) == interval

        assert wait_for(applied, 1.0, interval=0.01), change
        latencies.append(time.monotonic() - published)
    print(f"\nchange notification applied in {max(latencies) * 1000:.1f} ms at most")


def test_runs_are_enqueued_on_time_and_never_twice(redis, sidecars):
    desired = Desired({fabric_id: 1 for fabric_id in range(1, 11)})
    # Even started with the same instance id by mistake, only one of them leads.
    twins = [sidecars(session_redis().client(REDIS_DB), desired, "twin") for _ in range(2)]
    time.sleep(4.2)
    assert sorted(twin.sidecar.role for twin in twins) == [ACTIVE, STANDBY]

    jobs = Queue(QUEUE, connection=redis).jobs
    runs = Counter((job.kwargs["fabric_id"], job.kwargs["due"]) for job in jobs)
    assert runs and max(runs.values()) == 1
    assert len(runs) >= 10 * 3
    lateness = sorted(
        job.enqueued_at.timestamp() - datetime.fromisoformat(job.kwargs["due"]).timestamp() for job in jobs
    )
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    median = statistics.median(lateness)
    print(f"\nlateness over {len(lateness)} runs: median {median * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms")
    assert min(lateness) >= 0
    assert p99 < 0.2


def test_flushdb_heals_within_one_reconcile_period(redis, sidecars):
    desired = Desired({fabric_id: 60 for fabric_id in range(1, 21)})
    sidecar = sidecars(session_redis().client(REDIS_DB), desired, "solo", reconcile=1.5)
    assert wait_for(lambda: len(GridScheduler(connection=redis).registrations()) == 20, 2, interval=0.01)

    redis.flushdb()
    flushed = time.monotonic()
    assert wait_for(lambda: len(GridScheduler(connection=redis).registrations()) == 20, 1.5, interval=0.01)
    assert wait_for(lambda: read_status(redis)["active"] == "solo", 1.0, interval=0.01)
    print(f"\nhealed after FLUSHDB in {time.monotonic() - flushed:.2f}s")

    # A hand-deleted key while the lock stays held: the periodic reconcile repairs it.
    redis.delete("rq:job:hedgehog-fabric-3")
    redis.zrem(GridScheduler.scheduled_jobs_key, registration_id(4))
    assert wait_for(lambda: len(GridScheduler(connection=redis).registrations()) == 20, 2.0, interval=0.01)
    assert all(interval == 60 for interval, _ in GridScheduler(connection=redis).registrations().values())
    assert sidecar.sidecar.role == ACTIVE


def test_failing_providers_do_not_stop_due_runs(redis, sidecars, caplog):
    desired = Desired({1: 1})
    sidecar = sidecars(session_redis().client(REDIS_DB), desired, "solo", reconcile=0.5)
    assert wait_for(lambda: score(redis, 1) is not None, 2, interval=0.01)

    desired.database_down = True
    desired.intervals[2] = 1
    publish_change(redis, 2)
    runs_before = len(queued_runs(redis))
    time.sleep(2.1)
    assert len(queued_runs(redis)) >= runs_before + 2
    assert "desired_provider failed" in caplog.text and "fabric_provider(2) failed" in caplog.text
    assert sidecar.sidecar.role == ACTIVE

    desired.database_down = False
    assert wait_for(lambda: score(redis, 2) is not None, 1.5, interval=0.01)


class FlakyRedisProxy:
    """A TCP proxy to the real Redis that can drop every connection and refuse new ones, like a restart."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", session_redis().port))
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.up = False
        with self.lock:
            for end in self.sockets:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.sockets = []

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.listener.close()


def test_redis_outage_is_survived_and_healed(redis, sidecars, caplog):
    proxy = FlakyRedisProxy()
    desired = Desired({fabric_id: 1 for fabric_id in range(1, 6)})
    through_proxy = Redis(host="127.0.0.1", port=proxy.port, db=REDIS_DB)
    sidecar = sidecars(through_proxy, desired, "solo")
    try:
        assert wait_for(lambda: len(queued_runs(redis)) >= 5, 2.5, interval=0.01)

        proxy.cut()
        redis.flushdb()  # what a restart without persistence leaves behind
        time.sleep(1.5)
        assert sidecar.thread.is_alive()
        assert "redis unavailable" in caplog.text
        proxy.restore()

        restored = time.monotonic()
        assert wait_for(lambda: len(GridScheduler(connection=redis).registrations()) == 5, 3, interval=0.01)
        assert wait_for(lambda: read_status(redis)["active"] == "solo", 2, interval=0.01)
        assert wait_for(lambda: len(queued_runs(redis)) >= 5, 2.5, interval=0.01)
        print(f"\nback to scheduling {time.monotonic() - restored:.2f}s after Redis came back")
        assert max(Counter(queued_runs(redis)).values()) == 1

        # Stopping during an outage is not held up by retries.
        proxy.cut()
        stopping = time.monotonic()
        sidecar.stop()
        assert time.monotonic() - stopping < 2
    finally:
        if sidecar.thread.is_alive():
            sidecar.stop()
        proxy.close()
