"""Parsing Hedgehog YAML and checking a set of objects: the real samples plus broken input. No database."""
from collections import Counter

import pytest
import yaml

from netbox_hedgehog.connections import CONNECTION_TYPES, connection_endpoints
from netbox_hedgehog.kinds import KINDS
from netbox_hedgehog.sync.documents import check_duplicates, check_references, parse_documents, validate
from netbox_hedgehog.sync.types import SourceObject
from tests.helpers import SAMPLES_DIR as SAMPLES

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
    objects, problems, _ = parse_documents(text, "huge.yaml", max_size=1000)
    assert objects == []
    assert len(problems) == 1
    assert problems[0].file == "huge.yaml" and "larger than the limit of 1000 bytes" in problems[0].message
    assert parse_documents((SAMPLES / DEMO).read_text(), DEMO, max_size=2000)[1] == []


def test_yaml_is_loaded_safely():
    text = "!!python/object/apply:os.system ['true']\n"
    objects, problems, _ = parse_documents(text, "evil.yaml")
    assert objects == [] and len(problems) == 1 and "malformed YAML" in problems[0].message
