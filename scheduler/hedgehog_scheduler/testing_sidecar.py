"""A sidecar without Django, for tests and demos: the desired schedule is a Redis hash {fabric id: interval}.

    python -m hedgehog_scheduler.testing_sidecar --redis-url redis://127.0.0.1:6379/11 \\
        --desired-key demo:desired --heartbeat 1 --reconcile 5

Stops cleanly on SIGTERM or SIGINT.
"""

import argparse
import logging

from redis import Redis

from .sidecar import Sidecar


def hash_providers(connection, key: str):
    """desired_provider and fabric_provider reading the Redis hash ``key``."""

    def desired() -> dict[int, int]:
        return {int(fabric_id): int(interval) for fabric_id, interval in connection.hgetall(key).items()}

    def fabric(fabric_id: int) -> int | None:
        interval = connection.hget(key, str(fabric_id))
        return None if interval is None else int(interval)

    return desired, fabric


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--queue", default="default")
    parser.add_argument("--desired-key", required=True)
    parser.add_argument("--func", default=None, help="dotted path of the run function")
    parser.add_argument("--heartbeat", type=float, default=5.0)
    parser.add_argument("--reconcile", type=float, default=60.0)
    parser.add_argument("--instance", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    connection = Redis.from_url(args.redis_url)
    desired, fabric = hash_providers(connection, args.desired_key)
    Sidecar(
        connection,
        args.queue,
        desired,
        fabric,
        func=args.func,
        reconcile_interval=args.reconcile,
        heartbeat_interval=args.heartbeat,
        instance_id=args.instance,
    ).run_until_signalled()


if __name__ == "__main__":
    main()
