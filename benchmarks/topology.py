"""
Topology benchmark: the picture of a generated fabric of 100 switches and 1,056 servers (4 spines, 96 leaves
in ESLAG pairs, 11 servers per leaf, live agents with some ports down), synced into NetBox from the Kubernetes
API emulator, then drawn the way the fabric's Topology tab, its SVG download and the REST API draw it.

    NETBOX_CONFIGURATION=tests.netbox_configuration PYTHONPATH=. .venv/bin/python benchmarks/topology.py

Per phase it prints the median and the slowest of several rounds (after a warm-up round), and the queries:
loading the fabric's objects, the layout, the SVG, all three together, and whole requests through Django (the
tab's page, the download, the API's JSON and SVG). It works on a scratch copy of the test database and
removes what it created. Timings are printed, never asserted; it exits non-zero only when the picture is
functionally wrong (missing nodes, wrong links down, a query count that is not the fixed one).
"""
import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DEFAULT_DB, setup_django, table  # noqa: E402

FABRIC_PREFIX = "bench-topology-"
USER = "bench-topology"
# The first port of each of the first leaves is down (its uplink to spine-01): that many links must be drawn down.
DOWN_LEAVES = 10
LOAD_QUERIES = 9


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spines", type=int, default=4)
    parser.add_argument("--leaves", type=int, default=96)
    parser.add_argument("--servers-per-leaf", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per phase (default 5)")
    parser.add_argument("--db", default=os.environ.get("HEDGEHOG_BENCH_DB", DEFAULT_DB),
                        help=f"scratch database, copied from the test database if missing (default {DEFAULT_DB})")
    return parser.parse_args()


def timed(rounds, function):
    """(median seconds, slowest seconds, queries of the last round, last result) of `rounds` calls after one more."""
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    function()  # a warm-up round, not counted: the first call in a process resolves URL patterns, loads templates
    seconds = []
    result = None
    for _round in range(rounds):
        queries.clear()
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            result = function()
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), max(seconds), len(queries), result


def main():
    args = parse_args()
    os.environ.setdefault("HEDGEHOG_REDIS_DB", "8")
    os.environ.setdefault("HEDGEHOG_REDIS_CACHE_DB", "7")
    setup_django(args.db)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from benchmarks.sync import remove_fabric
    from netbox_hedgehog.generator import FabricSpec, generate_agents, generate_fabric
    from netbox_hedgehog.models import HedgehogFabric
    from netbox_hedgehog.sync.runner import run_sync
    from netbox_hedgehog.topology import build_topology, load_fabric, render_svg
    from netbox_hedgehog.topology.layout import LINK_DOWN
    from tests.kube_emulator import KubeEmulator

    settings.DEBUG = False  # production settings log no queries; the test configuration has DEBUG on
    settings.ALLOWED_HOSTS = ["*"]
    User = get_user_model()
    for fabric in HedgehogFabric.objects.filter(name__startswith=FABRIC_PREFIX):
        remove_fabric(fabric, [])
    User.objects.filter(username=USER).delete()

    spec = FabricSpec(name="bench", spines=args.spines, leaves=args.leaves, servers_per_leaf=args.servers_per_leaf,
                      vpcs=args.leaves // 2, subnets_per_vpc=2, externals=2)
    objects = generate_fabric(spec)
    leaves = [o["metadata"]["name"] for o in objects if o["kind"] == "Switch" and o["spec"]["role"] != "spine"]
    down_ports = [f"{leaf}/E1/1" for leaf in leaves[:DOWN_LEAVES]]
    objects += generate_agents(objects, now=datetime.now(UTC), down_ports=down_ports)
    switches = spec.spines + spec.leaves
    servers = spec.leaves * spec.servers_per_leaf
    print(f"fabric: {switches} switches ({spec.spines} spines, {spec.leaves} leaves), {servers:,} servers, "
          f"{len(objects):,} objects with the agents; {len(down_ports)} ports down; database {args.db}", flush=True)

    request_id = uuid.uuid4()
    user = User.objects.create_superuser(USER, "bench@example.invalid", uuid.uuid4().hex)
    problems = []
    with KubeEmulator(objects) as emulator:
        fabric = HedgehogFabric.objects.create(name=f"{FABRIC_PREFIX}{os.getpid()}", kubernetes_server=emulator.url,
                                               scheduler_enabled=False)
        try:
            started = time.perf_counter()
            result = run_sync(fabric, request_id=request_id)
            print(f"synced in {time.perf_counter() - started:.1f} s (not part of the figures)\n", flush=True)
            if not result.ok:
                raise RuntimeError(result.error)
            rows, topology, svg = measure(args.rounds, fabric, user, problems, Client, reverse,
                                          load_fabric, build_topology, render_svg)
        finally:
            remove_fabric(fabric, [request_id])
            user.delete()

    summary = topology.summary
    table(["phase", "median s", "slowest s", "queries"], rows,
          title=f"Topology of {summary['switches']} switches, {summary['servers']:,} servers, "
                f"{summary['links']:,} links ({len(topology.nodes):,} nodes, picture {topology.width:,} x "
                f"{topology.height:,} px, SVG {len(svg) / 1e6:.1f} MB), {args.rounds} rounds")
    if summary["switches"] != switches or summary["servers"] != servers:
        problems.append(f"drew {summary['switches']} switches and {summary['servers']} servers, not {switches} and "
                        f"{servers}")
    down = sorted(link.problems[0].split()[0] for link in topology.links if link.state == LINK_DOWN)
    if down != sorted(down_ports):
        problems.append(f"links down for {down}, expected {sorted(down_ports)}")
    if problems:
        print("\nFUNCTIONAL PROBLEMS:\n  " + "\n  ".join(problems))
        return 1
    return 0


def measure(rounds, fabric, user, problems, client_class, reverse, load_fabric, build_topology, render_svg):
    data = load_fabric(fabric, user)
    rows = []

    def row(label, function):
        median, slowest, queries, result = timed(rounds, function)
        rows.append([label, median, slowest, queries])
        return result, queries

    _data, queries = row("load the fabric's objects", lambda: load_fabric(fabric, user))
    if queries != LOAD_QUERIES:
        problems.append(f"loading took {queries} queries, not {LOAD_QUERIES}")
    topology, _queries = row("layout", lambda: build_topology(data))
    svg, _queries = row("SVG", lambda: render_svg(topology))
    row("load + layout + SVG", lambda: render_svg(build_topology(load_fabric(fabric, user))))

    client = client_class()
    client.force_login(user)
    tab = reverse("plugins:netbox_hedgehog:hedgehogfabric_topology", kwargs={"pk": fabric.pk})
    api = reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-topology", kwargs={"pk": fabric.pk})
    for label, url, params in (("Topology tab (whole page)", tab, {}), ("SVG download", tab, {"format": "svg"}),
                               ("REST API, JSON", api, {}), ("REST API, SVG", api, {"format": "svg"})):
        response, _queries = row(label, lambda url=url, params=params: client.get(url, params))
        if response.status_code != 200:
            problems.append(f"{label}: HTTP {response.status_code}")
    return rows, topology, svg


if __name__ == "__main__":
    sys.exit(main())
