"""The sync engine over real Git repositories: samples, bad input, partial runs, and drift against a cluster."""
import copy
from dataclasses import replace

import pytest

from core.models import ObjectChange

from netbox_hedgehog.choices import SyncStatusChoices
from netbox_hedgehog.generator import FabricSpec, dump_yaml, generate_fabric
from netbox_hedgehog.models import MODEL_BY_KIND, VPC, Switch
from netbox_hedgehog.sync.runner import run_sync
from tests.helpers import CLUSTER_TOKEN, git_fabric, lab_objects
from tests.helpers import SAMPLES_DIR as SAMPLES

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
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.OUT_OF_SYNC


def test_numbers_out_of_range_leave_the_column_empty(remote):
    # An ASN no column can hold (or that is no ASN) must not fail the run's transaction; the spec keeps it.
    remote.write("wiring/odd.yaml", [
        {"apiVersion": "gateway.githedgehog.com/v1alpha1", "kind": "Gateway", "metadata": {"name": "gw-big"},
         "spec": {"asn": 2**70}},
        {"apiVersion": "gateway.githedgehog.com/v1alpha1", "kind": "Gateway", "metadata": {"name": "gw-bool"},
         "spec": {"asn": True}},
        {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Switch", "metadata": {"name": "sw-big"},
         "spec": {"role": "spine", "asn": 2**64}},
    ])
    remote.commit("odd numbers")
    fabric = git_fabric(remote)
    result = run_sync(fabric)
    assert result.ok, result.error
    gateways = MODEL_BY_KIND["Gateway"].objects.filter(fabric=fabric)
    assert dict(gateways.values_list("name", "asn")) == {"gw-big": None, "gw-bool": None}
    assert gateways.get(name="gw-big").spec["asn"] == 2**70
    assert Switch.objects.get(fabric=fabric, name="sw-big").asn is None
