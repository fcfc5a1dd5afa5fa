"""Recurring registrations kept in rq-scheduler's own data structures, run on a time grid: one per scheduled
fabric, and one for the plugin's housekeeping.

A registration is a stock rq-scheduler repeating job: the job hash ``rq:job:hedgehog-fabric-<id>``
(func = the run function's dotted path, kwargs ``{"fabric_id": id}``, ``meta["interval"]``, origin =
the target queue) plus a member of the sorted set ``rq:scheduler:scheduled_jobs`` whose score is the
next due time (whole epoch seconds). ``rqscheduler``'s tooling and ``Scheduler.get_jobs()`` see them.
Registrations are keyed by fabric id; the housekeeping registration, ``rq:job:hedgehog-housekeeping``
(kwargs ``{}``, its own function and queue), by the key HOUSEKEEPING. A housekeeping slot whose previous run
still waits in its queue adds no second one, so a queue without a worker holds at most one.

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
HOUSEKEEPING = "housekeeping"
HOUSEKEEPING_ID = "hedgehog-housekeeping"
DEFAULT_HOUSEKEEPING_FUNC = "netbox_hedgehog.jobs.run_housekeeping"
# Id of the run job the latest housekeeping slot enqueued.
HOUSEKEEPING_RUN_KEY = "netbox_hedgehog:housekeeping:run"
_WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)

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
    kwargs: dict


class Outcome:
    ADDED = "added"
    UPDATED = "updated"
    REMOVED = "removed"
    UNCHANGED = "unchanged"


def registration_id(key: int | str) -> str:
    """The registration id of a fabric id, or of HOUSEKEEPING."""
    return HOUSEKEEPING_ID if key == HOUSEKEEPING else f"{REGISTRATION_PREFIX}{int(key)}"


def registration_key(registration: str | bytes) -> int | str | None:
    """The fabric id (or HOUSEKEEPING) of a registration id, None for anything that is not one of ours."""
    if isinstance(registration, bytes):
        registration = registration.decode()
    if registration == HOUSEKEEPING_ID:
        return HOUSEKEEPING
    if not registration.startswith(REGISTRATION_PREFIX):
        return None
    suffix = registration[len(REGISTRATION_PREFIX) :]
    return int(suffix) if suffix.isdigit() else None


def fabric_id_of(registration: str | bytes) -> int | None:
    """The fabric id of a registration id, or None for anything that is not a fabric's registration."""
    key = registration_key(registration)
    return key if isinstance(key, int) else None


def phase_offset(key: int | str, interval: int) -> int:
    """A stable per-fabric offset in [0, interval): Knuth's multiplicative hash spreads consecutive ids.
    Housekeeping runs on the epoch-aligned grid itself."""
    if key == HOUSEKEEPING:
        return 0
    return (int(key) * 2654435761 % 2**32) % interval


def first_slot(key: int | str, interval: int, now: float) -> int:
    """The first slot strictly after now on the registration's epoch-aligned grid."""
    base = int(now)
    slot = base + (phase_offset(key, interval) - base) % interval
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


def _key(key) -> int | str:
    return HOUSEKEEPING if key == HOUSEKEEPING else int(key)


def validate_interval(interval) -> int:
    interval = int(interval)
    if interval < 1:
        raise ValueError(f"interval must be at least 1 second, not {interval}")
    return interval


class GridScheduler(Scheduler):
    """rq-scheduler with grid-aligned, transactional, leader-fenced handling of hedgehog registrations.

    ``queue_name`` is where run jobs go (normally NetBox's ``default``); ``func`` is the dotted path
    of the run function (never imported here); ``housekeeping_func`` and ``housekeeping_queue`` are the
    same for the housekeeping registration, kept when the desired schedule has HOUSEKEEPING. Entries in
    the sorted set that are not ours get stock rq-scheduler treatment, so this scheduler can stand in for
    ``rqscheduler``.
    """

    def __init__(
        self,
        queue_name: str = "default",
        connection=None,
        func: str = DEFAULT_RUN_FUNC,
        run_timeout: int | None = None,
        run_result_ttl: int | None = None,
        leader_token: str | None = None,
        housekeeping_func: str = DEFAULT_HOUSEKEEPING_FUNC,
        housekeeping_queue: str | None = None,
        **kwargs,
    ):
        super().__init__(queue_name=queue_name, connection=connection, **kwargs)
        self.func = func
        self.housekeeping_func = housekeeping_func
        self.housekeeping_queue = housekeeping_queue
        self.run_timeout = run_timeout
        self.run_result_ttl = run_result_ttl
        # When set, every write is fenced on LEADER_KEY holding this token.
        self.leader_token = leader_token
        self._serializer = resolve_serializer(None)

    # -- reading ---------------------------------------------------------------------------

    def registrations(self) -> dict[int, tuple[int | None, datetime]]:
        """fabric id -> (interval seconds, next due as an aware UTC datetime); interval None if the job hash is gone."""
        return {key: value for key, value in self._all_registrations().items() if key != HOUSEKEEPING}

    def housekeeping(self) -> tuple[int | None, datetime] | None:
        """(interval seconds, next due) of the housekeeping registration, None when there is none."""
        return self._all_registrations().get(HOUSEKEEPING)

    def _all_registrations(self) -> dict:
        entries = self._our_entries(self.connection.zrange(self.scheduled_jobs_key, 0, -1, withscores=True))
        fields = self._read_registrations(self.connection, entries)
        result = {}
        for key, score in entries.items():
            registration = self._decode(fields[key])
            result[key] = (registration.interval if registration else None, to_datetime(score))
        return result

    def registration_count(self) -> int:
        """How many fabrics are registered."""
        return sum(1 for key in self._our_entries(self.connection.zrange(self.scheduled_jobs_key, 0, -1))
                   if key != HOUSEKEEPING)

    def next_due(self, key: int | str) -> datetime | None:
        score = self.connection.zscore(self.scheduled_jobs_key, registration_id(key))
        return None if score is None else to_datetime(score)

    def next_wakeup(self) -> float | None:
        """Epoch seconds of the earliest entry in the sorted set (ours or not), None when it is empty."""
        head = self.connection.zrange(self.scheduled_jobs_key, 0, 0, withscores=True)
        return head[0][1] if head else None

    # -- registrations ---------------------------------------------------------------------

    def reconcile(self, desired: Mapping[int | str, int], now: float | None = None) -> dict[str, int]:
        """Make the registrations exactly ``desired`` (fabric id or HOUSEKEEPING -> interval seconds), in one
        transaction."""
        desired = {_key(key): validate_interval(interval) for key, interval in desired.items()}
        if HOUSEKEEPING in desired and not self.housekeeping_queue:
            raise ValueError("a housekeeping registration needs housekeeping_queue")
        return self._write(desired, now=now)

    def apply(self, fabric_id: int, interval: int | None, now: float | None = None) -> str:
        """Register, re-time or (interval None) remove one fabric; returns one of Outcome's values."""
        desired = {int(fabric_id): validate_interval(interval)} if interval is not None else {}
        counts = self._write(desired, now=now, only=int(fabric_id))
        return next((outcome for outcome, count in counts.items() if count), Outcome.UNCHANGED)

    def _write(self, desired: dict, now: float | None, only: int | None = None) -> dict[str, int]:
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
        for key, interval in desired.items():
            mapping = self._registration_mapping(key, interval)
            stored = fields[key]
            score = entries.get(key)
            if score is None:
                self._store(fence, key, mapping, first_slot(key, interval, now))
                counts[Outcome.ADDED] += 1
                continue
            if all(stored.get(name) == mapping[name] for name in ("origin", "data", "meta")):
                counts[Outcome.UNCHANGED] += 1
                continue
            current = self._decode(stored)
            if current is not None and current.interval != interval:
                score = next_slot(int(score) - current.interval, interval, now)
            self._store(fence, key, mapping, score)
            counts[Outcome.UPDATED] += 1
        for key in set(entries) - set(desired):
            fence.zrem(self.scheduled_jobs_key, registration_id(key))
            fence.delete(self.job_class.key_for(registration_id(key)))
            counts[Outcome.REMOVED] += 1
        return counts

    def _store(self, fence, key: int | str, mapping: dict, score: float) -> None:
        job_key = self.job_class.key_for(registration_id(key))
        fence.delete(job_key)
        fence.hset(job_key, mapping=mapping)
        fence.zadd(self.scheduled_jobs_key, {registration_id(key): int(score)})

    def _registration_mapping(self, key: int | str, interval: int) -> dict:
        if key == HOUSEKEEPING:
            func, origin, kwargs, what = self.housekeeping_func, self.housekeeping_queue, {}, "hedgehog housekeeping"
        else:
            func, origin, kwargs, what = self.func, self.queue_name, {"fabric_id": key}, f"hedgehog fabric {key}: sync"
        job = self.job_class.create(
            func,
            kwargs=kwargs,
            connection=self.connection,
            id=registration_id(key),
            origin=origin,
            result_ttl=-1,
            status=JobStatus.SCHEDULED,
            description=f"{what} every {interval}s",
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
        if registration_key(job.id) is None:
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
                    ours = [(member, score) for member, score in due if registration_key(member) is not None]
                    foreign = [member.decode() for member, _ in due if registration_key(member) is None]
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
        scores = {registration_key(member): score for member, score in entries}
        fields = self._read_registrations(self.connection, scores)
        skip_housekeeping = HOUSEKEEPING in scores and self._housekeeping_waiting()
        fence.multi()
        jobs = []
        for key, score in scores.items():
            registration = self._decode(fields[key])
            if registration is None:
                # Without its job hash we know neither func nor interval; reconcile recreates it.
                logger.warning("registration %s has no job hash; dropping it until reconcile", registration_id(key))
                fence.zrem(self.scheduled_jobs_key, registration_id(key))
                continue
            due = int(score)
            fence.zadd(self.scheduled_jobs_key, {registration_id(key): next_slot(due, registration.interval, now)})
            if key == HOUSEKEEPING and skip_housekeeping:
                continue
            job = self._run_job(key, due, registration)
            self.queue_class(registration.origin, connection=self.connection, job_class=self.job_class).enqueue_job(
                job, pipeline=fence
            )
            if key == HOUSEKEEPING:
                fence.set(HOUSEKEEPING_RUN_KEY, job.id)
            jobs.append(job)
        fence.execute()
        for job in jobs:
            logger.info("enqueued %s for %s due %s", job.id, job.meta["hedgehog_registration"], job.kwargs["due"])
        return jobs

    def _housekeeping_waiting(self) -> bool:
        """Whether the run the last housekeeping slot enqueued still waits in its queue."""
        run_id = self.connection.get(HOUSEKEEPING_RUN_KEY)
        if run_id is None:
            return False
        status = self.connection.hget(self.job_class.key_for(run_id.decode()), "status")
        return status is not None and status.decode() in _WAITING

    def _run_job(self, key: int | str, due: int, registration: Registration) -> Job:
        due_iso = to_datetime(due).isoformat()
        what = "hedgehog housekeeping" if key == HOUSEKEEPING else f"hedgehog fabric {key}: scheduled sync"
        return self.job_class.create(
            registration.func,
            kwargs={**registration.kwargs, "due": due_iso},
            connection=self.connection,
            origin=registration.origin,
            timeout=self.run_timeout,
            result_ttl=self.run_result_ttl,
            description=f"{what} due {due_iso}",
            meta={"hedgehog_registration": registration_id(key), "hedgehog_due": due_iso},
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
        """key (fabric id or HOUSEKEEPING) -> score (None when read without scores) for our members of the set."""
        entries = {}
        for item in members:
            member, score = item if isinstance(item, tuple) else (item, None)
            key = registration_key(member)
            if key is not None:
                entries[key] = score
        return entries

    def _read_registrations(self, connection, keys: Iterable) -> dict:
        keys = list(keys)
        names = ("origin", "data", "meta")
        with connection.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(self.job_class.key_for(registration_id(key)), names)
            values = pipe.execute()
        return {
            key: {name: value for name, value in zip(names, row, strict=True) if value is not None}
            for key, row in zip(keys, values, strict=True)
        }

    def _decode(self, fields: dict) -> Registration | None:
        try:
            func, _instance, _args, kwargs = self._serializer.loads(zlib.decompress(fields["data"]))
            interval = validate_interval(self._serializer.loads(fields["meta"])["interval"])
            return Registration(origin=fields["origin"].decode(), func=func, interval=interval, kwargs=dict(kwargs))
        except Exception:
            return None
