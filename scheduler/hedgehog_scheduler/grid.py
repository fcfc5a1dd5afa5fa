"""Per-fabric recurring registrations kept in rq-scheduler's own data structures, run on a time grid.

A registration is a stock rq-scheduler repeating job: the job hash ``rq:job:hedgehog-fabric-<id>``
(func = the run function's dotted path, kwargs ``{"fabric_id": id}``, ``meta["interval"]``, origin =
the target queue) plus a member of the sorted set ``rq:scheduler:scheduled_jobs`` whose score is the
next due time (whole epoch seconds). ``rqscheduler``'s tooling and ``Scheduler.get_jobs()`` see them.

What differs from stock rq-scheduler is what happens when a registration is due: instead of pushing
the registration itself onto the queue and re-adding it at ``utcnow() + interval`` in two Redis
calls, one MULTI/EXEC transaction enqueues a fresh run job calling
``func(fabric_id=<id>, due=<ISO 8601 UTC of the slot>)`` and moves the registration to its next
grid slot. The transaction WATCHes the sorted set (so a score changed by anyone aborts it) and,
when ``leader_token`` is set, the leader key (so a sidecar that lost leadership cannot enqueue).

Grid rules:
- next slot = due slot + interval; if that is already past (sidecar was down), the first slot of
  the same grid after now. A run of missed slots therefore gives exactly one catch-up run.
- a new registration's first slot is the first one after now on an epoch-aligned grid offset by a
  per-fabric phase (a multiplicative hash of the fabric id modulo the interval), so many fabrics
  with the same interval do not all fire in the same second, and a registration recreated after a
  Redis flush lands on the same grid as before.
- an interval change keeps the phase: next slot = last due + new interval, or the first slot
  after now on that grid.
"""

import logging
import time
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import NamedTuple

from redis import WatchError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import resolve_serializer
from rq_scheduler import Scheduler

logger = logging.getLogger(__name__)

REGISTRATION_PREFIX = "hedgehog-fabric-"
DEFAULT_RUN_FUNC = "netbox_hedgehog.jobs.run_scheduled_sync"
LEADER_KEY = "netbox_hedgehog:scheduler:leader"

# A foreign (non-hedgehog) scheduled entry that cannot be loaded is retried this much later
# instead of being dropped, so it neither blocks the loop nor gets lost.
FOREIGN_RETRY_SECONDS = 60
# Due registrations handled per transaction: bounds the transaction size when many are due at once.
DUE_BATCH_SIZE = 200
MAX_WATCH_RETRIES = 10


class NotLeaderError(Exception):
    """The leader key no longer holds this scheduler's token: it must not write."""


class Registration(NamedTuple):
    """A decoded registration job hash."""

    origin: str
    func: str
    interval: int


class Outcome:
    ADDED = "added"
    UPDATED = "updated"
    REMOVED = "removed"
    UNCHANGED = "unchanged"


def registration_id(fabric_id: int) -> str:
    return f"{REGISTRATION_PREFIX}{int(fabric_id)}"


def fabric_id_of(registration: str | bytes) -> int | None:
    """The fabric id of a registration id, or None for anything that is not one of ours."""
    if isinstance(registration, bytes):
        registration = registration.decode()
    if not registration.startswith(REGISTRATION_PREFIX):
        return None
    suffix = registration[len(REGISTRATION_PREFIX) :]
    return int(suffix) if suffix.isdigit() else None


def phase_offset(fabric_id: int, interval: int) -> int:
    """A stable per-fabric offset in [0, interval): Knuth's multiplicative hash spreads consecutive ids."""
    return (int(fabric_id) * 2654435761 % 2**32) % interval


def first_slot(fabric_id: int, interval: int, now: float) -> int:
    """The first slot strictly after now on the fabric's epoch-aligned grid."""
    base = int(now)
    slot = base + (phase_offset(fabric_id, interval) - base) % interval
    return slot if slot > now else slot + interval


def next_slot(due: int, interval: int, now: float) -> int:
    """The slot after ``due`` on its grid; skips every slot at or before now (one catch-up, no burst)."""
    slot = due + interval
    if slot <= now:
        slot = due + interval * (int((now - due) // interval) + 1)
    return int(slot)


def to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _redis_bytes(value) -> bytes:
    """A value as redis-py encodes it (str-based enums by their value, not their name)."""
    if isinstance(value, bytes):
        return value
    return value.encode() if isinstance(value, str) else str(value).encode()


def validate_interval(interval) -> int:
    interval = int(interval)
    if interval < 1:
        raise ValueError(f"interval must be at least 1 second, not {interval}")
    return interval


class GridScheduler(Scheduler):
    """rq-scheduler with grid-aligned, transactional, leader-fenced handling of hedgehog registrations.

    ``queue_name`` is where run jobs go (normally NetBox's ``default``); ``func`` is the dotted path
    of the run function (never imported here). Entries in the sorted set that are not ours get stock
    rq-scheduler treatment, so this scheduler can stand in for ``rqscheduler``.
    """

    def __init__(
        self,
        queue_name: str = "default",
        connection=None,
        func: str = DEFAULT_RUN_FUNC,
        run_timeout: int | None = None,
        run_result_ttl: int | None = None,
        leader_token: str | None = None,
        **kwargs,
    ):
        super().__init__(queue_name=queue_name, connection=connection, **kwargs)
        self.func = func
        self.run_timeout = run_timeout
        self.run_result_ttl = run_result_ttl
        # When set, every write is fenced on LEADER_KEY holding this token.
        self.leader_token = leader_token
        self._serializer = resolve_serializer(None)

    # -- reading ---------------------------------------------------------------------------

    def registrations(self) -> dict[int, tuple[int | None, datetime]]:
        """fabric id -> (interval seconds, next due as an aware UTC datetime); interval None if the job hash is gone."""
        entries = self._our_entries(self.connection.zrange(self.scheduled_jobs_key, 0, -1, withscores=True))
        fields = self._read_registrations(self.connection, entries)
        result = {}
        for fabric_id, score in entries.items():
            registration = self._decode(fields[fabric_id])
            result[fabric_id] = (registration.interval if registration else None, to_datetime(score))
        return result

    def registration_count(self) -> int:
        return len(self._our_entries(self.connection.zrange(self.scheduled_jobs_key, 0, -1)))

    def next_due(self, fabric_id: int) -> datetime | None:
        score = self.connection.zscore(self.scheduled_jobs_key, registration_id(fabric_id))
        return None if score is None else to_datetime(score)

    def next_wakeup(self) -> float | None:
        """Epoch seconds of the earliest entry in the sorted set (ours or not), None when it is empty."""
        head = self.connection.zrange(self.scheduled_jobs_key, 0, 0, withscores=True)
        return head[0][1] if head else None

    # -- registrations ---------------------------------------------------------------------

    def reconcile(self, desired: Mapping[int, int], now: float | None = None) -> dict[str, int]:
        """Make the registrations exactly ``desired`` (fabric id -> interval seconds), in one transaction."""
        desired = {int(fabric_id): validate_interval(interval) for fabric_id, interval in desired.items()}
        return self._write(desired, now=now)

    def apply(self, fabric_id: int, interval: int | None, now: float | None = None) -> str:
        """Register, re-time or (interval None) remove one fabric; returns one of Outcome's values."""
        desired = {int(fabric_id): validate_interval(interval)} if interval is not None else {}
        counts = self._write(desired, now=now, only=int(fabric_id))
        return next((outcome for outcome, count in counts.items() if count), Outcome.UNCHANGED)

    def _write(self, desired: dict[int, int], now: float | None, only: int | None = None) -> dict[str, int]:
        """Write ``desired`` over all our registrations, or over fabric ``only`` alone."""
        for _ in range(MAX_WATCH_RETRIES):
            with self.connection.pipeline() as fence:
                try:
                    self._watch(fence)
                    current_time = time.time() if now is None else now
                    # Reads go through a second connection after WATCH: any change made to the
                    # sorted set from here until EXEC aborts the transaction.
                    if only is None:
                        entries = self._our_entries(
                            self.connection.zrange(self.scheduled_jobs_key, 0, -1, withscores=True)
                        )
                    else:
                        score = self.connection.zscore(self.scheduled_jobs_key, registration_id(only))
                        entries = {} if score is None else {only: score}
                    fields = self._read_registrations(self.connection, set(entries) | set(desired))
                    fence.multi()
                    counts = self._plan(fence, desired, entries, fields, current_time)
                    fence.execute()
                    return counts
                except WatchError:
                    continue
        raise WatchError("registrations kept changing during reconcile")

    def _plan(self, fence, desired, entries, fields, now) -> dict[str, int]:
        counts = dict.fromkeys((Outcome.ADDED, Outcome.UPDATED, Outcome.REMOVED, Outcome.UNCHANGED), 0)
        for fabric_id, interval in desired.items():
            mapping = self._registration_mapping(fabric_id, interval)
            stored = fields[fabric_id]
            score = entries.get(fabric_id)
            if score is None:
                self._store(fence, fabric_id, mapping, first_slot(fabric_id, interval, now))
                counts[Outcome.ADDED] += 1
                continue
            if all(stored.get(name) == mapping[name] for name in ("origin", "data", "meta")):
                counts[Outcome.UNCHANGED] += 1
                continue
            current = self._decode(stored)
            if current is not None and current.interval != interval:
                score = next_slot(int(score) - current.interval, interval, now)
            self._store(fence, fabric_id, mapping, score)
            counts[Outcome.UPDATED] += 1
        for fabric_id in set(entries) - set(desired):
            fence.zrem(self.scheduled_jobs_key, registration_id(fabric_id))
            fence.delete(self.job_class.key_for(registration_id(fabric_id)))
            counts[Outcome.REMOVED] += 1
        return counts

    def _store(self, fence, fabric_id: int, mapping: dict, score: float) -> None:
        key = self.job_class.key_for(registration_id(fabric_id))
        fence.delete(key)
        fence.hset(key, mapping=mapping)
        fence.zadd(self.scheduled_jobs_key, {registration_id(fabric_id): int(score)})

    def _registration_mapping(self, fabric_id: int, interval: int) -> dict:
        job = self.job_class.create(
            self.func,
            kwargs={"fabric_id": fabric_id},
            connection=self.connection,
            id=registration_id(fabric_id),
            origin=self.queue_name,
            result_ttl=-1,
            status=JobStatus.SCHEDULED,
            description=f"hedgehog fabric {fabric_id}: sync every {interval}s",
            meta={"interval": interval},
        )
        job.created_at = to_datetime(0)  # constant, so an unchanged registration compares equal
        # Encoded as Redis hands values back, so a stored registration compares equal to its mapping.
        mapping = job.to_dict()
        return {name: _redis_bytes(value) for name, value in mapping.items()}

    # -- firing due registrations ----------------------------------------------------------

    def enqueue_jobs(self):
        """Stock entry point (used by ``Scheduler.run``): fire everything that is due."""
        return self.enqueue_due()

    def enqueue_job(self, job):
        """Fire one entry now; ours through the grid transaction, others as stock rq-scheduler does."""
        if fabric_id_of(job.id) is None:
            return super().enqueue_job(job)
        for _ in range(MAX_WATCH_RETRIES):
            with self.connection.pipeline() as fence:
                try:
                    self._watch(fence)
                    score = fence.zscore(self.scheduled_jobs_key, job.id)
                    if score is None:
                        return None
                    fired = self._fire(fence, [(job.id.encode(), score)], max(time.time(), score))
                    return fired[0] if fired else None
                except WatchError:
                    continue
        return None

    def enqueue_due(self, now: float | None = None) -> list[Job]:
        """Fire every entry due at ``now``; returns the run jobs enqueued for our registrations."""
        fired = []
        retries = 0
        while retries < MAX_WATCH_RETRIES:
            current_time = time.time() if now is None else now
            with self.connection.pipeline() as fence:
                try:
                    self._watch(fence)
                    due = fence.zrangebyscore(
                        self.scheduled_jobs_key, "-inf", current_time, start=0, num=DUE_BATCH_SIZE, withscores=True
                    )
                    if not due:
                        return fired
                    ours = [(member, score) for member, score in due if fabric_id_of(member) is not None]
                    foreign = [member.decode() for member, _ in due if fabric_id_of(member) is None]
                    if ours:
                        fired.extend(self._fire(fence, ours, current_time))
                except WatchError:
                    retries += 1
                    continue
            for member in foreign:
                self._enqueue_foreign(member, current_time)
        return fired

    def _fire(self, fence, entries, now: float) -> list[Job]:
        """Inside a WATCHed ``fence``: enqueue one run per entry and move each to its next slot, atomically."""
        fabric_scores = {fabric_id_of(member): score for member, score in entries}
        fields = self._read_registrations(self.connection, fabric_scores)
        fence.multi()
        jobs = []
        for fabric_id, score in fabric_scores.items():
            registration = self._decode(fields[fabric_id])
            if registration is None:
                # Without its job hash we know neither func nor interval; reconcile recreates it.
                logger.warning("registration %s has no job hash; dropping it until reconcile", fabric_id)
                fence.zrem(self.scheduled_jobs_key, registration_id(fabric_id))
                continue
            due = int(score)
            job = self._run_job(fabric_id, due, registration)
            self.queue_class(registration.origin, connection=self.connection, job_class=self.job_class).enqueue_job(
                job, pipeline=fence
            )
            fence.zadd(
                self.scheduled_jobs_key, {registration_id(fabric_id): next_slot(due, registration.interval, now)}
            )
            jobs.append(job)
        fence.execute()
        for job in jobs:
            logger.info("enqueued %s for fabric %s due %s", job.id, job.kwargs["fabric_id"], job.kwargs["due"])
        return jobs

    def _run_job(self, fabric_id: int, due: int, registration: Registration) -> Job:
        due_iso = to_datetime(due).isoformat()
        return self.job_class.create(
            registration.func,
            kwargs={"fabric_id": fabric_id, "due": due_iso},
            connection=self.connection,
            origin=registration.origin,
            timeout=self.run_timeout,
            result_ttl=self.run_result_ttl,
            description=f"hedgehog fabric {fabric_id}: scheduled sync due {due_iso}",
            meta={"hedgehog_registration": registration_id(fabric_id), "hedgehog_due": due_iso},
        )

    def _enqueue_foreign(self, member: str, now: float) -> None:
        try:
            job = self.job_class.fetch(member, connection=self.connection)
        except NoSuchJobError:
            self.cancel(member)
            return
        except Exception:
            logger.exception("cannot load scheduled job %s; retrying it in %ss", member, FOREIGN_RETRY_SECONDS)
            self.connection.zadd(self.scheduled_jobs_key, {member: int(now) + FOREIGN_RETRY_SECONDS})
            return
        super().enqueue_job(job)

    # -- helpers ---------------------------------------------------------------------------

    def _watch(self, fence) -> None:
        if self.leader_token is None:
            fence.watch(self.scheduled_jobs_key)
            return
        fence.watch(LEADER_KEY, self.scheduled_jobs_key)
        holder = fence.get(LEADER_KEY)
        if holder is None or holder.decode() != self.leader_token:
            raise NotLeaderError(f"leader key is held by {holder!r}, not {self.leader_token!r}")

    @staticmethod
    def _our_entries(members: Iterable) -> dict:
        """fabric id -> score (or -> None when read without scores) for our members of the sorted set."""
        entries = {}
        for item in members:
            member, score = item if isinstance(item, tuple) else (item, None)
            fabric_id = fabric_id_of(member)
            if fabric_id is not None:
                entries[fabric_id] = score
        return entries

    def _read_registrations(self, connection, fabric_ids: Iterable[int]) -> dict[int, dict]:
        fabric_ids = list(fabric_ids)
        names = ("origin", "data", "meta")
        with connection.pipeline(transaction=False) as pipe:
            for fabric_id in fabric_ids:
                pipe.hmget(self.job_class.key_for(registration_id(fabric_id)), names)
            values = pipe.execute()
        return {
            fabric_id: {name: value for name, value in zip(names, row, strict=True) if value is not None}
            for fabric_id, row in zip(fabric_ids, values, strict=True)
        }

    def _decode(self, fields: dict) -> Registration | None:
        try:
            func, _instance, _args, _kwargs = self._serializer.loads(zlib.decompress(fields["data"]))
            interval = validate_interval(self._serializer.loads(fields["meta"])["interval"])
            return Registration(origin=fields["origin"].decode(), func=func, interval=interval)
        except Exception:
            return None
