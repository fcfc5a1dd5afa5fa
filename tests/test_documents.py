"""Parsing Hedgehog YAML and checking a set of objects: the real samples plus broken and hostile input. No database."""
import copy
import re
from collections import Counter

import pytest
import yaml

from netbox_hedgehog.connections import CONNECTION_TYPES, connection_endpoints
from netbox_hedgehog.kinds import KINDS
from netbox_hedgehog.schemas import CrdSchemas, load_crd_manifests
from netbox_hedgehog.sync.documents import (
    DocumentReader,
    Limits,
    LoadLimitError,
    check_duplicates,
    check_references,
    object_problems,
    parse_documents,
    validate,
)
from netbox_hedgehog.sync.types import Deadline, SourceObject
from tests.helpers import SAMPLES_DIR as SAMPLES
from tests.helpers import billion_laughs, server_yaml

LAB_CI = "lab-ci_env-ci-1_wiring.yaml"
LAB_CI_GATEWAY = "lab-ci_env-ci-1_wiring-gateway.yaml"
LAB_CI_MCLAG = "lab-ci_env-ci-1_wiring_mclag-variant.yaml"
PRE_DEMO = "demo-gitops_env-1_pre-demo.yaml"
DEMO = "demo-gitops_env-1_demo.yaml"
AGENT = "fabric-testdata_agent_l3vni-leaf-01.yaml"

LAB_CI_KINDS = {"VLANNamespace": 1, "IPv4Namespace": 1, "SwitchGroup": 3, "Switch": 6, "Server": 8, "External": 3,
                "ExternalAttachment": 5, "Connection": 24}

# The README's per-file counts.
EXPECTED = {
    LAB_CI: (LAB_CI_KINDS, {}),
    LAB_CI_MCLAG: ({**LAB_CI_KINDS, "Connection": 25}, {}),
    LAB_CI_GATEWAY: ({"GatewayGroup": 1, "Gateway": 2, "Connection": 2}, {}),
    PRE_DEMO: ({"VPC": 2, "VPCAttachment": 2}, {}),
    DEMO: ({"VPC": 1, "VPCAttachment": 1, "VPCPeering": 1, "ExternalPeering": 1}, {}),
    AGENT: ({}, {"Agent": 1}),
}

CONNECTION_TYPE_COUNTS = {
    LAB_CI: {"fabric": 8, "eslag": 4, "unbundled": 3, "bundled": 1, "external": 4, "vpcLoopback": 4},
    LAB_CI_MCLAG: {"fabric": 8, "mclagDomain": 1, "mclag": 2, "eslag": 2, "unbundled": 3, "bundled": 1,
                   "external": 4, "vpcLoopback": 4},
    LAB_CI_GATEWAY: {"gateway": 2},
}


def load(*names):
    objects, problems, ignored = [], [], Counter()
    for name in names:
        file_objects, file_problems, file_ignored = parse_documents((SAMPLES / name).read_bytes(), name)
        objects += file_objects
        problems += file_problems
        ignored.update(file_ignored)
    return objects, problems, dict(ignored)


def manifest(kind, name, spec=None, namespace=None):
    api_version = next(k.api_version for k in KINDS if k.kind == kind)
    metadata = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec or {}}


def objects_of(*manifests):
    return [SourceObject(m["kind"], m["metadata"]["name"], "default", m, f"test.yaml#{i}")
            for i, m in enumerate(manifests, start=1)]


def test_every_sample_file_is_covered():
    assert sorted(p.name for p in SAMPLES.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_parses_with_the_documented_counts(name):
    objects, problems, ignored = load(name)
    kinds, ignored_kinds = EXPECTED[name]
    assert problems == []
    assert Counter(obj.kind for obj in objects) == kinds
    assert ignored == ignored_kinds
    assert all(obj.namespace == "default" for obj in objects)
    assert all(obj.location.startswith(f"{name}#") for obj in objects)


@pytest.mark.parametrize("name", sorted(CONNECTION_TYPE_COUNTS))
def test_connection_types_of_the_samples(name):
    objects, _, _ = load(name)
    types = Counter(connection_endpoints(obj.manifest["spec"])[0] for obj in objects if obj.kind == "Connection")
    assert types == CONNECTION_TYPE_COUNTS[name]


@pytest.mark.parametrize("names", [(LAB_CI,), (LAB_CI_MCLAG,), (LAB_CI, LAB_CI_GATEWAY)])
def test_lab_ci_sets_are_consistent(names):
    objects, problems, _ = load(*names)
    assert problems == []
    assert check_duplicates(objects) == []
    assert check_references(objects) == []
    assert validate(objects) == (objects, [])


def test_static_external_attachment_without_schema_required_fields_parses():
    objects, _, _ = load(LAB_CI)
    static = next(obj for obj in objects if obj.name == "ds3000-03--static-ext")
    assert static.kind == "ExternalAttachment"
    assert "switch" not in static.manifest["spec"] and "neighbor" not in static.manifest["spec"]
    assert static.manifest["spec"]["static"]["vlan"] == 210


def test_namespace_defaults_and_locations_count_documents():
    objects, _, _ = load(LAB_CI)
    assert objects[0].kind == "VLANNamespace" and objects[0].location == f"{LAB_CI}#1"
    assert objects[1].location == f"{LAB_CI}#2"


def test_demo_gitops_attachments_to_another_lab_dangle():
    objects, problems, _ = load(PRE_DEMO, DEMO)
    assert problems == []
    reference_problems = check_references(objects)
    dangling = {(p.kind, p.name) for p in reference_problems}
    assert dangling == {
        ("VPCAttachment", "demo-vpc-1--server-1--mclag--s5248-01--s5248-02"),
        ("VPCAttachment", "demo-vpc-2--server-4--unbundled--s5248-02"),
        ("VPCAttachment", "demo-vpc-3--server-3--bundled--s5248-01"),
        ("ExternalPeering", "demo-vpc-1--default"),  # External "default" lives in that other lab too
    }
    first = next(p for p in reference_problems if p.name == "demo-vpc-1--server-1--mclag--s5248-01--s5248-02")
    assert (first.file, first.document) == (PRE_DEMO, 3)
    assert "server-1--mclag--s5248-01--s5248-02" in first.message
    valid, _ = validate(objects)
    assert sorted(obj.kind for obj in valid) == ["VPC", "VPC", "VPC", "VPCPeering"]


def test_connection_endpoints_of_every_type():
    specs = {
        "unbundled": {"link": {"server": {"port": "srv/enp2s1"}, "switch": {"port": "leaf/E1/1"}}},
        "bundled": {"links": [{"server": {"port": "srv/enp2s1"}, "switch": {"port": "leaf/E1/1"}},
                              {"server": {"port": "srv/enp2s2"}, "switch": {"port": "leaf/E1/2"}}]},
        "mclag": {"links": [{"server": {"port": "srv/enp2s1"}, "switch": {"port": "leaf/E1/1"}}]},
        "eslag": {"links": [{"server": {"port": "srv/enp2s1"}, "switch": {"port": "leaf/E1/1"}}]},
        "mclagDomain": {"peerLinks": [{"switch1": {"port": "leaf/E1/3"}, "switch2": {"port": "leaf2/E1/3"}}],
                        "sessionLinks": [{"switch1": {"port": "leaf/E1/4"}, "switch2": {"port": "leaf2/E1/4"}}]},
        "fabric": {"links": [{"spine": {"port": "spine/E1/1", "ip": "172.30.0.0/31"},
                              "leaf": {"port": "leaf/E1/9", "ip": "172.30.0.1/31"}}]},
        "mesh": {"links": [{"leaf1": {"port": "leaf/E1/5"}, "leaf2": {"port": "leaf2/E1/5"}}]},
        "gateway": {"links": [{"gateway": {"port": "gw/enp2s1"}, "switch": {"port": "spine/E1/20"}}]},
        "vpcLoopback": {"links": [{"switch1": {"port": "leaf/E1/6"}, "switch2": {"port": "leaf/E1/7"}}]},
        "external": {"link": {"switch": {"port": "leaf/E1/8"}}},
        "staticExternal": {"link": {"switch": {"port": "leaf/E1/8", "ip": "10.0.0.1/24", "vlan": 10}},
                           "withinVPC": "vpc-1"},
    }
    assert sorted(specs) == sorted(CONNECTION_TYPES)
    results = {conn_type: connection_endpoints({conn_type: spec}) for conn_type, spec in specs.items()}
    assert results["unbundled"] == ("unbundled", ["leaf/E1/1", "srv/enp2s1"])
    assert results["bundled"] == ("bundled", ["leaf/E1/1", "leaf/E1/2", "srv/enp2s1", "srv/enp2s2"])
    assert results["mclagDomain"] == ("mclagDomain", ["leaf/E1/3", "leaf/E1/4", "leaf2/E1/3", "leaf2/E1/4"])
    assert results["fabric"] == ("fabric", ["leaf/E1/9", "spine/E1/1"])
    assert results["gateway"] == ("gateway", ["gw/enp2s1", "spine/E1/20"])
    assert results["staticExternal"] == ("staticExternal", ["leaf/E1/8"])
    assert connection_endpoints({}) == ("", [])


def test_connection_references_by_type():
    switches = [manifest("Switch", name) for name in ("leaf", "leaf2", "spine")]
    base = objects_of(*switches, manifest("Server", "srv"), manifest("Gateway", "gw"))
    cases = {
        "gateway far end": ({"gateway": {"links": [
            {"gateway": {"port": "gw/enp2s1"}, "switch": {"port": "spine/E1/20"}}]}}, []),
        "gateway far end is a Gateway": ({"gateway": {"links": [
            {"gateway": {"port": "no-gw/enp2s1"}, "switch": {"port": "spine/E1/20"}}]}}, ["no-gw"]),
        "a switch is not a gateway": ({"gateway": {"links": [
            {"gateway": {"port": "leaf/E1/1"}, "switch": {"port": "spine/E1/20"}}]}}, ["leaf"]),
        "gateway switch side is checked": ({"gateway": {"links": [
            {"gateway": {"port": "gw/enp2s1"}, "switch": {"port": "nope/E1/20"}}]}}, ["nope"]),
        "server side": ({"unbundled": {"link": {"server": {"port": "ghost/enp2s1"},
                                                "switch": {"port": "leaf/E1/1"}}}}, ["ghost"]),
        "mesh": ({"mesh": {"links": [{"leaf1": {"port": "leaf/E1/5"}, "leaf2": {"port": "leaf9/E1/5"}}]}},
                 ["leaf9"]),
        "mclagDomain": ({"mclagDomain": {"peerLinks": [{"switch1": {"port": "leaf/E1/3"},
                                                        "switch2": {"port": "leafX/E1/3"}}]}}, ["leafX"]),
        "staticExternal": ({"staticExternal": {"link": {"switch": {"port": "leaf/E1/8"}}}}, []),
        "staticExternal within a VPC": ({"staticExternal": {"link": {"switch": {"port": "leaf/E1/8"}},
                                                            "withinVPC": "no-vpc"}}, ["no-vpc"]),
        "no device": ({"external": {"link": {"switch": {"port": "leaf"}}}}, []),
        "no type": ({"bogus": {}}, []),
    }
    for label, (spec, missing) in cases.items():
        problems = check_references(base + objects_of(manifest("Connection", "c", spec)))
        assert all(p.kind == "Connection" and p.name == "c" for p in problems), label
        if label == "no device":
            assert len(problems) == 1 and "device/port" in problems[0].message, label
        elif label == "no type":
            assert len(problems) == 1 and "no connection type" in problems[0].message, label
        else:
            assert sorted(m for m in missing for p in problems if repr(m) in p.message) == missing, label
            assert len(problems) == len(missing), label


def test_dangling_references_of_every_kind():
    objects = objects_of(
        manifest("Switch", "leaf", {"redundancy": {"group": "no-group", "type": "eslag"}, "groups": ["no-border"]}),
        manifest("VPC", "vpc-1", {"subnets": {"default": {"subnet": "10.0.0.0/24"}}, "ipv4Namespace": "no-ipns",
                                  "vlanNamespace": "no-vlanns"}),
        manifest("External", "ext", {"ipv4Namespace": "no-ipns"}),
        manifest("VPCAttachment", "att", {"connection": "no-conn", "subnet": "vpc-1/missing-subnet"}),
        manifest("VPCAttachment", "att2", {"connection": "no-conn", "subnet": "no-vpc/default"}),
        manifest("VPCPeering", "peer", {"permit": [{"vpc-1": {"subnets": ["default"]}, "no-vpc": {}}]}),
        manifest("ExternalAttachment", "extatt", {"external": "no-ext", "connection": "no-conn"}),
        manifest("ExternalPeering", "extpeer", {"permit": {"vpc": {"name": "no-vpc"}, "external": {"name": "ext"}}}),
        manifest("Gateway", "gw", {"groups": [{"name": "no-gwgroup", "priority": 1}, {"priority": 2}, "default"]}),
    )
    problems = check_references(objects)
    by_object = {}
    for problem in problems:
        by_object.setdefault((problem.kind, problem.name), []).append(problem.message)
    assert len(by_object[("Switch", "leaf")]) == 2
    assert any("'no-group'" in m for m in by_object[("Switch", "leaf")])
    assert any("'no-border'" in m for m in by_object[("Switch", "leaf")])
    assert len(by_object[("VPC", "vpc-1")]) == 2
    assert len(by_object[("External", "ext")]) == 1
    assert any("has no subnet 'missing-subnet'" in m for m in by_object[("VPCAttachment", "att")])
    assert any("no VPC 'no-vpc'" in m for m in by_object[("VPCAttachment", "att2")])
    assert by_object[("VPCPeering", "peer")] == ["spec.permit[0] refers to 'no-vpc': no VPC 'no-vpc'"]
    assert len(by_object[("ExternalAttachment", "extatt")]) == 2
    assert by_object[("ExternalPeering", "extpeer")] == ["spec.permit.vpc.name refers to 'no-vpc': no VPC 'no-vpc'"]
    assert by_object[("Gateway", "gw")] == [
        "spec.groups[0].name refers to 'no-gwgroup': no GatewayGroup 'no-gwgroup'",
        "spec.groups[1].name is missing or not a string",
        "spec.groups[2] is not a mapping",
    ]
    assert all(p.file == "test.yaml" and p.document for p in problems)


def test_gateway_groups_resolve():
    objects = objects_of(manifest("GatewayGroup", "default"),
                         manifest("Gateway", "gw", {"groups": [{"name": "default", "priority": 10}]}))
    assert check_references(objects) == []
    problems = check_references(objects_of(manifest("Gateway", "gw", {"groups": {"name": "default"}})))
    assert [p.message for p in problems] == ["spec.groups (not a list) is not a mapping"]


def test_profiles_need_not_be_in_the_set():
    # Profiles usually live in the cluster (the fabric controller keeps the switch profiles), not in Git.
    objects = objects_of(manifest("Switch", "leaf", {"role": "server-leaf", "profile": "celestica-ds3000"}),
                         manifest("Server", "srv", {"profile": "not-in-git"}))
    assert check_references(objects) == []
    assert validate(objects) == (objects, [])


def test_a_gateway_connection_goes_with_its_gateway():
    objects = objects_of(
        manifest("Switch", "spine"),
        manifest("GatewayGroup", "default"),
        manifest("Gateway", "gw", {"groups": [{"name": "missing"}], "interfaces": {"enp2s1": {}}}),
        manifest("Connection", "spine--gateway--gw", {"gateway": {"links": [
            {"gateway": {"port": "gw/enp2s1"}, "switch": {"port": "spine/E1/20"}}]}}),
    )
    valid, problems = validate(objects)
    assert [obj.name for obj in valid] == ["spine", "default"]
    assert [(p.kind, p.name) for p in problems] == [("Gateway", "gw"), ("Connection", "spine--gateway--gw")]
    assert "Gateway 'gw' is invalid" in problems[1].message


def test_validate_excludes_objects_that_depend_on_invalid_ones():
    objects = objects_of(
        manifest("Switch", "leaf", {"redundancy": {"group": "missing"}}),
        manifest("Server", "srv"),
        manifest("Connection", "srv--unbundled--leaf", {"unbundled": {"link": {
            "server": {"port": "srv/enp2s1"}, "switch": {"port": "leaf/E1/1"}}}}),
        manifest("VPC", "vpc-1", {"subnets": {"default": {}}}),
        manifest("VPCAttachment", "att", {"connection": "srv--unbundled--leaf", "subnet": "vpc-1/default"}),
    )
    valid, problems = validate(objects)
    assert [obj.name for obj in valid] == ["srv", "vpc-1"]
    assert [(p.kind, p.name) for p in problems] == [
        ("Switch", "leaf"), ("Connection", "srv--unbundled--leaf"), ("VPCAttachment", "att")]
    assert "Switch or Server 'leaf' is invalid" in problems[1].message


def test_duplicates_across_files_name_both_locations():
    text = yaml.safe_dump(manifest("Server", "srv-1"))
    first, _, _ = parse_documents(text, "a.yaml")
    second, _, _ = parse_documents("---\n" + yaml.safe_dump(manifest("Server", "srv-0")) + "---\n" + text, "b.yaml")
    problems = check_duplicates(first + second)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.kind, problem.name, problem.file, problem.document) == ("Server", "srv-1", "b.yaml", 2)
    assert "a.yaml#1" in problem.message and "b.yaml#2" in problem.message
    valid, _ = validate(first + second)
    assert [obj.location for obj in valid] == ["a.yaml#1", "b.yaml#1"]


def test_same_name_of_different_kinds_is_not_a_duplicate():
    objects = objects_of(manifest("VLANNamespace", "default"), manifest("IPv4Namespace", "default"))
    assert check_duplicates(objects) == []


def test_malformed_yaml_names_file_document_and_line_and_keeps_the_rest():
    text = (
        "# leading comment, not a document\n"
        "---\n" + yaml.safe_dump(manifest("Server", "srv-1")) +
        "---\n"
        "apiVersion: wiring.githedgehog.com/v1beta1\n"
        "kind: Server\n"
        "metadata: {name: [unclosed\n"
        "---\n" + yaml.safe_dump(manifest("Server", "srv-3"))
    )
    objects, problems, _ = parse_documents(text, "broken.yaml")
    assert [obj.name for obj in objects] == ["srv-1", "srv-3"]
    assert [obj.location for obj in objects] == ["broken.yaml#1", "broken.yaml#3"]
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.document) == ("broken.yaml", 2)
    assert "malformed YAML at line" in problem.message
    broken_line = text.splitlines().index("metadata: {name: [unclosed") + 1
    line = int(problem.message.split("line ")[1].split(",")[0])
    assert broken_line <= line <= broken_line + 2
    assert "broken.yaml (document 2)" in str(problem)


def test_tab_indentation_is_malformed():
    _, problems, _ = parse_documents("kind: Server\nmetadata:\n\tname: x\n", "tabs.yml")
    assert len(problems) == 1 and problems[0].document == 1 and "malformed YAML" in problems[0].message


def test_unknown_kind_wrong_api_version_and_namespace():
    documents = [
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
        {**manifest("Switch", "leaf"), "apiVersion": "wiring.githedgehog.com/v1alpha2"},
        manifest("Server", "srv", namespace="fabric"),
        {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Server", "metadata": {}},
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw"}},
        {"kind": "", "metadata": {"name": "x"}},
        ["not", "a", "mapping"],
        manifest("Server", "ok", namespace="default"),
    ]
    text = yaml.safe_dump_all(documents)
    objects, problems, ignored = parse_documents(text, "mixed.yaml")
    assert [obj.name for obj in objects] == ["ok"]
    assert ignored == {}
    assert [p.document for p in problems] == [1, 2, 3, 4, 5, 6, 7]
    messages = [p.message for p in problems]
    assert "unknown kind 'Widget'" in messages[0] and problems[0].kind == "Widget" and problems[0].name == "w"
    assert "wiring.githedgehog.com/v1beta1" in messages[1]
    assert "Hedgehog only accepts namespace 'default'" in messages[2]
    assert "metadata.name" in messages[3]
    # A Gateway API object, not Hedgehog's Gateway.
    assert "Gateway must be 'gateway.githedgehog.com/v1alpha1'" in messages[4]
    assert "no 'kind'" in messages[5]
    assert "not a mapping" in messages[6]


def test_ignored_kinds_are_counted_not_errors():
    documents = [
        {"apiVersion": "agent.githedgehog.com/v1beta1", "kind": "Catalog", "metadata": {"name": "c"}},
        {"apiVersion": "gateway.githedgehog.com/v1alpha1", "kind": "GatewayPeering", "metadata": {"name": "p1"}},
        {"apiVersion": "gateway.githedgehog.com/v1alpha1", "kind": "GatewayPeering", "metadata": {"name": "p2"}},
        {"apiVersion": "gateway.githedgehog.com/v1alpha1", "kind": "VPCInfo", "metadata": {"name": "v"}},
    ]
    objects, problems, ignored = parse_documents(yaml.safe_dump_all(documents), "ignored.yaml")
    assert (objects, problems, ignored) == ([], [], {"Catalog": 1, "GatewayPeering": 2, "VPCInfo": 1})


def test_profiles_and_gateways_are_synced_kinds():
    documents = [manifest(kind, name) for kind, name in (("SwitchProfile", "vs"), ("ServerProfile", "linux"),
                                                         ("GatewayGroup", "default"), ("Gateway", "gw"))]
    objects, problems, ignored = parse_documents(yaml.safe_dump_all(documents), "kinds.yaml")
    assert problems == [] and ignored == {}
    assert [(obj.kind, obj.name) for obj in objects] == [
        ("SwitchProfile", "vs"), ("ServerProfile", "linux"), ("GatewayGroup", "default"), ("Gateway", "gw")]


def test_list_documents():
    servers = [manifest("Server", f"srv-{i}") for i in range(3)]
    documents = [
        {"apiVersion": "v1", "kind": "List", "items": servers[:2]},
        {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "ServerList", "metadata": {},
         "items": [servers[2], {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}]},
        {"apiVersion": "v1", "kind": "List", "items": []},
    ]
    objects, problems, _ = parse_documents(yaml.safe_dump_all(documents), "list.yaml")
    assert [(obj.name, obj.location) for obj in objects] == [
        ("srv-0", "list.yaml#1"), ("srv-1", "list.yaml#1"), ("srv-2", "list.yaml#2")]
    assert len(problems) == 1 and problems[0].document == 2 and problems[0].message.startswith("item 2: ")


def test_empty_documents_and_files_are_skipped():
    assert parse_documents("", "empty.yaml") == ([], [], {})
    assert parse_documents("# only a comment\n", "comment.yaml") == ([], [], {})
    text = "---\n---\n# nothing\n---\n" + yaml.safe_dump(manifest("Server", "srv"))
    objects, problems, _ = parse_documents(text, "gaps.yaml")
    assert problems == [] and [obj.location for obj in objects] == ["gaps.yaml#3"]


def test_document_end_markers_and_bytes_with_bom():
    text = yaml.safe_dump(manifest("Server", "srv-1")) + "...\n---\n" + yaml.safe_dump(manifest("Server", "srv-2"))
    objects, problems, _ = parse_documents(b"\xef\xbb\xbf" + text.encode(), "bom.yaml")
    assert problems == [] and [obj.name for obj in objects] == ["srv-1", "srv-2"]
    _, problems, _ = parse_documents(b"kind: \xff\n", "latin1.yaml")
    assert len(problems) == 1 and "UTF-8" in problems[0].message


def test_file_over_the_size_limit_is_a_problem_and_not_parsed():
    text = "kind: [this is not even valid yaml\n" * 100
    objects, problems, _ = parse_documents(text, "huge.yaml", limits=Limits(max_file_size=1000))
    assert objects == []
    assert len(problems) == 1
    assert problems[0].file == "huge.yaml"
    assert "more than 1000 bytes (setting git_max_file_size); not read" in problems[0].message
    assert parse_documents((SAMPLES / DEMO).read_text(), DEMO, limits=Limits(max_file_size=2000))[1] == []


def test_yaml_is_loaded_safely():
    text = "!!python/object/apply:os.system ['true']\n"
    objects, problems, _ = parse_documents(text, "evil.yaml")
    assert objects == [] and len(problems) == 1 and "malformed YAML" in problems[0].message


# --- hostile input: limits of a document, a file and a load -----------------------------------

def test_billion_laughs_is_refused_by_the_expanded_size_of_the_document():
    text = billion_laughs(5)
    assert len(text) < 700
    objects, problems, _ = parse_documents(text, "laughs.yaml")
    assert objects == []
    assert [(p.file, p.document) for p in problems] == [("laughs.yaml", 1)]
    assert "expands to more than 100000 YAML nodes" in problems[0].message
    assert "(setting yaml_max_document_nodes)" in problems[0].message
    # Eight levels (10^8 strings) are refused as fast: the check never expands anything.
    assert "expands to more than" in parse_documents(billion_laughs(8), "laughs.yaml")[1][0].message


def test_ordinary_aliases_and_merge_keys_are_accepted():
    text = ("apiVersion: wiring.githedgehog.com/v1beta1\nkind: Connection\nmetadata: {name: srv--bundled--leaf}\n"
            "spec:\n  bundled:\n    links:\n"
            "    - server: &server {port: srv/enp2s1}\n      switch: {port: leaf/E1/1}\n"
            "    - server: *server\n      switch: {port: leaf/E1/2}\n---\n"
            "apiVersion: wiring.githedgehog.com/v1beta1\nkind: Server\n"
            "metadata: {name: srv, annotations: &rack {rack: r1, row: a}, labels: {<<: *rack, row: b}}\n"
            "spec: {description: rack 1}\n---\n"
            "apiVersion: wiring.githedgehog.com/v1beta1\nkind: Switch\nmetadata: {name: leaf}\n"
            "spec: {role: server-leaf}\n")
    objects, problems, _ = parse_documents(text, "aliases.yaml")
    assert problems == []
    links = objects[0].manifest["spec"]["bundled"]["links"]
    assert links[0]["server"] == links[1]["server"] == {"port": "srv/enp2s1"}
    assert objects[1].manifest["metadata"]["labels"] == {"rack": "r1", "row": "b"}
    assert validate(objects, CrdSchemas.shipped()) == (objects, [])


@pytest.mark.parametrize("depth", [3000, 50_000])
def test_deep_nesting_is_refused_before_it_is_built(depth):
    objects, problems, _ = parse_documents("[" * depth, "deep.yaml")
    assert objects == []
    assert len(problems) == 1
    assert problems[0].message == "the document nests deeper than 64 levels (at line 1) (setting yaml_max_depth)"


def test_an_alias_inside_the_node_it_names_is_refused():
    objects, problems, _ = parse_documents(server_yaml("loop", "x: &me [1, *me]"), "loop.yaml")
    assert objects == [] and len(problems) == 1
    assert "the alias *me at line" in problems[0].message and "contain itself" in problems[0].message


def test_a_file_of_a_million_bytes_of_document_markers_is_refused_by_its_document_count():
    objects, problems, _ = parse_documents("---\n" * 250_000, "markers.yaml")
    assert objects == []
    assert [(p.file, p.document, p.message) for p in problems] == [
        ("markers.yaml", None, "file holds more than 10000 YAML documents (setting git_max_documents); not read")]


def test_documents_up_to_the_limit_are_read_with_their_line_numbers():
    text = "".join(f"---\n{server_yaml(f'srv-{i}')}" for i in range(200))
    objects, problems, _ = parse_documents(text, "many.yaml", limits=Limits(max_documents=200))
    assert problems == [] and len(objects) == 200
    broken = text + "---\nkind: [unclosed\n"
    _, problems, _ = parse_documents(broken, "many.yaml", limits=Limits(max_documents=201))
    # The error is at the end of the text: the line numbers count every document before it.
    assert problems[0].document == 201 and f"line {broken.count(chr(10)) + 1}," in problems[0].message


def test_the_limits_of_a_load_raise_instead_of_cutting_the_load_short():
    files = {f"f{i}.yaml": "".join(f"---\n{server_yaml(f'srv-{i}-{j}')}" for j in range(10)) for i in range(5)}
    cases = [
        (Limits(max_objects=45), "hold more than 45 objects (setting git_max_objects)"),
        (Limits(max_bytes=sum(len(t) for t in files.values()) - 1), "(setting git_max_bytes)"),
        (Limits(max_nodes=300), "expand to more than 300 YAML nodes (setting git_max_nodes)"),
    ]
    for limits, message in cases:
        reader = DocumentReader(limits)
        with pytest.raises(LoadLimitError, match=re.escape(message)):
            for name, text in files.items():
                assert reader.admit(name, len(text)) is None
                reader.read(text, name)
    reader = DocumentReader(Limits())
    for name, text in files.items():
        reader.admit(name, len(text))
        assert len(reader.read(text, name)[0]) == 10


def test_the_deadline_is_checked_between_documents():
    reader = DocumentReader(Limits(), Deadline(0))
    with pytest.raises(LoadLimitError, match=r"took longer than 0 s \(setting source_timeout\)"):
        reader.read(server_yaml("srv"), "late.yaml")


NOT_JSON = {
    "date": ("when: 2024-01-01", "spec.when: a date (YAML reads an unquoted date as one; quote it"),
    "timestamp": ("when: 2024-01-01T10:00:00Z", "spec.when: a timestamp"),
    "date key": ("2024-01-01: x", "spec: the key 2024-01-01 is a date"),
    "integer key": ("1: x", "spec: the key 1 is an integer (quote it), not a string"),
    "boolean key": ("on: x", "spec: the key True is the boolean True"),
    "binary": ("blob: !!binary aGVsbG8=", "spec.blob: binary data (!!binary) is not a JSON value"),
    "set": ("tags: !!set {a, b}", "spec.tags: a set (!!set) is not a JSON value"),
    "pairs": ("ordered: !!omap [a: 1]", "spec.ordered[0]: a pair (!!omap or !!pairs)"),
    "nan": ("mtu: .nan", "spec.mtu: nan is not a finite number"),
    "infinity": ("mtu: .inf", "spec.mtu: inf is not a finite number"),
    "huge integer": ("asn: 123456789012345678901234567890", "spec.asn: the integer 123456789012345678901234567890 "
                     "does not fit in 64 bits"),
    "integer of 5000 digits": ("asn: " + "9" * 5000, "a value cannot be read: an integer has thousands of digits"),
    "impossible date": ("when: 2024-02-31", "a value cannot be read: day is out of range for month"),
    "NUL": ('description: "a\\0b"', "spec.description: the text 'a\\x00b' holds a NUL character"),
    "NUL in a key": ('"a\\0b": x', "spec: the key 'a\\x00b' holds a NUL character"),
}


@pytest.mark.parametrize("case", NOT_JSON, ids=list(NOT_JSON))
def test_values_that_are_yaml_but_not_storable_json_are_per_object_problems(case):
    spec, message = NOT_JSON[case]
    text = server_yaml("ok") + "---\n" + server_yaml("bad", spec)
    objects, problems, _ = parse_documents(text, "values.yaml")
    assert [obj.name for obj in objects] == ["ok"]
    assert len(problems) == 1
    assert (problems[0].file, problems[0].document) == ("values.yaml", 2)
    assert message in problems[0].message
    if not message.startswith("a value cannot be read"):
        assert (problems[0].kind, problems[0].name) == ("Server", "bad")


METADATA = {
    "name too long": ({"name": "a" * 254}, "metadata.name: "),
    "name not a DNS name": ({"name": "Leaf_01"}, "does not match"),
    "name with a NUL": ({"name": "leaf\x00"}, "holds a NUL character"),
    "labels not a mapping": ({"name": "x", "labels": ["a"]}, "metadata.labels: ['a'] is not of type 'object', 'null'"),
    "label not a string": ({"name": "x", "labels": {"a": 1}}, "metadata.labels.a: 1 is not of type 'string'"),
    "uid too long": ({"name": "x", "uid": "u" * 37}, "metadata.uid: "),
    "generation not an integer": ({"name": "x", "generation": "1"}, "metadata.generation: '1' is not of type"),
    "negative generation": ({"name": "x", "generation": -1}, "metadata.generation: -1 is less than the minimum"),
}


@pytest.mark.parametrize("case", METADATA, ids=list(METADATA))
def test_metadata_that_does_not_fit_is_a_problem_of_any_source(case):
    metadata, message = METADATA[case]
    manifest = {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Server", "metadata": metadata, "spec": {}}
    problems = object_problems(manifest)
    assert problems and message in problems[0], problems
    assert object_problems({**manifest, "metadata": {"name": "x", "labels": {"a": "b"}, "generation": 3}}) == []


def test_non_mapping_metadata_spec_and_status_are_problems():
    base = {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Switch", "metadata": {"name": "x"}}
    assert object_problems({**base, "metadata": ["x"]}) == ["metadata: ['x'] is not of type 'object'"]
    assert object_problems({**base, "spec": "x"}) == ["'spec' is a str, not a mapping"]
    assert object_problems({**base, "status": [1]}) == ["'status' is a list, not a mapping"]
    assert object_problems({k: v for k, v in base.items() if k != "metadata"}) == ["'metadata' is missing"]


def test_a_file_path_longer_than_its_column_is_a_problem():
    reader = DocumentReader()
    problem = reader.admit("d/" * 300 + "x.yaml", 10)
    assert "the path is longer than 500 characters; not read" in problem.message


SCHEMA = {
    "redundancy of the wrong type": ("Switch", {"role": "server-leaf", "redundancy": "mclag-1"},
                                     "spec.redundancy: 'mclag-1' is not of type 'object'"),
    "subnets of the wrong type": ("VPC", {"subnets": ["10.0.0.0/24"]}, "spec.subnets: ['10.0.0.0/24'] is not of type"),
    "namespace subnets of the wrong type": ("IPv4Namespace", {"subnets": "10.0.0.0/16"},
                                            "spec.subnets: '10.0.0.0/16' is not of type 'array'"),
    "unknown field": ("Server", {"descripton": "typo"}, "Additional properties are not allowed ('descripton'"),
    "enum": ("Switch", {"role": "leaf"}, "spec.role: 'leaf' is not one of"),
    "required": ("Switch", {}, "spec: 'role' is a required property"),
    "int32 range": ("Switch", {"role": "spine", "asn": 2**40}, "spec.asn: 1099511627776 is not a 'int32'"),
}


@pytest.mark.parametrize("case", SCHEMA, ids=list(SCHEMA))
def test_specs_are_checked_against_their_crd(case):
    kind, spec, message = SCHEMA[case]
    objects = objects_of(manifest(kind, "bad", spec), manifest("Server", "fine", {"description": "ok"}))
    valid, problems = validate(objects, CrdSchemas.shipped())
    assert [obj.name for obj in valid] == ["fine"]
    assert any(message in p.message for p in problems), [p.message for p in problems]
    assert {(p.kind, p.name, p.file, p.document) for p in problems} == {(kind, "bad", "test.yaml", 1)}


def test_objects_referring_to_a_schema_invalid_object_are_excluded_with_it():
    objects = objects_of(manifest("Switch", "leaf", {"role": "leaf"}), manifest("Server", "srv"),
                         manifest("Connection", "srv--unbundled--leaf", {"unbundled": {"link": {
                             "server": {"port": "srv/enp2s1"}, "switch": {"port": "leaf/E1/1"}}}}))
    valid, problems = validate(objects, CrdSchemas.shipped())
    assert [obj.name for obj in valid] == ["srv"]
    assert "Switch or Server 'leaf' is invalid" in problems[-1].message


def test_the_cluster_served_crds_replace_the_shipped_ones():
    crd = copy.deepcopy(load_crd_manifests()["Server"])
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["rack"] = {
        "type": "string"}
    served = CrdSchemas.served({"Server": ("v1beta1", crd)}, origin="the cluster's")
    racked = manifest("Server", "srv", {"rack": "r1"})
    assert served.errors(racked, status=False) == []
    assert "('rack' was unexpected)" in CrdSchemas.shipped().errors(racked, status=False)[0]
    assert served.errors(manifest("Switch", "leaf", {"role": "leaf"}))[0].startswith("spec.role: 'leaf'")
    broken = copy.deepcopy(crd)
    broken["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["type"] = 5
    with pytest.raises(ValueError, match="the CRD of Server cannot be used: the schema is not valid"):
        CrdSchemas.served({"Server": ("v1beta1", broken)}, origin="the cluster's")
    with pytest.raises(ValueError, match="serves no version 'v1'"):
        CrdSchemas.served({"Server": ("v1", crd)}, origin="the cluster's")
