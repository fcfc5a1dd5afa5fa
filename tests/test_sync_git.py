"""
The sync engine over real Git repositories: samples, bad and hostile input, partial runs, and drift against a
cluster.
"""
import copy
import subprocess
from dataclasses import replace

import pytest

from core.choices import JobStatusChoices
from core.models import Job, ObjectChange
from extras.models import JournalEntry, Notification

from netbox_hedgehog.choices import SyncStatusChoices
from netbox_hedgehog.generator import FabricSpec, dump_yaml, generate_fabric
from netbox_hedgehog.jobs import enqueue_sync, run_scheduled_sync
from netbox_hedgehog.models import MODEL_BY_KIND, VPC, Switch
from netbox_hedgehog.notifications import SYNC_FAILED
from netbox_hedgehog.schemas import load_crd_manifests
from netbox_hedgehog.sync.runner import run_sync
from tests.helpers import (
    CLUSTER_TOKEN,
    billion_laughs,
    cluster_fabric,
    git_fabric,
    lab_objects,
    plugin_settings,
    server_yaml,
    subscribe,
)
from tests.helpers import SAMPLES_DIR as SAMPLES
from tests.processes import NETBOX, netbox_env

pytestmark = pytest.mark.django_db
LAB = "lab-ci_env-ci-1_wiring.yaml"


def copy_samples(remote, *names):
    for name in names:
        remote.write(f"wiring/{name}", (SAMPLES / name).read_text())
    return remote.commit("samples")


def stored_counts(fabric):
    counts = {kind: model.objects.filter(fabric=fabric).count() for kind, model in MODEL_BY_KIND.items()}
    return {kind: count for kind, count in counts.items() if count}


@pytest.mark.parametrize("files, expected", [
    ([LAB, "lab-ci_env-ci-1_wiring-gateway.yaml"],
     {"VLANNamespace": 1, "IPv4Namespace": 1, "SwitchGroup": 3, "Switch": 6, "Server": 8, "External": 3,
      "ExternalAttachment": 5, "GatewayGroup": 1, "Gateway": 2, "Connection": 26}),
    (["lab-ci_env-ci-1_wiring_mclag-variant.yaml"],
     {"VLANNamespace": 1, "IPv4Namespace": 1, "SwitchGroup": 3, "Switch": 6, "Server": 8, "External": 3,
      "ExternalAttachment": 5, "Connection": 25}),
], ids=["lab-ci-with-gateway", "lab-ci-mclag"])
def test_samples_import_with_the_right_count_of_each_kind(remote, files, expected):
    commit = copy_samples(remote, *files)
    fabric = git_fabric(remote)
    result = run_sync(fabric)
    assert result.ok, result.error
    assert stored_counts(fabric) == expected
    assert result.git_commit == commit
    switch = Switch.objects.filter(fabric=fabric).first()
    assert switch.origin == "git" and switch.git_commit == commit and switch.git_file.startswith("wiring/")
    static = MODEL_BY_KIND["ExternalAttachment"].objects.get(fabric=fabric, name="ds3000-03--static-ext")
    assert static.is_static
    if "mclag" in files[0]:
        types = set(MODEL_BY_KIND["Connection"].objects.filter(fabric=fabric).values_list("connection_type",
                                                                                           flat=True))
        assert {"mclag", "mclagDomain"} <= types
    else:
        assert result.skipped_kinds == {}
        gateway = MODEL_BY_KIND["Gateway"].objects.get(fabric=fabric, name="gateway-1")
        assert (gateway.interface_count, gateway.groups, gateway.git_file) == (
            1, [], "wiring/lab-ci_env-ci-1_wiring-gateway.yaml")
        connection = MODEL_BY_KIND["Connection"].objects.get(fabric=fabric, name="ds4000-01--gateway--gateway-1")
        assert connection.devices == ["ds4000-01", "gateway-1"]


def test_agent_sample_is_an_ignored_kind(remote):
    copy_samples(remote, LAB, "fabric-testdata_agent_l3vni-leaf-01.yaml")
    fabric = git_fabric(remote)
    result = run_sync(fabric)
    assert result.ok and "Agent" in result.skipped_kinds


def test_dangling_references_fail_the_run_and_change_nothing(remote):
    copy_samples(remote, LAB)
    fabric = git_fabric(remote)
    assert run_sync(fabric).ok
    before = stored_counts(fabric)
    copy_samples(remote, "demo-gitops_env-1_pre-demo.yaml", "demo-gitops_env-1_demo.yaml")
    result = run_sync(fabric)
    assert not result.ok
    dangling = [p for p in result.problems if p["kind"] == "VPCAttachment"]
    assert {p["name"] for p in dangling} == {"demo-vpc-1--server-1--mclag--s5248-01--s5248-02",
                                             "demo-vpc-2--server-4--unbundled--s5248-02",
                                             "demo-vpc-3--server-3--bundled--s5248-01"}
    assert all(p["file"].startswith("wiring/demo-gitops") and p["document"] for p in dangling)
    assert "server-1--mclag--s5248-01--s5248-02" in result.error
    assert stored_counts(fabric) == before
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.ERROR and "nothing was changed" in fabric.sync_error


def test_skip_invalid_objects_syncs_the_valid_ones_and_marks_the_run_partial(remote):
    copy_samples(remote, LAB, "demo-gitops_env-1_pre-demo.yaml", "demo-gitops_env-1_demo.yaml")
    fabric = git_fabric(remote, skip_invalid_objects=True)
    result = run_sync(fabric)
    assert result.outcome == "partial"
    counts = stored_counts(fabric)
    assert counts["VPC"] == 3 and counts["VPCPeering"] == 1 and counts["ExternalPeering"] == 1
    assert "VPCAttachment" not in counts
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.OUT_OF_SYNC and fabric.last_sync is not None


BAD_INPUT = {
    "malformed": ("bad.yaml", "kind: Switch\nmetadata: {name: [unclosed\n", "bad.yaml"),
    "unknown kind": ("bad.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", "Widget"),
    "duplicate": ("dup.yaml", "apiVersion: wiring.githedgehog.com/v1beta1\nkind: Switch\nmetadata: {name: ds3000-01}\n"
                  "spec: {role: server-leaf}\n", "ds3000-01"),
    "huge file": ("huge.yaml", None, "huge.yaml"),
    "gateway connection without its gateway": (
        "gw.yaml", "apiVersion: wiring.githedgehog.com/v1beta1\nkind: Connection\nmetadata: {name: to-gw}\n"
        "spec: {gateway: {links: [{gateway: {port: gateway-9/enp2s1}, switch: {port: ds4000-01/E1/30}}]}}\n",
        "no Gateway 'gateway-9'"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_fails_with_a_problem_list_and_changes_nothing(remote, case):
    copy_samples(remote, LAB)
    fabric = git_fabric(remote)
    assert run_sync(fabric).ok
    before = stored_counts(fabric)
    changes_before = ObjectChange.objects.count()
    name, content, expected = BAD_INPUT[case]
    if content is None:  # 50 MB: over the 10 MB default limit, refused without being parsed
        content = "# padding\n" * (5 * 1024 * 1024)
    remote.write(f"wiring/{name}", content)
    remote.write(f"wiring/{LAB}", (SAMPLES / LAB).read_text().replace("leaf-1", "changed leaf"))
    remote.commit(case)
    result = run_sync(fabric)
    assert not result.ok
    assert any(expected in f"{p['file']} {p['kind']} {p['name']} {p['message']}" for p in result.problems)
    assert stored_counts(fabric) == before
    assert Switch.objects.get(fabric=fabric, name="ds3000-01").description == "leaf-1"
    assert ObjectChange.objects.count() == changes_before


def test_git_failure_changes_nothing(remote):
    copy_samples(remote, LAB)
    fabric = git_fabric(remote)
    assert run_sync(fabric).ok
    before = stored_counts(fabric)
    fabric.git_branch = "no-such-branch"
    fabric.save()
    result = run_sync(fabric)
    assert not result.ok and "no-such-branch" in result.error
    assert stored_counts(fabric) == before


def hydrated(objects):
    """What a cluster holds for the same wiring: defaulting labels, hydrated fields, server-side metadata."""
    cluster = copy.deepcopy(objects)
    for obj in cluster:
        obj["metadata"].setdefault("namespace", "default")
        obj["metadata"].setdefault("labels", {})["fabric.githedgehog.com/managed"] = "true"
        if obj["kind"] == "Switch":
            obj["spec"]["asn"] = 65101
    return cluster


def test_both_sources_show_drift(remote, kube_emulator):
    objects = lab_objects()
    copy_samples(remote, LAB, "demo-gitops_env-1_pre-demo.yaml")
    cluster_objects = hydrated(objects)
    changed = next(o for o in cluster_objects if o["metadata"]["name"] == "ds3000-02")
    changed["spec"]["description"] = "edited on the cluster"
    cluster_objects = [o for o in cluster_objects if o["metadata"]["name"] != "server-8"]
    cluster_objects.append({"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "SwitchGroup",
                            "metadata": {"name": "cluster-only", "namespace": "default"}, "spec": {}})
    cluster = kube_emulator(cluster_objects)
    fabric = git_fabric(remote, kubernetes_server=cluster.url, kubernetes_token=CLUSTER_TOKEN,
                        kubernetes_ca_cert=cluster.ca_pem, skip_invalid_objects=True)
    result = run_sync(fabric)
    assert result.ok
    drift = dict(Switch.objects.filter(fabric=fabric).values_list("name", "drift"))
    assert drift["ds3000-02"] == "differs" and drift["ds3000-01"] == "in_sync"
    assert MODEL_BY_KIND["Server"].objects.get(fabric=fabric, name="server-8").drift == "only_in_git"
    assert MODEL_BY_KIND["SwitchGroup"].objects.get(fabric=fabric, name="cluster-only").drift == "only_in_cluster"
    assert VPC.objects.get(fabric=fabric, name="demo-vpc-1").drift == "only_in_git"
    assert result.drift_count == 3 + VPC.objects.filter(fabric=fabric).count()
    leaf = Switch.objects.get(fabric=fabric, name="ds3000-02")
    assert leaf.origin == "both" and leaf.spec["description"] == "edited on the cluster"
    assert leaf.git_spec["description"] == "leaf-2" and leaf.asn == 65101
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.OUT_OF_SYNC


def test_the_controllers_switch_profiles_are_not_drift(remote, kube_emulator):
    # The fabric controller creates its catalog of switch profiles in the cluster; Git does not hold them.
    spec = FabricSpec(spines=1, leaves=2, servers_per_leaf=1, vpcs=1, externals=0)
    remote.write("wiring/fabric.yaml", dump_yaml(generate_fabric(spec)))
    remote.commit("wiring")
    server_profile = {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "ServerProfile",
                      "metadata": {"name": "kubectl-applied", "namespace": "default"},
                      "spec": {"nics": [{"name": "nic1", "ports": [{"name": "enp2s1"}]}]}}
    cluster = kube_emulator(generate_fabric(replace(spec, profiles=True)))
    fabric = git_fabric(remote, kubernetes_server=cluster.url, kubernetes_token=CLUSTER_TOKEN,
                        kubernetes_ca_cert=cluster.ca_pem)
    result = run_sync(fabric)
    assert result.ok, result.error
    assert result.drift_count == 0
    profiles = MODEL_BY_KIND["SwitchProfile"].objects.filter(fabric=fabric)
    assert sorted(profiles.values_list("name", "origin", "drift")) == [
        ("celestica-ds3000", "cluster", ""), ("celestica-ds4000", "cluster", "")]
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.IN_SYNC

    # Any other kind only in the cluster is drift, a ServerProfile too.
    cluster.upsert(server_profile)
    result = run_sync(fabric)
    assert result.ok and result.drift_count == 1
    assert MODEL_BY_KIND["ServerProfile"].objects.get(fabric=fabric).drift == "only_in_cluster"


# --- hostile Git content: every run ends failed (or partial), never errored, never left syncing --------------

def _symlink_loop(remote):
    (remote.work / "wiring" / "hostile.yaml").symlink_to("hostile.yaml")


def _switch(spec):
    return f"apiVersion: wiring.githedgehog.com/v1beta1\nkind: Switch\nmetadata: {{name: bad}}\nspec: {spec}\n"


HOSTILE = {
    "billion laughs": (billion_laughs(5), "expands to more than 100000 YAML nodes"),
    "deep nesting": ("[" * 50_000, "nests deeper than 64 levels"),
    "a million bytes of document markers": ("---\n" * 250_000, "more than 10000 YAML documents"),
    "alias inside itself": (server_yaml("bad", "x: &me [*me]"), "would contain itself"),
    "date": (server_yaml("bad", "description: 2024-01-01"), "spec.description: a date"),
    "timestamp key": (server_yaml("bad", "2024-01-01T10:00:00Z: x"), "spec: the key 2024-01-01T10:00:00+00:00"),
    "binary": (server_yaml("bad", "description: !!binary aGk="), "binary data (!!binary)"),
    "set": (server_yaml("bad", "description: !!set {a}"), "a set (!!set)"),
    "nan": (server_yaml("bad", "description: .nan"), "nan is not a finite number"),
    "NUL": (server_yaml("bad", 'description: "a\\0b"'), "holds a NUL character"),
    "NUL in the name and the kind": ('apiVersion: wiring.githedgehog.com/v1beta1\nkind: "Ser\\0ver"\n'
                                     'metadata: {name: "b\\0ad"}\n', "unknown kind 'Ser\\x00ver'"),
    "huge integer": (_switch("{role: spine, asn: 123456789012345678901234}"), "does not fit in 64 bits"),
    "integer of 5000 digits": (_switch("{role: spine, asn: " + "9" * 5000 + "}"), "integer has thousands of digits"),
    "impossible date": (server_yaml("bad", "description: 2024-02-30"), "day is out of range for month"),
    "name longer than the column": (server_yaml("n" * 300), "metadata.name: "),
    "redundancy of the wrong type": (_switch("{role: server-leaf, redundancy: mclag-1}"),
                                     "spec.redundancy: 'mclag-1' is not of type 'object'"),
    "subnets of the wrong type": ("apiVersion: vpc.githedgehog.com/v1beta1\nkind: VPC\nmetadata: {name: bad}\n"
                                  "spec: {subnets: [10.0.0.0/24]}\n", "spec.subnets: ['10.0.0.0/24'] is not of type"),
    "unknown field": (server_yaml("bad", "descripton: typo"), "('descripton' was unexpected)"),
    "enum": (_switch("{role: leaf}"), "spec.role: 'leaf' is not one of"),
    "symlink loop": (_symlink_loop, "symlink loop; not read"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_git_content_fails_the_run_cleanly_and_goes_partial_when_skipping(remote, operator, case):
    user, group = operator
    subscribe(group, SYNC_FAILED)
    copy_samples(remote, LAB)
    fabric = git_fabric(remote)
    assert run_sync(fabric).ok
    before, changes_before = stored_counts(fabric), ObjectChange.objects.count()
    content, expected = HOSTILE[case]
    if callable(content):
        content(remote)
    else:
        remote.write("wiring/hostile.yaml", content)
    remote.write(f"wiring/{LAB}", (SAMPLES / LAB).read_text().replace("leaf-1", "changed leaf"))
    remote.commit(case)

    result = run_sync(fabric)
    assert result.outcome == "failed"
    assert [p["file"] for p in result.problems] == ["wiring/hostile.yaml"], result.problems
    assert expected in result.problems[0]["message"], result.problems
    assert stored_counts(fabric) == before and ObjectChange.objects.count() == changes_before
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.ERROR and expected in fabric.sync_error
    assert JournalEntry.objects.filter(assigned_object_id=fabric.pk, comments__startswith="Sync failed").count() == 1
    assert Notification.objects.filter(user=user, event_type=SYNC_FAILED, object_id=fabric.pk).count() == 1

    fabric.skip_invalid_objects = True
    fabric.save()
    result = run_sync(fabric)
    assert result.outcome == "partial" and expected in result.problems[0]["message"]
    assert Switch.objects.get(fabric=fabric, name="ds3000-01").description == "changed leaf"
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.OUT_OF_SYNC


def test_numbers_out_of_range_are_problems_in_git_and_empty_columns_from_a_cluster(remote, kube_emulator):
    odd = [
        {"apiVersion": "gateway.githedgehog.com/v1alpha1", "kind": "Gateway", "metadata": {"name": "gw-big"},
         "spec": {"asn": 2**40}},
        {"apiVersion": "gateway.githedgehog.com/v1alpha1", "kind": "Gateway", "metadata": {"name": "gw-bool"},
         "spec": {"asn": True}},
        {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Switch", "metadata": {"name": "sw-big"},
         "spec": {"role": "spine", "asn": 2**64}},
    ]
    # From Git: each is a problem of its own object, named, and nothing is stored.
    remote.write("wiring/odd.yaml", odd)
    remote.commit("odd numbers")
    result = run_sync(git_fabric(remote))
    assert not result.ok and result.error.startswith("3 problem(s)")
    assert {problem["name"] for problem in result.problems} == {"gw-big", "gw-bool", "sw-big"}
    # From a cluster, whose API server vouched for the objects: an ASN no column can hold (or that is no ASN)
    # leaves the column empty and the spec keeps it, instead of failing the run's transaction.
    cluster = kube_emulator(odd[:2] + [{**odd[2], "spec": {"role": "spine", "asn": 2**33}}])
    fabric = cluster_fabric(cluster, name="odd-cluster")
    result = run_sync(fabric)
    assert result.ok, result.error
    gateways = MODEL_BY_KIND["Gateway"].objects.filter(fabric=fabric)
    assert dict(gateways.values_list("name", "asn")) == {"gw-big": None, "gw-bool": None}
    assert gateways.get(name="gw-big").spec["asn"] == 2**40
    assert Switch.objects.get(fabric=fabric, name="sw-big").asn is None


@pytest.mark.parametrize("setting, value, message", [
    ("git_max_objects", 20, "hold more than 20 objects (setting git_max_objects)"),
    ("git_max_bytes", 10_000, "hold more than 10000 bytes (setting git_max_bytes)"),
    ("git_max_nodes", 500, "expand to more than 500 YAML nodes (setting git_max_nodes)"),
], ids=["objects", "bytes", "nodes"])
def test_a_load_over_a_limit_fails_even_when_skipping_invalid_objects(remote, setting, value, message):
    copy_samples(remote, LAB)
    fabric = git_fabric(remote, skip_invalid_objects=True)
    assert run_sync(fabric).ok
    before = stored_counts(fabric)
    remote.write(f"wiring/{LAB}", (SAMPLES / LAB).read_text().replace("leaf-1", "changed leaf"))
    remote.commit("more")
    with plugin_settings(**{setting: value}):
        result = run_sync(fabric)
    assert result.outcome == "failed" and message in result.error
    assert stored_counts(fabric) == before
    assert Switch.objects.get(fabric=fabric, name="ds3000-01").description == "leaf-1"
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.ERROR and fabric.connection_status == "error"


def test_git_objects_are_checked_against_the_crds_of_the_fabrics_cluster(remote, kube_emulator):
    crd = copy.deepcopy(load_crd_manifests()["Server"])
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["rack"] = {
        "type": "string"}
    copy_samples(remote, LAB)
    remote.write("wiring/racked.yaml", server_yaml("racked", "rack: r7"))
    remote.commit("a field the cluster's CRD has")
    served = kube_emulator(hydrated(lab_objects()), crd_manifests={"Server": crd})
    fabric = git_fabric(remote, kubernetes_server=served.url, kubernetes_token=CLUSTER_TOKEN,
                        kubernetes_ca_cert=served.ca_pem)
    result = run_sync(fabric)
    assert result.ok and result.problems == [], result.error
    racked = MODEL_BY_KIND["Server"].objects.get(fabric=fabric, name="racked")
    assert racked.drift == "only_in_git" and racked.spec == {"rack": "r7"}

    shipped_only = kube_emulator(hydrated(lab_objects()), crds_readable=False)
    fabric.kubernetes_server, fabric.kubernetes_ca_cert = shipped_only.url, shipped_only.ca_pem
    fabric.save()
    result = run_sync(fabric)
    assert not result.ok
    assert [(p["kind"], p["name"]) for p in result.problems] == [("Server", "racked")]
    assert "('rack' was unexpected)" in result.problems[0]["message"]


def test_an_unexpected_error_ends_the_run_failed_not_syncing(remote, operator, monkeypatch):
    user, group = operator
    subscribe(group, SYNC_FAILED)
    copy_samples(remote, LAB)
    fabric = git_fabric(remote)

    def broken_plan(*args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr("netbox_hedgehog.sync.runner.plan_changes", broken_plan)
    result = run_sync(fabric)
    assert result.outcome == "failed"
    assert result.error == "the run stopped on an unexpected error (TypeError); the worker's log has the details"
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.ERROR and stored_counts(fabric) == {}
    assert Notification.objects.filter(user=user, event_type=SYNC_FAILED).count() == 1


@pytest.mark.usefixtures("clean_redis")
def test_a_scheduled_run_of_hostile_content_is_a_failed_job_not_an_errored_one(remote):
    remote.write("wiring/hostile.yaml", "[" * 50_000)
    remote.write("wiring/laughs.yaml", billion_laughs(8))
    remote.write("wiring/nul.yaml", server_yaml('"b\\0ad"'))  # the run's record quotes the name: still storable
    remote.commit("hostile")
    fabric = git_fabric(remote)
    outcome = run_scheduled_sync(fabric_id=fabric.pk)
    job = Job.objects.get(pk=outcome["job"])
    assert job.status == JobStatusChoices.STATUS_FAILED
    assert job.data["outcome"] == "failed" and len(job.data["problems"]) == 3
    assert [p["name"] for p in job.data["problems"] if p["file"] == "wiring/nul.yaml"] == ["b\\x00ad"]
    assert "nests deeper than 64 levels" in job.error and "expands to more than 100000 YAML nodes" in job.error


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_redis")
def test_a_real_worker_survives_content_that_crashed_the_yaml_extension(remote):
    """50,000 nested brackets segfaulted the work-horse in the YAML C extension; 10^8 laughs never finished."""
    remote.write("wiring/hostile.yaml", "[" * 50_000)
    remote.write("wiring/laughs.yaml", billion_laughs(8))
    remote.commit("hostile")
    fabric = git_fabric(remote, name="hostile", scheduler_enabled=False)
    try:
        job, _created = enqueue_sync(fabric)
        worker = subprocess.run([NETBOX, "rqworker", "--burst", "high"], env=netbox_env(), capture_output=True,
                                text=True, timeout=300)
        assert worker.returncode == 0, worker.stdout + worker.stderr
        job.refresh_from_db()
        assert job.status == JobStatusChoices.STATUS_FAILED, (job.error, job.data)
        assert "nests deeper than 64 levels" in job.error
        fabric.refresh_from_db()
        assert fabric.sync_status == SyncStatusChoices.ERROR
    finally:
        Job.objects.filter(object_id=fabric.pk).delete()
        fabric.delete()
