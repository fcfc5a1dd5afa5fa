"""Sidecars as real processes (`python -m hedgehog_scheduler.testing_sidecar`) against the session's Redis, db 11."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime

import pytest
from rq import Queue

from hedgehog_scheduler import HEARTBEAT_PREFIX, LEADER_KEY, read_status
from tests.helpers import wait_for
from tests.processes import session_redis

REDIS_DB = 11
DESIRED_KEY = "test:hedgehog:desired"
HEARTBEAT = 0.5
FABRICS = 10


@pytest.fixture
def redis():
    connection = session_redis().client(REDIS_DB)
    connection.flushdb()
    connection.hset(DESIRED_KEY, mapping={str(fabric_id): 1 for fabric_id in range(1, FABRICS + 1)})
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def start_sidecar(tmp_path):
    processes = []

    def start(instance):
        log = open(tmp_path / f"{instance}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "hedgehog_scheduler.testing_sidecar", "--redis-url", session_redis().url(REDIS_DB)]
            + ["--desired-key", DESIRED_KEY, "--heartbeat", str(HEARTBEAT), "--reconcile", "2", "--instance", instance],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        processes.append((process, log))
        return process

    yield start
    for process, log in processes:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()




def leader(connection):
    return read_status(connection)["leader"]


def runs(connection):
    """(fabric id, due epoch, enqueued epoch) of every run job on the queue."""
    return [
        (job.kwargs["fabric_id"], datetime.fromisoformat(job.kwargs["due"]).timestamp(), job.enqueued_at.timestamp())
        for job in Queue("default", connection=connection).jobs
    ]


def assert_no_slot_enqueued_twice(connection):
    counted = Counter((fabric_id, due) for fabric_id, due, _ in runs(connection))
    assert counted, "nothing was enqueued"
    assert max(counted.values()) == 1, [slot for slot, count in counted.items() if count > 1]


def start_pair(redis, start_sidecar):
    processes = {"a": start_sidecar("a")}
    assert wait_for(lambda: leader(redis) == "a", 5, interval=0.005)
    processes["b"] = start_sidecar("b")
    assert wait_for(lambda: len(read_status(redis)["sidecars"]) == 2, 5, interval=0.005)
    return processes


def test_sigkill_of_the_active_sidecar_hands_over_without_double_runs(redis, start_sidecar):
    processes = start_pair(redis, start_sidecar)
    status = read_status(redis)
    assert status["active"] == "a"
    assert {s["instance"]: s["role"] for s in status["sidecars"]} == {"a": "active", "b": "standby"}
    time.sleep(2.2)

    processes["a"].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    assert wait_for(lambda: leader(redis) == "b", 2 * HEARTBEAT + 0.5, interval=0.005)
    takeover = time.monotonic() - killed
    print(f"\ntakeover after SIGKILL in {takeover:.3f}s (heartbeat {HEARTBEAT}s)")
    assert takeover <= 2 * HEARTBEAT + 0.15  # slack for polling read_status
    before = len(runs(redis))
    time.sleep(2.2)

    assert len(runs(redis)) >= before + 2 * FABRICS
    assert_no_slot_enqueued_twice(redis)
    assert read_status(redis)["active"] == "b"


def test_a_paused_leader_that_wakes_up_steps_down(redis, start_sidecar):
    processes = start_pair(redis, start_sidecar)
    time.sleep(1.1)

    processes["a"].send_signal(signal.SIGSTOP)
    assert wait_for(lambda: leader(redis) == "b", 2 * HEARTBEAT + 0.5, interval=0.005)
    time.sleep(1.5)
    processes["a"].send_signal(signal.SIGCONT)
    time.sleep(1.5)

    status = read_status(redis)
    assert status["active"] == "b"
    assert {s["instance"]: s["role"] for s in status["sidecars"]} == {"a": "standby", "b": "active"}
    assert_no_slot_enqueued_twice(redis)


def test_restart_after_downtime_gives_one_catch_up_run_per_fabric(redis, start_sidecar):
    first = start_sidecar("a")
    assert wait_for(lambda: leader(redis) == "a", 5, interval=0.005)
    time.sleep(1.5)
    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(3.5)

    restarted = time.time()
    start_sidecar("a2")
    time.sleep(1.5)

    late = [fabric_id for fabric_id, due, enqueued in runs(redis) if enqueued >= restarted and due < restarted - 1]
    assert Counter(late) == {fabric_id: 1 for fabric_id in range(1, FABRICS + 1)}
    assert_no_slot_enqueued_twice(redis)
    assert redis.zcard("rq:scheduler:scheduled_jobs") == FABRICS


def test_sigterm_stops_cleanly(redis, start_sidecar):
    processes = start_pair(redis, start_sidecar)

    for name in ("b", "a"):
        processes[name].send_signal(signal.SIGTERM)
        assert processes[name].wait(timeout=2) == 0
        assert not redis.exists(HEARTBEAT_PREFIX + name)
    assert leader(redis) is None and not redis.exists(LEADER_KEY)
    assert read_status(redis)["sidecars"] == []
    assert redis.zcard("rq:scheduler:scheduled_jobs") == FABRICS
