"""
The Kubernetes emulator of tests/kube_emulator as a process, plus a per-request delay:

    python -m tests.e2e.emulator --port P --objects FILE.yaml [--token T] [--delay SECONDS]

The browser tests slow the cluster down a little so that a run lasts a few seconds and a person (or
the test) can see it go from queued to running to done on the fabric page. On SIGHUP it reads the
objects files again and serves what they hold now (the cluster changed), then prints "reloaded N".
"""
import argparse
import signal
import sys
import threading

from tests.kube_emulator.__main__ import read_objects
from tests.kube_emulator.server import KubeEmulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.emulator")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--objects", action="append", default=[], metavar="FILE.yaml")
    parser.add_argument("--token", default=None)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering each request")
    args = parser.parse_args(argv)
    objects, _left_out = read_objects(args.objects)
    emulator = KubeEmulator(objects, token=args.token, port=args.port)
    emulator.delay(args.delay)
    stop, reload = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: reload.set())
    emulator.start()
    print(emulator.url, flush=True)
    try:
        while not stop.wait(0.2):
            if reload.is_set():
                reload.clear()
                objects, _left_out = read_objects(args.objects)
                emulator.set_objects(objects)
                print(f"reloaded {len(objects)}", flush=True)
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
