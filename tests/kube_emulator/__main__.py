"""
Run the emulator as its own process:

    python -m tests.kube_emulator --port 6443 --objects wiring.yaml [--token T] [--tls-dir DIR]

It prints its URL on stdout once it is listening and exits cleanly on SIGTERM or Ctrl-C. With
--tls-dir it serves HTTPS with the CA in DIR/ca.pem (created on first use, reused afterwards so a
fabric configured with that CA keeps working across restarts).
"""
import argparse
import signal
import sys
import threading

import yaml

from .server import EMULATED_KINDS, KubeEmulator


def read_objects(paths):
    """Every manifest of an emulated kind in the YAML files; other kinds are reported and left out."""
    objects, left_out = [], {}
    for path in paths:
        with open(path) as handle:
            for document in yaml.safe_load_all(handle):
                if not isinstance(document, dict):
                    continue
                if document.get("kind") in EMULATED_KINDS:
                    objects.append(document)
                else:
                    kind = str(document.get("kind"))
                    left_out[kind] = left_out.get(kind, 0) + 1
    return objects, left_out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.kube_emulator",
                                     description="Serve Hedgehog objects through an emulated Kubernetes API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6443, help="0 picks a free port")
    parser.add_argument("--objects", action="append", default=[], metavar="FILE.yaml",
                        help="YAML file of Hedgehog objects to serve (may be repeated)")
    parser.add_argument("--token", default=None, help="require this bearer token")
    parser.add_argument("--tls-dir", default=None, metavar="DIR", help="serve HTTPS with the CA and certificate in DIR")
    parser.add_argument("--missing-crd", action="append", default=[], metavar="KIND",
                        help="act as if this kind's CRD were not installed (may be repeated)")
    args = parser.parse_args(argv)
    unknown = set(args.missing_crd) - set(EMULATED_KINDS)
    if unknown:
        parser.error(f"--missing-crd: unknown kind(s) {', '.join(sorted(unknown))}; known: {', '.join(EMULATED_KINDS)}")

    objects, left_out = read_objects(args.objects)
    for kind, count in sorted(left_out.items()):
        print(f"kube-emulator: left out {count} object(s) of kind {kind}", file=sys.stderr)
    crds = set(EMULATED_KINDS) - set(args.missing_crd)
    emulator = KubeEmulator(objects, crds=crds, token=args.token, tls=bool(args.tls_dir), host=args.host,
                            port=args.port, tls_dir=args.tls_dir)

    stop_requested = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.set())
    signal.signal(signal.SIGINT, lambda *_: stop_requested.set())
    emulator.start()
    print(emulator.url, flush=True)
    if args.tls_dir:
        print(f"kube-emulator: CA certificate in {args.tls_dir}/ca.pem", file=sys.stderr, flush=True)
    try:
        while not stop_requested.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
