"""The light run function the scheduler benchmark has the schedulers enqueue instead of a sync.

Workers import it as ``benchmarks.probe.record_run`` (the repository must be on their PYTHONPATH).
It records when the run was due, enqueued and started, into a Redis list on the worker's connection.
"""
import json
import time
from datetime import UTC, datetime

RUNS_KEY = "hedgehog-bench:runs"


def _epoch(moment):
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def record_run(fabric_id, due=None):
    from rq import get_current_job

    job = get_current_job()
    record = {
        "fabric_id": int(fabric_id),
        "due": _epoch(due),
        "enqueued_at": _epoch(job.enqueued_at) if job else None,
        "started_at": _epoch(job.started_at) if job else None,
        "ran_at": time.time(),
        "job_id": job.id if job else None,
    }
    job.connection.rpush(RUNS_KEY, json.dumps(record))
    return record
