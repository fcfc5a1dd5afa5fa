"""
Sync benchmark: a generated fabric of ~10,000 objects served by the in-process Kubernetes API
emulator, synced over HTTP by the real `kubernetes` client.

For the plugin's run_sync and for a naive per-object `update_or_create` loop (the predecessor's
approach) it prints seconds, objects per second and write statements for: the first import, a
re-sync with nothing changed, and a re-sync with 1% of the objects changed.

    NETBOX_CONFIGURATION=tests.netbox_configuration PYTHONPATH=. .venv/bin/python benchmarks/sync.py

It works on a scratch copy of the test database (created from `test_netbox_hedgehog` if missing)
and removes what it created. Timings are printed, never asserted; it exits non-zero only when
a result is functionally wrong (wrong counts, duplicates, changes not applied, writes on the
unchanged re-sync).
"""
import argparse
import os
import re
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DEFAULT_DB, setup_django, table  # noqa: E402

FABRIC_PREFIX = "bench-sync-"
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.I)
FABRIC_TABLE = "netbox_hedgehog_hedgehogfabric"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=10_000, help="approximate fabric size (default 10000)")
    parser.add_argument("--changed", type=float, default=1.0, help="percent of objects changed (default 1)")
    parser.add_argument("--db", default=os.environ.get("HEDGEHOG_BENCH_DB", DEFAULT_DB),
                        help=f"scratch database, copied from the test database if missing (default {DEFAULT_DB})")
    parser.add_argument("--profile", metavar="DIR",
                        help="write pyinstrument profiles (text) of every phase into DIR")
    parser.add_argument("--skip-naive", action="store_true", help="measure run_sync only")
    return parser.parse_args()


class WriteCounter:
    """Counts INSERT/UPDATE/DELETE statements by table (a connection execute wrapper: unlike
    CaptureQueriesContext it is not capped at 9,000 queries and formats no SQL)."""

    def __init__(self):
        self.by_table = Counter()
        self.total = 0

    def __call__(self, execute, sql, params, many, context):
        self.total += 1
        match = _WRITE.match(sql)
        if match:
            self.by_table[match.group(2).lower()] += 1
        return execute(sql, params, many, context)

    def buckets(self):
        fabric = self.by_table.get(FABRIC_TABLE, 0)
        changelog = self.by_table.get("core_objectchange", 0)
        objects = sum(n for t, n in self.by_table.items() if t.startswith("netbox_hedgehog_") and t != FABRIC_TABLE)
        search = self.by_table.get("extras_cachedvalue", 0)
        other = sum(self.by_table.values()) - fabric - changelog - objects - search
        return {"fabric": fabric, "objects": objects, "changelog": changelog, "search": search, "other": other}


@contextmanager
def measured(profile_dir=None, label=""):
    from django.db import connection

    counter = WriteCounter()
    profiler = None
    if profile_dir:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    stats = {}
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        yield stats
        stats["seconds"] = time.perf_counter() - started
    stats["writes"] = counter.buckets()
    stats["queries"] = counter.total
    if profiler:
        profiler.stop()
        path = Path(profile_dir) / f"{label}.txt"
        path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))


# --- the naive predecessor ---------------------------------------------------------------------------------------

def naive_sync(fabric, request_id):
    """
    The predecessor's approach, functionally equivalent to run_sync for a Kubernetes-only fabric: the same
    source, the same fields, one transaction; but per object an update_or_create() (a SELECT ... FOR UPDATE and
    an INSERT or a full UPDATE, search cache refreshed by NetBox's post_save receiver) and one ObjectChange
    saved per object written, then a delete (with its ObjectChange) of each object gone from the source.
    """
    from django.db import transaction

    from core.choices import ObjectChangeActionChoices as Action

    from netbox_hedgehog.choices import ConnectionStatusChoices, SyncStatusChoices
    from netbox_hedgehog.models import HEDGEHOG_MODELS
    from netbox_hedgehog.sync.merge import merge_snapshots
    from netbox_hedgehog.sync.sources import fabric_sources

    def log(instance, action):
        change = instance.to_objectchange(action)
        change.user_name = "netbox-hedgehog"
        change.request_id = request_id
        change.save()

    fabric.set_sync_state(SyncStatusChoices.SYNCING)
    (source,) = fabric_sources(fabric)
    cluster = source.load()
    fabric.set_connection_state(ConnectionStatusChoices.CONNECTED)
    rows = merge_snapshots(None, cluster)
    counts = Counter()
    with transaction.atomic():
        for model in HEDGEHOG_MODELS:
            seen = []
            for (namespace, name), row in rows.get(model.KIND, {}).items():
                defaults = {**row.fields, **model.column_values(row.fields["spec"]), "git_commit": row.git_commit}
                del defaults["name"], defaults["namespace"]
                instance, created = model.objects.update_or_create(fabric=fabric, namespace=namespace, name=name,
                                                                   defaults=defaults)
                log(instance, Action.ACTION_CREATE if created else Action.ACTION_UPDATE)
                counts["created" if created else "updated"] += 1
                seen.append(instance.pk)
            for instance in model.objects.filter(fabric=fabric).exclude(pk__in=seen):
                instance.snapshot()
                log(instance, Action.ACTION_DELETE)
                instance.delete()
                counts["deleted"] += 1
    fabric.set_sync_state(SyncStatusChoices.IN_SYNC)
    return counts


# --- checks and helpers --------------------------------------------------------------------------------------------

COMPARED_FIELDS = ("namespace", "name", "labels", "annotations", "spec", "status", "origin", "drift")


def stored_state(fabric):
    from netbox_hedgehog.models import HEDGEHOG_MODELS

    return {model.KIND: {tuple(str(v) for v in row) for row in
                         model.objects.filter(fabric=fabric).values_list(*COMPARED_FIELDS)}
            for model in HEDGEHOG_MODELS}


def check_state(fabric, expected_counts, changed_keys, marker, problems, label):
    from django.db.models import Count

    from netbox_hedgehog.models import HEDGEHOG_MODELS

    for model in HEDGEHOG_MODELS:
        qs = model.objects.filter(fabric=fabric)
        count = qs.count()
        if count != expected_counts.get(model.KIND, 0):
            wanted = expected_counts.get(model.KIND, 0)
            problems.append(f"{label}: {model.KIND} has {count} objects, the source {wanted}")
        duplicates = qs.values("namespace", "name").annotate(n=Count("pk")).filter(n__gt=1).count()
        if duplicates:
            problems.append(f"{label}: {duplicates} duplicated {model.KIND} names")
    if marker is not None:
        from netbox_hedgehog.models import MODEL_BY_KIND

        for kind, name in changed_keys:
            annotations = MODEL_BY_KIND[kind].objects.get(fabric=fabric, name=name).annotations
            if annotations.get("bench.githedgehog.com/changed") != marker:
                problems.append(f"{label}: change to {kind} {name} not applied")
                break


def change_objects(emulator, objects, percent, marker):
    """Change `percent`% of the objects (spread over every kind) in the emulator: a new annotation."""
    step = max(1, round(100 / percent))
    changed = []
    for manifest in objects[::step]:
        updated = {**manifest, "metadata": {**manifest["metadata"],
                                            "annotations": {"bench.githedgehog.com/changed": marker}}}
        emulator.upsert(updated)
        changed.append((manifest["kind"], manifest["metadata"]["name"]))
    return changed


def remove_fabric(fabric, request_ids):
    """Delete what the benchmark created. Raw deletes (no per-object signals): this is clean-up, not measured."""
    from django.db import DatabaseError, transaction

    from core.models import ObjectChange, ObjectType
    from extras.models import CachedValue

    from netbox_hedgehog.models import HEDGEHOG_MODELS

    ObjectChange.objects.filter(request_id__in=request_ids)._raw_delete("default")
    for model in reversed(HEDGEHOG_MODELS):
        objects = model.objects.filter(fabric=fabric)
        CachedValue.objects.filter(object_type=ObjectType.objects.get_for_model(model),
                                   object_id__in=objects.values("pk"))._raw_delete("default")
        try:
            with transaction.atomic():
                objects._raw_delete("default")
        except DatabaseError:
            objects.delete()
    fabric.delete()


def remove_leftovers():
    """Fabrics, objects and change-log entries left by an interrupted earlier run (in the scratch database)."""
    from core.models import ObjectChange, ObjectType

    from netbox_hedgehog.models import HEDGEHOG_MODELS, HedgehogFabric

    for fabric in HedgehogFabric.objects.filter(name__startswith=FABRIC_PREFIX):
        for model in reversed(HEDGEHOG_MODELS):
            model.objects.filter(fabric=fabric).delete()
        fabric.delete()
    for model in HEDGEHOG_MODELS:
        ObjectChange.objects.filter(changed_object_type=ObjectType.objects.get_for_model(model),
                                    user_name="netbox-hedgehog").exclude(
            changed_object_id__in=model.objects.values("pk")).delete()


def make_fabric(emulator, label):
    from netbox_hedgehog.models import HedgehogFabric

    return HedgehogFabric.objects.create(name=f"{FABRIC_PREFIX}{label}-{os.getpid()}", kubernetes_server=emulator.url,
                                         scheduler_enabled=False)


# --- main ------------------------------------------------------------------------------------------------------------

def run_approach(name, fabric, emulator, objects, args, sync, problems, request_ids):
    """The three phases for one approach; returns (rows for the table, final state)."""
    expected = Counter(manifest["kind"] for manifest in objects)
    results = []
    marker = f"{name}-{uuid.uuid4().hex[:8]}"
    for phase in ("first import", "unchanged re-sync", f"{args.changed:g}% changed re-sync"):
        changed = []
        if phase.endswith("% changed re-sync"):
            changed = change_objects(emulator, objects, args.changed, marker)
        request_id = uuid.uuid4()
        request_ids.append(request_id)
        with measured(args.profile, f"{name}-{phase.replace(' ', '-').replace('%', 'pct')}") as stats:
            counts = sync(fabric, request_id)
        check_state(fabric, expected, changed, marker if changed else None, problems, f"{name}, {phase}")
        if phase == "unchanged re-sync":
            object_writes = stats["writes"]["objects"] + stats["writes"]["changelog"] + stats["writes"]["search"]
            if name == "run_sync" and (object_writes or counts.get("created") or counts.get("updated")
                                       or counts.get("deleted")):
                problems.append(f"{name}, {phase}: {object_writes} object/change-log writes, counts {dict(counts)}")
        if phase.endswith("% changed re-sync") and name == "run_sync" and counts.get("updated") != len(changed):
            problems.append(f"{name}, {phase}: {counts.get('updated')} updated, {len(changed)} changed")
        w = stats["writes"]
        results.append([name, phase, stats["seconds"], len(objects) / stats["seconds"],
                        counts.get("created", 0), counts.get("updated", 0), counts.get("deleted", 0),
                        sum(w.values()), w["objects"], w["changelog"], w["search"], w["fabric"], w["other"],
                        stats["queries"]])
        print(f"  {name}, {phase}: {stats['seconds']:.1f}s", flush=True)
    return results, stored_state(fabric)


def main():
    args = parse_args()
    os.environ.setdefault("HEDGEHOG_REDIS_DB", "8")
    os.environ.setdefault("HEDGEHOG_REDIS_CACHE_DB", "7")
    setup_django(args.db)
    from django.conf import settings

    from netbox_hedgehog.generator import generate_fabric, spec_for_object_count
    from netbox_hedgehog.sync.runner import run_sync
    from tests.kube_emulator import KubeEmulator

    # Production settings log no queries; the test configuration has DEBUG on.
    settings.DEBUG = False
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    remove_leftovers()

    # A cluster holds the switch profiles its switches use, as the fabric controller keeps them.
    spec = replace(spec_for_object_count(args.objects), profiles=True)
    objects = generate_fabric(spec)
    print(f"fabric: {len(objects):,} objects ({spec.spines} spines, {spec.leaves} leaves, "
          f"{spec.servers_per_leaf} servers per leaf, {spec.vpcs} VPCs); database {args.db}", flush=True)

    def plugin_sync(fabric, request_id):
        result = run_sync(fabric, request_id=request_id)
        if not result.ok:
            raise RuntimeError(result.error)
        return result.totals()

    problems = []
    rows = []
    states = {}
    approaches = [("run_sync", plugin_sync)] + ([] if args.skip_naive else [("naive", naive_sync)])
    for name, sync in approaches:
        with KubeEmulator(objects) as emulator:
            fabric = make_fabric(emulator, name)
            request_ids = []
            try:
                results, states[name] = run_approach(name, fabric, emulator, objects, args, sync, problems,
                                                     request_ids)
                rows.extend(results)
            finally:
                remove_fabric(fabric, request_ids)

    print()
    table(["approach", "phase", "seconds", "objects/s", "created", "updated", "deleted", "writes",
           "obj writes", "changelog", "search", "fabric", "other", "queries"], rows,
          title="Sync of one fabric (writes = INSERT/UPDATE/DELETE statements; 'fabric' = status bookkeeping "
                "on netbox_hedgehog_hedgehogfabric)")

    if "naive" in states and states["naive"] != states["run_sync"]:
        differing = sorted(kind for kind in states["run_sync"] if states["run_sync"][kind] != states["naive"][kind])
        # The changed annotation carries a per-approach marker; compare with it stripped.
        strip = re.compile(r"(run_sync|naive)-[0-9a-f]{8}")
        if any({strip.sub("", str(r)) for r in states["run_sync"][k]} != {strip.sub("", str(r)) for r in
                                                                          states["naive"][k]} for k in differing):
            problems.append(f"run_sync and the naive loop stored different objects for {differing}")

    first = {r[0]: r[2] for r in rows if r[1] == "first import"}
    unchanged = {r[0]: r for r in rows if r[1] == "unchanged re-sync"}
    print()
    targets = [["unchanged re-sync: object/change-log/search writes", 0,
                unchanged["run_sync"][8] + unchanged["run_sync"][9] + unchanged["run_sync"][10]],
               ["unchanged re-sync: all writes (incl. fabric status)", 0, unchanged["run_sync"][7]],
               ["unchanged re-sync / first import", "<= 0.25", unchanged["run_sync"][2] / first["run_sync"]]]
    if "naive" in first:
        targets.append(["naive first import / run_sync first import", ">= 3", first["naive"] / first["run_sync"]])
    table(["target", "wanted", "measured"], targets, title="Targets")
    if problems:
        print("\nFUNCTIONAL PROBLEMS:\n  " + "\n  ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
