"""
The fabric generator: schema-valid against the upstream CRDs, complete (every kind, every
connection type), consistent (every reference resolves, nothing is used twice), deterministic,
and sized as asked. No database.
"""
import copy
import ipaddress
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from netbox_hedgehog.generator import (
    FabricSpec,
    dump_yaml,
    generate_agents,
    generate_fabric,
    main,
    spec_for_object_count,
    write_wiring,
)
from netbox_hedgehog.kinds import AGENT, KINDS
from netbox_hedgehog.schemas import load_crd_schemas, validate_against_crd
from tests.helpers import SAMPLES_DIR, load_sample

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

SPECS = {
    "default": FabricSpec(),
    "mclag": FabricSpec(mclag=True),
    "mclag-and-eslag": FabricSpec(spines=3, leaves=6, servers_per_leaf=3, vpcs=5, subnets_per_vpc=3, externals=3,
                                  mclag=True, seed=7),
    "odd-leaves": FabricSpec(spines=1, leaves=5, servers_per_leaf=4, vpcs=3, subnets_per_vpc=1, externals=2),
    "one-leaf": FabricSpec(spines=1, leaves=1, servers_per_leaf=2, vpcs=1, subnets_per_vpc=1, externals=1),
    "bare": FabricSpec(spines=0, leaves=2, servers_per_leaf=0, vpcs=0, subnets_per_vpc=0, externals=0),
    "medium": FabricSpec(spines=4, leaves=16, servers_per_leaf=12, vpcs=40, subnets_per_vpc=4, externals=4, seed=3),
    "profiles": FabricSpec(spines=2, leaves=20, servers_per_leaf=24, profiles=True),
}
# Kinds the generator never writes: its servers have no profile and its fabrics no gateway.
NOT_GENERATED = {"ServerProfile", "GatewayGroup", "Gateway"}

# Links of a connection name the device kind at each end.
SERVER_ENDS = {"server"}
SWITCH_ENDS = {"switch", "spine", "leaf", "leaf1", "leaf2", "switch1", "switch2"}
SERVER_FACING = {"unbundled", "bundled", "eslag", "mclag"}


def connection_types():
    """Connection types as the CRD defines them (the keys of Connection.spec)."""
    _api_version, schema = load_crd_schemas()["Connection"]
    return set(schema["properties"]["spec"]["properties"])


def connection_type(connection):
    (kind,) = connection["spec"]
    return kind


def endpoints(node, end=None):
    """(end, "device/port") for every port in a connection spec; `end` is the key above `port`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "port":
                yield end, value
            else:
                yield from endpoints(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from endpoints(item, end)


def reference_errors(objects):
    """Everything that does not resolve or is used twice, checked independently of the generator."""
    errors = []
    by_kind = defaultdict(dict)
    for obj in objects:
        name = obj["metadata"]["name"]
        if obj["metadata"].get("namespace", "default") != "default":
            errors.append(f"{obj['kind']} {name}: namespace is not default")
        if name in by_kind[obj["kind"]]:
            errors.append(f"{obj['kind']} {name}: duplicate name")
        by_kind[obj["kind"]][name] = obj.get("spec") or {}

    switches, servers, groups = by_kind["Switch"], by_kind["Server"], by_kind["SwitchGroup"]
    connections, vpcs, externals = by_kind["Connection"], by_kind["VPC"], by_kind["External"]
    vlan_namespaces, ipv4_namespaces = by_kind["VLANNamespace"], by_kind["IPv4Namespace"]

    profiles = by_kind["SwitchProfile"]
    for name, spec in switches.items():
        if profiles and spec.get("profile") not in profiles:
            errors.append(f"Switch {name}: unknown SwitchProfile {spec.get('profile')}")
        for group in [*spec.get("groups", []), spec.get("redundancy", {}).get("group")]:
            if group is not None and group not in groups:
                errors.append(f"Switch {name}: unknown group {group}")
        for namespace in spec.get("vlanNamespaces", []):
            if namespace not in vlan_namespaces:
                errors.append(f"Switch {name}: unknown VLANNamespace {namespace}")

    used_ports = {}
    connected_servers = set()
    for name, spec in connections.items():
        kind = connection_type({"spec": spec})
        for end, port in endpoints(spec):
            device, _, interface = port.partition("/")
            if not interface:
                errors.append(f"Connection {name}: port {port} has no interface")
            if end in SERVER_ENDS:
                connected_servers.add(device)
                known = device in servers
            elif end in SWITCH_ENDS:
                known = device in switches
                role = switches.get(device, {}).get("role")
                if (end == "spine" and known and role != "spine") or (end == "leaf" and role == "spine"):
                    errors.append(f"Connection {name}: {device} has role {role} at the {end} end")
            else:
                known = False
            if not known:
                errors.append(f"Connection {name}: {end} port {port} is on no known device")
            profile = profiles.get(switches.get(device, {}).get("profile"))
            if profile is not None and interface not in profile["ports"]:
                errors.append(f"Connection {name}: port {port} is not in its switch's profile")
            if port in used_ports:
                errors.append(f"Connection {name}: port {port} already used by {used_ports[port]}")
            used_ports[port] = name
        if kind in ("eslag", "mclag"):
            devices = {port.partition("/")[0] for end, port in endpoints(spec) if end == "switch"}
            redundancies = {
                tuple(switches.get(device, {}).get("redundancy", {}).get(field) for field in ("group", "type"))
                for device in devices
            }
            if len(devices) != 2 or len(redundancies) != 1 or redundancies.pop()[1] != kind:
                errors.append(f"Connection {name}: {kind} switches are not one {kind} redundancy group")
    for name in servers:
        if name not in connected_servers:
            errors.append(f"Server {name}: no connection")

    vlan_ranges = [(r["from"], r["to"]) for spec in vlan_namespaces.values() for r in spec["ranges"]]
    ipv4_space = [ipaddress.ip_network(s) for spec in ipv4_namespaces.values() for s in spec["subnets"]]
    vlans, networks = {}, {}
    for name, spec in vpcs.items():
        namespaces = ((spec.get("ipv4Namespace"), ipv4_namespaces), (spec.get("vlanNamespace"), vlan_namespaces))
        for reference, known in namespaces:
            if reference is not None and reference not in known:
                errors.append(f"VPC {name}: unknown namespace {reference}")
        for subnet_name, subnet in spec.get("subnets", {}).items():
            where = f"VPC {name} subnet {subnet_name}"
            network = ipaddress.ip_network(subnet["subnet"])
            if not any(network.subnet_of(space) for space in ipv4_space):
                errors.append(f"{where}: {network} outside the IPv4Namespace")
            overlapping = [other for other, net in networks.items() if net.overlaps(network)]
            if overlapping:
                errors.append(f"{where}: {network} overlaps {overlapping[0]}")
            networks[where] = network
            vlan = subnet["vlan"]
            if not any(low <= vlan <= high for low, high in vlan_ranges):
                errors.append(f"{where}: VLAN {vlan} outside the VLANNamespace")
            if vlan in vlans:
                errors.append(f"{where}: VLAN {vlan} already used by {vlans[vlan]}")
            vlans[vlan] = where
            addresses = [subnet.get("gateway"), *subnet.get("dhcp", {}).get("range", {}).values()]
            for address in filter(None, addresses):
                if ipaddress.ip_address(address) not in network:
                    errors.append(f"{where}: {address} outside {network}")
        for permit in spec.get("permit", []):
            for subnet_name in permit:
                if subnet_name not in spec.get("subnets", {}):
                    errors.append(f"VPC {name}: permit names unknown subnet {subnet_name}")

    def check_vpc_subnets(owner, vpc, subnet_names):
        if vpc not in vpcs:
            errors.append(f"{owner}: unknown VPC {vpc}")
            return
        for subnet_name in subnet_names:
            if subnet_name not in vpcs[vpc].get("subnets", {}):
                errors.append(f"{owner}: unknown subnet {vpc}/{subnet_name}")

    for name, spec in by_kind["VPCAttachment"].items():
        connection = connections.get(spec["connection"])
        if connection is None or connection_type({"spec": connection}) not in SERVER_FACING:
            errors.append(f"VPCAttachment {name}: {spec['connection']} is no server connection")
        vpc, _, subnet_name = spec["subnet"].partition("/")
        check_vpc_subnets(f"VPCAttachment {name}", vpc, [subnet_name])
    for name, spec in by_kind["VPCPeering"].items():
        for permit in spec["permit"]:
            for vpc, side in permit.items():
                check_vpc_subnets(f"VPCPeering {name}", vpc, side.get("subnets", []))
    for name, spec in externals.items():
        if spec.get("ipv4Namespace") not in ipv4_namespaces:
            errors.append(f"External {name}: unknown IPv4Namespace {spec.get('ipv4Namespace')}")
    for name, spec in by_kind["ExternalAttachment"].items():
        external = externals.get(spec["external"])
        if external is None:
            errors.append(f"ExternalAttachment {name}: unknown External {spec['external']}")
        elif bool(external.get("static")) != bool(spec.get("static")):
            errors.append(f"ExternalAttachment {name}: static and BGP mixed up with {spec['external']}")
        connection = connections.get(spec["connection"])
        if connection is None or connection_type({"spec": connection}) != "external":
            errors.append(f"ExternalAttachment {name}: {spec['connection']} is no external connection")
    for name, spec in by_kind["ExternalPeering"].items():
        permit = spec["permit"]
        check_vpc_subnets(f"ExternalPeering {name}", permit["vpc"]["name"], permit["vpc"]["subnets"])
        if permit["external"]["name"] not in externals:
            errors.append(f"ExternalPeering {name}: unknown External {permit['external']['name']}")
    return errors


@pytest.fixture(scope="module", params=list(SPECS), ids=list(SPECS))
def fabric(request):
    return generate_fabric(SPECS[request.param])


def test_objects_validate_against_crds(fabric):
    errors = {obj["metadata"]["name"]: validate_against_crd(obj) for obj in fabric}
    assert {name: found for name, found in errors.items() if found} == {}


def test_references_resolve(fabric):
    assert reference_errors(fabric) == []


def test_objects_are_plain_manifests(fabric):
    for obj in fabric:
        assert list(obj) == ["apiVersion", "kind", "metadata", "spec"]
        assert obj["metadata"] == {"name": obj["metadata"]["name"], "namespace": "default"}


def test_objects_come_in_kinds_order(fabric):
    order = [kind.kind for kind in KINDS]
    positions = [order.index(obj["kind"]) for obj in fabric]
    assert positions == sorted(positions)


@pytest.mark.parametrize("mclag", [False, True])
def test_every_kind_and_connection_type_appears(mclag):
    objects = generate_fabric(FabricSpec(mclag=mclag, leaves=4, externals=2, profiles=True))
    assert {obj["kind"] for obj in objects} == {kind.kind for kind in KINDS} - NOT_GENERATED
    types = {connection_type(obj) for obj in objects if obj["kind"] == "Connection"}
    # The generator's fabrics have no gateway, so no gateway connection.
    expected = connection_types() - {"gateway"}
    if not mclag:
        expected -= {"mclag", "mclagDomain"}
    assert types == expected


def test_leaf_roles_and_redundancy():
    objects = generate_fabric(FabricSpec(spines=2, leaves=5, mclag=True))
    switches = {obj["metadata"]["name"]: obj["spec"] for obj in objects if obj["kind"] == "Switch"}
    assert [spec["role"] for spec in switches.values()] == ["spine"] * 2 + ["server-leaf"] * 5
    redundancy = {name: spec.get("redundancy") for name, spec in switches.items() if spec["role"] != "spine"}
    assert redundancy == {
        "leaf-01": {"group": "mclag-1", "type": "mclag"},
        "leaf-02": {"group": "mclag-1", "type": "mclag"},
        "leaf-03": {"group": "eslag-1", "type": "eslag"},
        "leaf-04": {"group": "eslag-1", "type": "eslag"},
        "leaf-05": None,
    }
    assert switches["leaf-01"]["asn"] == switches["leaf-02"]["asn"]  # MCLAG peers share an ASN
    assert switches["leaf-03"]["asn"] != switches["leaf-04"]["asn"]
    assert all("asn" in spec and spec["profile"] for spec in switches.values())


def test_profiles_only_when_asked():
    spec = FabricSpec(spines=2, leaves=20, servers_per_leaf=24)
    plain = generate_fabric(spec)
    assert "SwitchProfile" not in {obj["kind"] for obj in plain}
    with_profiles = generate_fabric(replace(spec, profiles=True))
    profiles = [obj for obj in with_profiles if obj["kind"] == "SwitchProfile"]
    assert [obj for obj in with_profiles if obj["kind"] != "SwitchProfile"] == plain
    by_name = {obj["metadata"]["name"]: obj["spec"] for obj in profiles}
    assert set(by_name) == {obj["spec"]["profile"] for obj in plain if obj["kind"] == "Switch"}
    for name, profile in by_name.items():
        assert validate_against_crd({"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "SwitchProfile",
                                     "metadata": {"name": name, "namespace": "default"}, "spec": profile}) == []
        assert profile["ports"]["M1"]["management"] is True
        used = {p["profile"] for p in profile["ports"].values() if "profile" in p}
        assert used == set(profile["portProfiles"])
    # A leaf with 24 servers and its spine, mesh and loopback cables needs more than the model's 48 ports; the
    # spines (2 links to each of 20 leaves) more than 32.
    leaf_ports = max(len(ports) for switch, ports in switch_ports(plain).items() if switch.startswith("leaf"))
    assert leaf_ports > 48
    assert len(by_name["celestica-ds3000"]["ports"]) == leaf_ports + 1  # and the management port
    assert len(by_name["celestica-ds4000"]["ports"]) == 40 + 1
    leaf_port = by_name["celestica-ds3000"]["ports"]["E1/1"]
    assert leaf_port == {"nos": "Ethernet0", "label": "1", "profile": "SFP28-25G"}
    assert by_name["celestica-ds3000"]["portProfiles"]["SFP28-25G"]["speed"]["default"] == "25G"
    spine_port = by_name["celestica-ds4000"]["ports"]["E1/2"]
    assert spine_port == {"nos": "1/2", "baseNOSName": "Ethernet4", "label": "2", "profile": "QSFP28-100G"}
    assert "4x25G" in by_name["celestica-ds4000"]["portProfiles"]["QSFP28-100G"]["breakout"]["supported"]
    small = {obj["metadata"]["name"]: obj["spec"] for obj in generate_fabric(FabricSpec(profiles=True))
             if obj["kind"] == "SwitchProfile"}
    assert (len(small["celestica-ds3000"]["ports"]), len(small["celestica-ds4000"]["ports"])) == (49, 33)


def test_default_spec_sizes():
    counts = Counter(obj["kind"] for obj in generate_fabric(FabricSpec()))
    assert counts["Switch"] == 6
    assert counts["Server"] == 8
    assert counts["VPC"] == 4
    assert counts["VPCAttachment"] == 8
    assert counts["VPCPeering"] == 2


def test_deterministic_for_a_seed():
    spec = FabricSpec(leaves=6, servers_per_leaf=5, vpcs=6, seed=42)
    objects = generate_fabric(spec)
    assert dump_yaml(generate_fabric(spec)) == dump_yaml(objects)
    # The seed picks MACs and attachment subnets; the topology stays the same.
    other = generate_fabric(replace(spec, seed=43))
    assert other != objects
    assert topology(other) == topology(objects)
    macs = {obj["spec"]["boot"]["mac"] for obj in objects if obj["kind"] == "Switch"}
    assert len(macs) == 8  # unique per switch


def topology(objects):
    wiring = ("Switch", "Server", "Connection")
    return [(obj["kind"], obj["metadata"]["name"]) for obj in objects if obj["kind"] in wiring]


@pytest.mark.parametrize("total", [1_000, 10_000, 30_000])
def test_spec_for_object_count(total):
    spec = spec_for_object_count(total, name="bench", seed=1)
    objects = generate_fabric(spec)
    assert abs(len(objects) - total) <= total * 0.05
    assert spec.name == "bench"
    assert spec.seed == 1


def test_ten_thousand_objects_are_valid_and_fast():
    spec = spec_for_object_count(10_000)
    started = time.perf_counter()
    objects = generate_fabric(spec)
    elapsed = time.perf_counter() - started
    assert elapsed < 2, f"generating {len(objects)} objects took {elapsed:.2f}s"
    assert reference_errors(objects) == []
    # Schema validation of every object is slow; one of each connection type and kind suffices.
    seen = set()
    for obj in objects:
        key = (obj["kind"], connection_type(obj) if obj["kind"] == "Connection" else None)
        if key not in seen:
            seen.add(key)
            assert validate_against_crd(obj) == [], obj["metadata"]["name"]


def test_invalid_specs_are_refused():
    for spec in (FabricSpec(leaves=0), FabricSpec(spines=-1), FabricSpec(vpcs=1000, subnets_per_vpc=4),
                 FabricSpec(spines=500, leaves=501), FabricSpec(spines=20, leaves=600), FabricSpec(externals=251)):
        with pytest.raises(ValueError):
            generate_fabric(spec)


def switch_ports(objects):
    ports = defaultdict(set)
    switches = {obj["metadata"]["name"] for obj in objects if obj["kind"] == "Switch"}
    for obj in objects:
        if obj["kind"] == "Connection":
            for _end, port in endpoints(obj["spec"]):
                device, _, interface = port.partition("/")
                if device in switches:
                    ports[device].add(interface)
    return ports


@pytest.mark.parametrize("alive", [True, False])
@pytest.mark.parametrize("applied", [True, False])
def test_agents(alive, applied):
    objects = generate_fabric(SPECS["mclag-and-eslag"])
    agents = generate_agents(objects, now=NOW, alive=alive, applied=applied)
    switches = [obj for obj in objects if obj["kind"] == "Switch"]
    assert [agent["metadata"]["name"] for agent in agents] == [obj["metadata"]["name"] for obj in switches]
    ports = switch_ports(objects)
    heartbeat = NOW if alive else NOW - timedelta(minutes=10)
    for agent in agents:
        assert validate_against_crd(agent) == []
        assert agent["apiVersion"] == AGENT.api_version
        status, generation = agent["status"], agent["metadata"]["generation"]
        assert datetime.fromisoformat(status["lastHeartbeat"]) == heartbeat
        assert status["lastAppliedGen"] == (generation if applied else generation - 1)
        assert datetime.fromisoformat(status["lastAppliedTime"]) <= heartbeat
        interfaces = status["state"]["interfaces"]
        assert set(interfaces) == ports[agent["metadata"]["name"]]
        assert {interface["oper"] for interface in interfaces.values()} == {"up" if alive else "down"}


def test_agents_report_down_ports():
    objects = generate_fabric(FabricSpec())
    agents = {a["metadata"]["name"]: a for a in generate_agents(objects, now=NOW, down_ports=["leaf-02/E1/3"])}
    interfaces = agents["leaf-02"]["status"]["state"]["interfaces"]
    assert interfaces["E1/3"]["oper"] == "down"
    assert [port for port, state in interfaces.items() if state["oper"] == "down"] == ["E1/3"]


def test_agents_accept_naive_utc_time():
    objects = generate_fabric(FabricSpec(leaves=1, spines=1))
    (agent, _) = generate_agents(objects, now=datetime(2026, 1, 2, 3, 4, 5))
    assert agent["status"]["lastHeartbeat"] == "2026-01-02T03:04:05Z"


def test_dump_yaml_round_trips_in_written_order():
    objects = generate_fabric(FabricSpec())
    objects += generate_agents(objects, now=NOW)
    text = dump_yaml(objects)
    assert "&id" not in text and "*id" not in text  # no YAML aliases
    loaded = list(yaml.safe_load_all(text))
    assert loaded == objects
    assert text.startswith("---\napiVersion: wiring.githedgehog.com/v1beta1\nkind: VLANNamespace\nmetadata:\n")


@pytest.mark.parametrize("split", [True, False])
def test_write_wiring(tmp_path, split):
    objects = generate_fabric(FabricSpec())
    paths = write_wiring(objects, tmp_path, split=split)
    if split:
        assert {path.relative_to(tmp_path).as_posix() for path in paths} == {
            f"wiring/{kind.kind.lower()}.yaml" for kind in KINDS if kind.kind not in {*NOT_GENERATED, "SwitchProfile"}
        }
    else:
        assert paths == [tmp_path / "wiring.yaml"]
    loaded = [obj for path in paths for obj in yaml.safe_load_all(path.read_text())]
    assert loaded == objects


def test_cli_writes_one_file(tmp_path, capsys):
    out = tmp_path / "fabric.yaml"
    main(["--name", "cli", "--spines", "1", "--leaves", "2", "--servers-per-leaf", "3", "--agents",
          "--now", "2026-11-23T12:00:00Z", "--out", str(out)])
    objects = list(yaml.safe_load_all(out.read_text()))
    expected = generate_fabric(FabricSpec(name="cli", spines=1, leaves=2, servers_per_leaf=3))
    assert objects == expected + generate_agents(expected, now=NOW)
    assert "wrote" in capsys.readouterr().err


def test_cli_writes_profiles(tmp_path):
    out = tmp_path / "fabric.yaml"
    main(["--spines", "1", "--leaves", "2", "--profiles", "--out", str(out)])
    objects = list(yaml.safe_load_all(out.read_text()))
    assert objects == generate_fabric(FabricSpec(spines=1, leaves=2, profiles=True))
    assert [obj["metadata"]["name"] for obj in objects if obj["kind"] == "SwitchProfile"] == [
        "celestica-ds3000", "celestica-ds4000"]


def test_cli_sizes_by_object_count_into_a_directory(tmp_path):
    main(["--objects", "2000", "--dir", str(tmp_path)])
    paths = sorted((tmp_path / "wiring").glob("*.yaml"))
    objects = [obj for path in paths for obj in yaml.safe_load_all(path.read_text())]
    assert abs(len(objects) - 2000) <= 100


def test_cli_module_help():
    result = subprocess.run([sys.executable, "-m", "netbox_hedgehog.generator", "--help"],
                            capture_output=True, text=True, check=True)
    for option in ("--name", "--spines", "--leaves", "--servers-per-leaf", "--objects", "--profiles", "--agents",
                   "--out", "--dir"):
        assert option in result.stdout


@pytest.mark.parametrize("name", ["lab-ci_env-ci-1_wiring.yaml", "lab-ci_env-ci-1_wiring_mclag-variant.yaml"])
def test_reference_check_accepts_the_real_lab_wiring(name):
    # The reference check above is not tailored to the generator: the upstream lab passes it.
    assert reference_errors(load_sample(SAMPLES_DIR / name)) == []


def test_reference_check_catches_broken_fabrics():
    def broken(change):
        objects = copy.deepcopy(generate_fabric(FabricSpec()))
        change({(obj["kind"], obj["metadata"]["name"]): obj["spec"] for obj in objects})
        return reference_errors(objects)

    def dangling_port(specs):
        links = specs["Connection", "server-01--eslag--leaf-01--leaf-02"]["eslag"]["links"]
        links[0]["switch"]["port"] = "leaf-09/E1/1"

    def reused_port(specs):
        specs["Connection", "leaf-01--external"]["external"]["link"]["switch"]["port"] = "leaf-01/E1/1"

    def unknown_subnet(specs):
        attachment = next(spec for (kind, _name), spec in specs.items() if kind == "VPCAttachment")
        attachment["subnet"] = "vpc-01/subnet-09"

    def reused_vlan(specs):
        specs["VPC", "vpc-02"]["subnets"]["subnet-01"]["vlan"] = specs["VPC", "vpc-01"]["subnets"]["subnet-01"]["vlan"]

    assert broken(dangling_port) == [
        "Connection server-01--eslag--leaf-01--leaf-02: switch port leaf-09/E1/1 is on no known device",
        "Connection server-01--eslag--leaf-01--leaf-02: eslag switches are not one eslag redundancy group",
    ]
    assert broken(reused_port) == [
        "Connection leaf-01--external: port leaf-01/E1/1 already used by spine-01--fabric--leaf-01"
    ]
    assert len(broken(unknown_subnet)) == 1 and "unknown subnet vpc-01/subnet-09" in broken(unknown_subnet)[0]
    assert broken(reused_vlan) == ["VPC vpc-02 subnet subnet-01: VLAN 1000 already used by VPC vpc-01 subnet subnet-01"]


def test_reference_check_finds_dangling_references():
    # demo-gitops relies on namespaces and connections of a lab that is not in the file.
    errors = reference_errors(load_sample(SAMPLES_DIR / "demo-gitops_env-1_pre-demo.yaml"))
    assert errors == [
        "VPC demo-vpc-1 subnet default: 10.10.101.0/24 outside the IPv4Namespace",
        "VPC demo-vpc-1 subnet default: VLAN 1101 outside the VLANNamespace",
        "VPC demo-vpc-2 subnet default: 10.10.102.0/24 outside the IPv4Namespace",
        "VPC demo-vpc-2 subnet default: VLAN 1102 outside the VLANNamespace",
        "VPCAttachment demo-vpc-1--server-1--mclag--s5248-01--s5248-02: "
        "server-1--mclag--s5248-01--s5248-02 is no server connection",
        "VPCAttachment demo-vpc-2--server-4--unbundled--s5248-02: "
        "server-4--unbundled--s5248-02 is no server connection",
    ]
