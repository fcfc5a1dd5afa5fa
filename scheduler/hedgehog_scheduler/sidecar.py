"""The sidecar loop: leader election, change notifications, periodic reconcile, firing due runs, heartbeats.

Redis keys (all in the connection's database, next to RQ's):
- ``netbox_hedgehog:scheduler:leader``: the leader lock, value ``<instance id>/<random>`` of the active
  sidecar (the random part keeps two processes started with the same instance id apart), PX = 2 x heartbeat.
- ``netbox_hedgehog:scheduler:heartbeat:<instance>``: JSON heartbeat of every sidecar, TTL 3 x heartbeat.
- ``netbox_hedgehog:scheduler:instances``: sorted set instance -> last heartbeat time, so status readers
  find the heartbeats without scanning the keyspace.
- channel ``netbox_hedgehog:scheduler:changes``: a fabric id (text) whose schedule changed, or ``*`` for all;
  a sidecar that releases the leader lock on shutdown publishes ``!leader-released`` so a standby takes over at once.
- rq-scheduler's ``rq:scheduler:scheduled_jobs``, ``rq:job:hedgehog-fabric-<id>`` and
  ``rq:job:hedgehog-housekeeping``: the registrations; ``netbox_hedgehog:housekeeping:run``: the id of the
  latest housekeeping run enqueued.
"""

import json
import logging
import math
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable

from redis import RedisError
from redis.backoff import NoBackoff
from redis.retry import Retry

from .grid import HOUSEKEEPING, LEADER_KEY, GridScheduler, NotLeaderError, validate_interval

logger = logging.getLogger(__name__)

CHANGES_CHANNEL = "netbox_hedgehog:scheduler:changes"


def changes_channel(connection) -> str:
    """The change channel of the Redis database `connection` uses: pub/sub is server-wide, not per database,
    so installations sharing a Redis server on different databases must not hear each other."""
    return f"{CHANGES_CHANNEL}:{connection.connection_pool.connection_kwargs.get('db', 0)}"
HEARTBEAT_PREFIX = "netbox_hedgehog:scheduler:heartbeat:"
INSTANCES_KEY = "netbox_hedgehog:scheduler:instances"
# Instances whose last heartbeat is older than this are dropped from INSTANCES_KEY.
FORGET_INSTANCE_SECONDS = 3600
RECONCILE_ALL = "*"
LEADER_RELEASED = "!leader-released"
ACTIVE = "active"
STANDBY = "standby"
# The loop never blocks longer than this, so a stop request is honoured promptly.
MAX_BLOCK_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 5.0
# A failing provider (database down) is asked again this soon, at the latest.
PROVIDER_RETRY_SECONDS = 5.0

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("netbox-hedgehog")
    except PackageNotFoundError:
        return "unknown"


def publish_change(connection, fabric_id: int | None) -> int:
    """Tell the active sidecar that one fabric's schedule changed (None: re-read all); returns receivers."""
    return connection.publish(changes_channel(connection), RECONCILE_ALL if fabric_id is None else str(int(fabric_id)))


class LeaderLock:
    """A Redis lock owned by one token: SET NX PX to take it, compare-and-set Lua to renew or release it."""

    def __init__(self, connection, token: str, ttl_seconds: float, key: str = LEADER_KEY):
        self.connection = connection
        self.token = token
        self.ttl_ms = max(1, math.ceil(ttl_seconds * 1000))
        self.key = key
        self._renew = connection.register_script(_RENEW)
        self._release = connection.register_script(_RELEASE)

    def acquire(self) -> bool:
        return bool(self.connection.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        return bool(self._renew(keys=[self.key], args=[self.token, self.ttl_ms]))

    def release(self) -> bool:
        return bool(self._release(keys=[self.key], args=[self.token]))

    def seconds_left(self) -> float | None:
        """Time until the lock expires, None when nobody holds it."""
        remaining = self.connection.pttl(self.key)
        return remaining / 1000 if remaining >= 0 else None


class Sidecar:
    """Keeps the registrations equal to the desired schedule and fires them, while it is the leader.

    ``desired_provider()`` returns the full desired schedule {fabric id: interval seconds};
    ``fabric_provider(fabric_id)`` returns one fabric's interval, or None when it is not scheduled.
    With ``housekeeping_interval`` the sidecar also keeps the housekeeping registration (run function
    ``housekeeping_func`` on ``housekeeping_queue``), reconciled and healed like the fabrics'.
    Both may raise (e.g. database down): the error is logged, registrations already in Redis keep
    firing, and a full reconcile is tried again within PROVIDER_RETRY_SECONDS.

    The loop does its own retrying, so by default (``tune_connection``) the connection, which should
    be dedicated to the sidecar, is set to retry a failed command once without delay (redis-py's
    default retries for seconds, holding up heartbeats and shutdown) and, when it has no socket
    timeout, to time out after 2 x heartbeat (a vanished Redis host would otherwise hang the loop).
    """

    def __init__(
        self,
        connection,
        queue_name: str,
        desired_provider: Callable[[], dict[int, int]],
        fabric_provider: Callable[[int], int | None],
        *,
        func: str | None = None,
        reconcile_interval: float = 60.0,
        heartbeat_interval: float = 5.0,
        instance_id: str | None = None,
        run_timeout: int | None = None,
        run_result_ttl: int | None = None,
        tune_connection: bool = True,
        housekeeping_interval: int | None = None,
        housekeeping_queue: str | None = None,
        housekeeping_func: str | None = None,
    ):
        if tune_connection:
            connection.set_retry(Retry(NoBackoff(), 1))
            pool_options = connection.connection_pool.connection_kwargs
            if pool_options.get("socket_timeout") is None:
                pool_options["socket_timeout"] = max(2 * heartbeat_interval, 1.0)
        self.connection = connection
        self.desired_provider = desired_provider
        self.fabric_provider = fabric_provider
        self.reconcile_interval = reconcile_interval
        self.heartbeat_interval = heartbeat_interval
        self.instance_id = instance_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.heartbeat_key = HEARTBEAT_PREFIX + self.instance_id
        self.lock = LeaderLock(connection, f"{self.instance_id}/{uuid.uuid4().hex[:8]}", 2 * heartbeat_interval)
        self.housekeeping_interval = validate_interval(housekeeping_interval) if housekeeping_interval else None
        scheduler_options = {"func": func} if func else {}
        if housekeeping_func:
            scheduler_options["housekeeping_func"] = housekeeping_func
        self.scheduler = GridScheduler(
            queue_name=queue_name,
            connection=connection,
            run_timeout=run_timeout,
            run_result_ttl=run_result_ttl,
            housekeeping_queue=housekeeping_queue,
            **scheduler_options,
        )
        self.role = STANDBY
        self.started = time.time()
        self._next_tick = 0.0
        self._next_reconcile = 0.0
        self._registration_count = 0

    # -- public ----------------------------------------------------------------------------

    def run(self, stop_event: threading.Event) -> None:
        """Loop until ``stop_event`` is set; then release the lock (if still ours) and delete the heartbeat."""
        logger.info("hedgehog scheduler sidecar %s starting", self.instance_id)
        pubsub = None
        backoff = 0.1
        try:
            while not stop_event.is_set():
                try:
                    if pubsub is None:
                        pubsub = self.connection.pubsub(ignore_subscribe_messages=True)
                        pubsub.subscribe(changes_channel(self.connection))
                    self._step(pubsub)
                    backoff = 0.1
                except NotLeaderError as exc:
                    self._become_standby(str(exc))
                except Exception as exc:
                    if isinstance(exc, RedisError | OSError):
                        logger.warning("redis unavailable (%s); retrying in %.1fs", exc, backoff)
                    else:
                        logger.exception("sidecar step failed; retrying in %.1fs", backoff)
                    pubsub = self._close(pubsub)
                    # Notifications may have been missed: rebuild everything once Redis answers again.
                    self._next_reconcile = 0.0
                    self._next_tick = 0.0
                    stop_event.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS, self.heartbeat_interval)
        finally:
            self._close(pubsub)
            self._shutdown()

    def run_until_signalled(self) -> None:
        """Run in the main thread until SIGTERM or SIGINT."""
        stop_event = threading.Event()

        def stop(signum, frame):
            logger.info("signal %s: stopping", signum)
            stop_event.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.run(stop_event)

    # -- loop ------------------------------------------------------------------------------

    def _step(self, pubsub) -> None:
        now = time.time()
        if now >= self._next_tick:
            self._tick(now)
        wake = self._next_tick
        if self.role == ACTIVE:
            if time.time() >= self._next_reconcile:
                self._reconcile()
            self.scheduler.enqueue_due()
            next_due = self.scheduler.next_wakeup()
            wake = min(wake, self._next_reconcile, next_due if next_due is not None else math.inf)
        timeout = min(max(wake - time.time(), 0.0), MAX_BLOCK_SECONDS)
        changed = self._receive(pubsub, timeout)
        if LEADER_RELEASED in changed:
            changed.discard(LEADER_RELEASED)
            self._next_tick = 0.0
        if self.role == ACTIVE and changed:
            self._apply_changes(changed)

    def _tick(self, now: float) -> None:
        """Renew or try to take leadership, then write the heartbeat."""
        if self.role == ACTIVE and not self.lock.renew():
            self._become_standby("leader lock lost")
        if self.role == STANDBY and self.lock.acquire():
            self._become_active()
        if self.role == ACTIVE:
            self._registration_count = self.scheduler.registration_count()
            self._next_tick = now + self.heartbeat_interval
        else:
            # Wake right when the leader's lock would expire, to take over without delay.
            left = self.lock.seconds_left()
            self._next_tick = now + min(self.heartbeat_interval, left + 0.005 if left is not None else 0.05)
        self._write_heartbeat(now)

    def _become_active(self) -> None:
        logger.info("sidecar %s is now active", self.instance_id)
        self.role = ACTIVE
        self.scheduler.leader_token = self.lock.token
        self._next_reconcile = 0.0

    def _become_standby(self, reason: str) -> None:
        if self.role == ACTIVE:
            logger.warning("sidecar %s is now standby: %s", self.instance_id, reason)
        self.role = STANDBY
        self.scheduler.leader_token = None
        self._next_tick = 0.0

    def _reconcile(self) -> None:
        self._next_reconcile = time.time() + self.reconcile_interval
        try:
            desired = self.desired_provider()
        except Exception:
            # Registrations already in Redis keep firing meanwhile.
            self._retry_reconcile_soon("desired_provider failed")
            return
        if self.housekeeping_interval:
            desired = {**desired, HOUSEKEEPING: self.housekeeping_interval}
        self._require_leader()
        counts = self.scheduler.reconcile(desired)
        if counts["added"] or counts["updated"] or counts["removed"]:
            logger.info("reconciled registrations: %s", counts)

    def _receive(self, pubsub, timeout: float) -> set[str]:
        """Block up to ``timeout`` for a notification, then drain whatever else is waiting."""
        changed = set()
        message = pubsub.get_message(timeout=timeout)
        while message is not None:
            if message.get("type") == "message":
                changed.add(message["data"].decode(errors="replace").strip())
            message = pubsub.get_message(timeout=0.0)
        return changed

    def _apply_changes(self, changed: set[str]) -> None:
        if RECONCILE_ALL in changed:
            self._reconcile()
            return
        for text in changed:
            if not text.isdigit():
                logger.warning("ignoring change notification %r", text)
                continue
            fabric_id = int(text)
            try:
                interval = self.fabric_provider(fabric_id)
            except Exception:
                self._retry_reconcile_soon(f"fabric_provider({fabric_id}) failed")
                continue
            self._require_leader()
            outcome = self.scheduler.apply(fabric_id, None if interval is None else validate_interval(interval))
            logger.info("fabric %s schedule change: %s", fabric_id, outcome)

    def _retry_reconcile_soon(self, reason: str) -> None:
        retry_in = min(self.reconcile_interval, PROVIDER_RETRY_SECONDS)
        logger.exception("%s; full reconcile in %.1fs", reason, retry_in)
        self._next_reconcile = min(self._next_reconcile, time.time() + retry_in)

    def _require_leader(self) -> None:
        # Providers can take long (a slow database): renew the lease before writing, so that a large
        # reconcile starts with a whole lease instead of what the provider left of it.
        if self.scheduler.leader_token is None or not self.lock.renew():
            raise NotLeaderError("not the leader")

    # -- heartbeat and shutdown ------------------------------------------------------------

    def _write_heartbeat(self, now: float) -> None:
        heartbeat = {
            "instance": self.instance_id,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "role": self.role,
            "time": now,
            "started": self.started,
            "registrations": self._registration_count if self.role == ACTIVE else None,
            "heartbeat_interval": self.heartbeat_interval,
            "version": _version(),
        }
        with self.connection.pipeline() as pipe:
            pipe.set(self.heartbeat_key, json.dumps(heartbeat), px=math.ceil(3 * self.heartbeat_interval * 1000))
            pipe.zadd(INSTANCES_KEY, {self.instance_id: now})
            pipe.zremrangebyscore(INSTANCES_KEY, "-inf", now - FORGET_INSTANCE_SECONDS)
            pipe.execute()

    def _shutdown(self) -> None:
        try:
            if self.lock.release():
                logger.info("sidecar %s released the leader lock", self.instance_id)
                self.connection.publish(changes_channel(self.connection), LEADER_RELEASED)
            with self.connection.pipeline() as pipe:
                pipe.delete(self.heartbeat_key)
                pipe.zrem(INSTANCES_KEY, self.instance_id)
                pipe.execute()
        except RedisError as exc:
            logger.warning("could not clean up on shutdown: %s", exc)
        self.role = STANDBY
        self.scheduler.leader_token = None
        logger.info("hedgehog scheduler sidecar %s stopped", self.instance_id)

    @staticmethod
    def _close(pubsub) -> None:
        if pubsub is not None:
            try:
                pubsub.close()
            except (RedisError, OSError):
                pass
        return None


def read_status(connection) -> dict:
    """Every live sidecar's heartbeat with its age, which one is active, and the registration count.

    Returns ``{"checked_at", "leader", "active", "registrations", "sidecars": [heartbeat + "age"]}``;
    ``leader`` is the instance holding the leader key, ``active`` the same if its heartbeat is live (else None).
    """
    now = time.time()
    instances = sorted(member.decode() for member in connection.zrange(INSTANCES_KEY, 0, -1))
    keys = [HEARTBEAT_PREFIX + instance for instance in instances]
    sidecars = []
    for raw in connection.mget(keys) if keys else []:
        if raw is None:
            continue
        try:
            heartbeat = json.loads(raw)
        except ValueError:
            continue
        heartbeat["age"] = now - heartbeat.get("time", 0)
        sidecars.append(heartbeat)
    holder = connection.get(LEADER_KEY)
    leader = holder.decode().rsplit("/", 1)[0] if holder is not None else None
    active = next((s for s in sidecars if s.get("instance") == leader and s.get("role") == ACTIVE), None)
    return {
        "checked_at": now,
        "leader": leader,
        "active": active["instance"] if active else None,
        "registrations": active.get("registrations") if active else None,
        "sidecars": sidecars,
    }


def healthcheck(connection, max_age: float = 15.0, host: str | None = None) -> tuple[bool, str]:
    """Whether scheduling works: an active sidecar with a heartbeat younger than ``max_age`` seconds.

    With ``host`` (a container healthcheck), the question is instead whether a sidecar on that host
    is alive, active or standby.
    """
    try:
        status = read_status(connection)
    except RedisError as exc:
        return False, f"redis unavailable: {exc}"
    fresh = [s for s in status["sidecars"] if s["age"] <= max_age]
    active = next((s for s in fresh if s.get("instance") == status["active"]), None)
    if host is not None:
        mine = [s for s in fresh if s.get("host") == host]
        if not mine:
            return False, f"no sidecar on {host} has sent a heartbeat in the last {max_age:g}s"
        roles = ", ".join(f"{s['instance']} {s['role']}" for s in mine)
        leader = f"active: {status['active']}" if active else "no active sidecar"
        return True, f"{roles}; {leader}"
    if active is None:
        stale = f" (leader key held by {status['leader']})" if status["leader"] else ""
        return False, f"no active scheduler sidecar{stale}"
    return True, (
        f"active sidecar {active['instance']} on {active.get('host')}, heartbeat {active['age']:.1f}s ago, "
        f"{active.get('registrations')} registrations, {len(fresh) - 1} standby"
    )
