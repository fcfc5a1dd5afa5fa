"""
One sync per fabric at a time: a Redis lock whose value names the holder (the core.Job's job id), so a
run can tell a lock held by a live run from one left behind by a killed worker.
"""
import os
import socket
from contextlib import contextmanager

from django.utils import timezone

__all__ = ("fabric_lock", "lock_holder", "release_fabric_lock", "rq_job_alive")

LOCK_KEY = "netbox_hedgehog:sync-lock:{fabric_id}"
# A worker that has not heartbeat for this long is dead (RQ heartbeats every job_monitoring_interval, 30 s).
WORKER_SILENCE_LIMIT = 90

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""


def _connection():
    from .queues import redis_connection

    return redis_connection()


def _lock_timeout():
    from netbox.plugins import get_plugin_config

    # Longer than the job timeout, so a live run never loses its lock.
    return get_plugin_config("netbox_hedgehog", "sync_job_timeout") + 300


def lock_holder(fabric_id, connection=None):
    value = (connection or _connection()).get(LOCK_KEY.format(fabric_id=fabric_id))
    return value.decode() if isinstance(value, bytes) else value


def release_fabric_lock(fabric_id, holder, connection=None):
    """Release the lock only if `holder` still holds it."""
    return bool((connection or _connection()).eval(_RELEASE, 1, LOCK_KEY.format(fabric_id=fabric_id), holder))


def rq_job_alive(rq_job_id, connection=None):
    """True while the RQ job is queued, or started on a worker that is still alive."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob
    from rq.job import JobStatus
    from rq.worker import Worker

    connection = connection or _connection()
    try:
        rq_job = RQJob.fetch(rq_job_id, connection=connection)
    except NoSuchJobError:
        return False
    status = rq_job.get_status(refresh=False)
    if status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
        return True
    if status != JobStatus.STARTED or not rq_job.worker_name:
        return False
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + rq_job.worker_name, connection=connection)
    if worker is None or worker.get_current_job_id() != rq_job_id:
        return False
    if worker.hostname == socket.gethostname() and worker.pid:
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
    heartbeat = worker.last_heartbeat
    return heartbeat is None or (timezone.now() - heartbeat).total_seconds() < WORKER_SILENCE_LIMIT


@contextmanager
def fabric_lock(fabric_id, holder="cli"):
    """
    Yield True if this caller now holds the fabric's sync lock, False if a live run holds it.
    A lock whose holder's run is dead (worker killed) is taken over, not waited out.
    """
    connection = _connection()
    key = LOCK_KEY.format(fabric_id=fabric_id)
    acquired = bool(connection.set(key, holder, nx=True, ex=_lock_timeout()))
    if not acquired:
        current = lock_holder(fabric_id, connection)
        if current and current != "cli" and not rq_job_alive(current, connection):
            release_fabric_lock(fabric_id, current, connection)
            acquired = bool(connection.set(key, holder, nx=True, ex=_lock_timeout()))
    try:
        yield acquired
    finally:
        if acquired:
            release_fabric_lock(fabric_id, holder, connection)
