"""
The RQ queues the plugin uses and the one rule of what is alive on them.

Queue names are NetBox's; their Redis connections come from RQ_QUEUES. A worker is alive by NetBox's own rule
(utilities.rqworker): RQ still returns it, which it does while the worker's heartbeat key has not expired
(worker_ttl + 60 s when idle, job_monitoring_interval + 60 s = 90 s by default while it runs a job). A job is
alive while it is queued, or started on such a worker that still runs it (`rq_job_alive`).
"""
from functools import cache

from netbox.constants import RQ_QUEUE_DEFAULT, RQ_QUEUE_HIGH, RQ_QUEUE_LOW

__all__ = ("QUEUE_DEFAULT", "QUEUE_HIGH", "QUEUE_LOW", "any_live_worker", "live_workers", "redis_connection",
           "rq_job_alive")

QUEUE_HIGH = RQ_QUEUE_HIGH  # manual and API-triggered syncs
QUEUE_DEFAULT = RQ_QUEUE_DEFAULT  # scheduled syncs
QUEUE_LOW = RQ_QUEUE_LOW  # housekeeping


@cache
def redis_connection():
    """The Redis that NetBox's `default` queue uses (its RQ_QUEUES entry), shared within a process."""
    import django_rq

    return django_rq.get_connection(QUEUE_DEFAULT)


def any_live_worker(queue_name):
    """Whether a live worker serves `queue_name` (NetBox's own check)."""
    from utilities.rqworker import any_workers_for_queue

    return any_workers_for_queue(queue_name)


def live_workers(queue_name=None, connection=None):
    """The live RQ workers (of `queue_name`, or all), by the same rule as utilities.rqworker's helpers."""
    from rq.worker import Worker

    workers = Worker.all(connection=connection or redis_connection())
    return [worker for worker in workers if queue_name is None or queue_name in worker.queue_names()]


def rq_job_alive(rq_job_id, connection=None):
    """True while the RQ job is queued, or started on a live worker whose current job it still is."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob
    from rq.job import JobStatus
    from rq.worker import Worker

    connection = connection or redis_connection()
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
    return worker is not None and worker.get_current_job_id() == rq_job_id
