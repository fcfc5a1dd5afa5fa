"""The RQ queues the plugin uses. Names are NetBox's; their Redis connections come from RQ_QUEUES."""
from functools import cache

from netbox.constants import RQ_QUEUE_DEFAULT, RQ_QUEUE_HIGH, RQ_QUEUE_LOW

__all__ = ("QUEUE_DEFAULT", "QUEUE_HIGH", "QUEUE_LOW", "live_worker_count", "redis_connection")

QUEUE_HIGH = RQ_QUEUE_HIGH  # manual and API-triggered syncs
QUEUE_DEFAULT = RQ_QUEUE_DEFAULT  # scheduled syncs
QUEUE_LOW = RQ_QUEUE_LOW  # housekeeping


@cache
def redis_connection():
    """The Redis that NetBox's `default` queue uses (its RQ_QUEUES entry), shared within a process."""
    import django_rq

    return django_rq.get_connection(QUEUE_DEFAULT)


def live_worker_count(queue_name):
    """Workers listening on `queue_name` whose heartbeat RQ still considers alive."""
    import django_rq
    from rq.worker import Worker

    return Worker.count(queue=django_rq.get_queue(queue_name))
