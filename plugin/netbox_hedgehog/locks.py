"""
One sync per fabric at a time: a Redis lock whose value names the holder (the core.Job's job id), so a
run can tell a lock held by a live run from one left behind by a killed worker.
"""
from contextlib import contextmanager

from .queues import redis_connection, rq_job_alive

__all__ = ("fabric_lock", "lock_holder", "release_fabric_lock")

LOCK_KEY = "netbox_hedgehog:sync-lock:{fabric_id}"
# The holder `netbox hedgehog_sync` takes the lock as: no RQ job to ask about, so it is held until released or
# until the lock expires (sync_job_timeout + 300 s), and the command stops itself at sync_job_timeout.
CLI_HOLDER = "cli"

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""


def _lock_timeout():
    from netbox.plugins import get_plugin_config

    # Longer than the job timeout, so a live run never loses its lock.
    return get_plugin_config("netbox_hedgehog", "sync_job_timeout") + 300


def lock_holder(fabric_id, connection=None):
    value = (connection or redis_connection()).get(LOCK_KEY.format(fabric_id=fabric_id))
    return value.decode() if isinstance(value, bytes) else value


def release_fabric_lock(fabric_id, holder, connection=None):
    """Release the lock only if `holder` still holds it."""
    return bool((connection or redis_connection()).eval(_RELEASE, 1, LOCK_KEY.format(fabric_id=fabric_id), holder))


@contextmanager
def fabric_lock(fabric_id, holder=CLI_HOLDER):
    """
    Yield True if this caller now holds the fabric's sync lock, False if a live run holds it.
    A lock whose holder's run is dead (worker killed) is taken over, not waited out.
    """
    connection = redis_connection()
    key = LOCK_KEY.format(fabric_id=fabric_id)
    acquired = bool(connection.set(key, holder, nx=True, ex=_lock_timeout()))
    if not acquired:
        current = lock_holder(fabric_id, connection)
        if current and current != CLI_HOLDER and not rq_job_alive(current, connection):
            release_fabric_lock(fabric_id, current, connection)
            acquired = bool(connection.set(key, holder, nx=True, ex=_lock_timeout()))
    try:
        yield acquired
    finally:
        if acquired:
            release_fabric_lock(fabric_id, holder, connection)
