"""The scheduler sidecar: owns the per-fabric recurring registrations in rq-scheduler (Redis only, no Django).

Run-function contract: each scheduled run is an RQ job on the configured queue calling
``func(fabric_id=<int>, due=<ISO 8601 UTC string of the grid slot>)``; ``func`` is a dotted path,
by default ``netbox_hedgehog.jobs.run_scheduled_sync``. A stock ``rqscheduler`` firing a
registration itself would call ``func(fabric_id=<int>)`` without ``due``, so ``due`` should default
to None in the run function. Housekeeping runs call ``housekeeping_func(due=<ISO 8601 UTC>)`` on their own
queue, by default ``netbox_hedgehog.jobs.run_housekeeping``.
"""

from .grid import (
    DEFAULT_HOUSEKEEPING_FUNC,
    DEFAULT_RUN_FUNC,
    HOUSEKEEPING,
    HOUSEKEEPING_ID,
    HOUSEKEEPING_RUN_KEY,
    LEADER_KEY,
    REGISTRATION_PREFIX,
    GridScheduler,
    NotLeaderError,
    Outcome,
    fabric_id_of,
    registration_id,
    registration_key,
)
from .sidecar import (
    ACTIVE,
    CHANGES_CHANNEL,
    HEARTBEAT_PREFIX,
    INSTANCES_KEY,
    STANDBY,
    LeaderLock,
    Sidecar,
    changes_channel,
    healthcheck,
    publish_change,
    read_status,
)

__all__ = [
    "ACTIVE",
    "CHANGES_CHANNEL",
    "changes_channel",
    "DEFAULT_HOUSEKEEPING_FUNC",
    "DEFAULT_RUN_FUNC",
    "HOUSEKEEPING",
    "HOUSEKEEPING_ID",
    "HOUSEKEEPING_RUN_KEY",
    "HEARTBEAT_PREFIX",
    "INSTANCES_KEY",
    "LEADER_KEY",
    "REGISTRATION_PREFIX",
    "STANDBY",
    "GridScheduler",
    "LeaderLock",
    "NotLeaderError",
    "Outcome",
    "Sidecar",
    "fabric_id_of",
    "healthcheck",
    "publish_change",
    "read_status",
    "registration_id",
    "registration_key",
]
