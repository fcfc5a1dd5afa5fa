"""
Generator of synthetic Hedgehog fabrics: spine-leaf wiring, VPCs, externals, Agents and
(optionally) the SwitchProfiles the switches use, as Kubernetes manifests, for tests, demos
and benchmarks.

Django-free and deterministic: the same FabricSpec always gives the same objects (the seed
drives switch MACs and which subnet each server connection is attached to). Every object is
valid against the upstream CRD schema, every reference resolves, and names, ports, VLANs and
subnets are unique.

    python -m netbox_hedgehog.generator --leaves 4 --servers-per-leaf 2 --out wiring.yaml
"""
import argparse
import copy
import ipaddress
import random
import sys
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from netbox_hedgehog.kinds import AGENT, KINDS, KINDS_BY_NAME

__all__ = (
    "FabricSpec",
    "dump_yaml",
    "generate_agents",
    "generate_fabric",
    "spec_for_object_count",
    "write_wiring",
)

NAMESPACE = "default"
SPINE_PROFILE = "celestica-ds4000"
LEAF_PROFILE = "celestica-ds3000"
SPINE_ASN = 65100
LEAF_ASN_BASE = 65101
EXTERNAL_ASN = 64102
FABRIC_LINKS_PER_SPINE = 2

# Address plan, after hhfab's defaults: management, protocol (loopback) and VTEP addresses
# per switch, /31s for spine-leaf and mesh links, a /24 per VPC subnet out of 10.0.0.0/8.
MANAGEMENT_BASE = ipaddress.IPv4Address("172.30.0.10")
PROTOCOL_BASE = ipaddress.IPv4Address("172.30.8.0")
VTEP_BASE = ipaddress.IPv4Address("172.30.12.0")
LINK_BASE = ipaddress.IPv4Address("172.30.128.0")
MAX_ROUTED_LINKS = 2**14  # /31s in 172.30.128.0/17
VPC_SUPERNET = "10.0.0.0/8"
MAX_SWITCHES = 1000  # the protocol and VTEP blocks above hold 1024 addresses each
VLAN_FIRST = 1000
VLAN_LAST = 4094
MAX_EXTERNALS = 250  # an attachment's addresses carry the external's index in one octet

# What the generator's SwitchProfiles say about each switch model it uses. Like the fabric controller's
# catalog in shape (a management port, front-panel ports with NOS names, port profiles), but synthetic:
# each profile lists at least `min_ports` ports, and more when the generated switches use more.
SPEED_PORT_PROFILE = "SFP28-25G"
BREAKOUT_PORT_PROFILE = "QSFP28-100G"
PORT_PROFILES = {
    SPEED_PORT_PROFILE: {"speed": {"default": "25G", "supported": ["10G", "25G"]}},
    BREAKOUT_PORT_PROFILE: {"breakout": {"default": "1x100G", "supported": {
        "1x100G": {"offsets": ["0"]}, "1x40G": {"offsets": ["0"]}, "4x25G": {"offsets": ["0", "1", "2", "3"]},
        "4x10G": {"offsets": ["0", "1", "2", "3"]},
    }}, "autoNegAllowed": True, "autoNegDefault": False},
}


@dataclass(frozen=True)
class _SwitchModel:
    display_name: str
    switch_silicon: str
    platform: str
    port_profile: str  # every front-panel port's
    min_ports: int


SWITCH_MODELS = {
    SPINE_PROFILE: _SwitchModel("Celestica DS4000", "Broadcom TH3", "x86_64-cel_ds4000-r0", BREAKOUT_PORT_PROFILE,
                                32),
    LEAF_PROFILE: _SwitchModel("Celestica DS3000", "Broadcom TD3-X7 3.2T", "x86_64-cel_seastone_2-r0",
                               SPEED_PORT_PROFILE, 48),
}


@dataclass
class FabricSpec:
    name: str = "demo"
    spines: int = 2
    leaves: int = 4
    servers_per_leaf: int = 2
    vpcs: int = 4
    subnets_per_vpc: int = 2
    externals: int = 1
    mclag: bool = False
    seed: int = 0
    profiles: bool = False  # also a SwitchProfile for each profile the switches use


def _numbered(prefix, index, count):
    """`prefix-01`, zero-padded so that names sort in creation order."""
    return f"{prefix}-{index + 1:0{max(2, len(str(count)))}d}"


def _manifest(kind, name, spec):
    return {
        "apiVersion": KINDS_BY_NAME[kind].api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": spec,
    }


class _Ports:
    """Hands out each switch's front-panel ports in order, so no port is used twice."""

    def __init__(self):
        self._used = defaultdict(int)

    def take(self, switch):
        self._used[switch] += 1
        return f"{switch}/E1/{self._used[switch]}"

    def used(self, switch):
        """How many of the switch's ports were handed out."""
        return self._used[switch]


class _LinkAddresses:
    """Consecutive /31 pairs for routed point-to-point links."""

    def __init__(self):
        self._next = LINK_BASE

    def pair(self):
        first, self._next = self._next, self._next + 2
        return f"{first}/31", f"{first + 1}/31"


def _check(spec):
    for field in ("spines", "leaves", "servers_per_leaf", "vpcs", "subnets_per_vpc", "externals"):
        if getattr(spec, field) < 0:
            raise ValueError(f"{field} must not be negative")
    if spec.leaves < 1:
        raise ValueError("a fabric needs at least one leaf")
    if spec.spines + spec.leaves > MAX_SWITCHES:
        raise ValueError(f"at most {MAX_SWITCHES} switches")
    if spec.vpcs * spec.subnets_per_vpc > VLAN_LAST - VLAN_FIRST + 1:
        raise ValueError(f"at most {VLAN_LAST - VLAN_FIRST + 1} VPC subnets (one VLAN each)")
    if spec.spines * spec.leaves * FABRIC_LINKS_PER_SPINE + 1 > MAX_ROUTED_LINKS:
        raise ValueError(f"at most {MAX_ROUTED_LINKS} routed links (spines x leaves x {FABRIC_LINKS_PER_SPINE})")
    if spec.externals > MAX_EXTERNALS:
        raise ValueError(f"at most {MAX_EXTERNALS} externals")


def _leaf_pairs(leaves, mclag):
    """
    Leaves grouped two by two into redundancy groups; an odd last leaf stands alone.

    Returns [(members, redundancy type or None, group name or None)]. With mclag the first
    pair is an MCLAG pair, all other pairs are ESLAG.
    """
    groups = []
    counters = defaultdict(int)
    for start in range(0, len(leaves), 2):
        members = leaves[start:start + 2]
        if len(members) < 2:
            groups.append((members, None, None))
            continue
        redundancy = "mclag" if mclag and start == 0 else "eslag"
        counters[redundancy] += 1
        groups.append((members, redundancy, f"{redundancy}-{counters[redundancy]}"))
    return groups


def _switch_to_switch_links(first, second, count, ports):
    return [{"switch1": {"port": ports.take(first)}, "switch2": {"port": ports.take(second)}} for _ in range(count)]


def _server_connection(server, kind, switches, ports):
    """One server's connection: `kind` is unbundled, bundled, eslag or mclag."""
    if kind == "unbundled":
        (switch,) = switches
        link = {"server": {"port": f"{server}/enp2s1"}, "switch": {"port": ports.take(switch)}}
        return f"{server}--unbundled--{switch}", {"unbundled": {"link": link}}
    # bundled: two NICs to one switch; eslag/mclag: one NIC to each switch of the pair.
    targets = switches * 2 if kind == "bundled" else switches
    links = [
        {"server": {"port": f"{server}/enp2s{nic}"}, "switch": {"port": ports.take(switch)}}
        for nic, switch in enumerate(targets, start=1)
    ]
    return f"{server}--{kind}--{'--'.join(switches)}", {kind: {"links": links}}


def _switch_profile(model, port_count):
    """A SwitchProfile spec with a management port and `port_count` front-panel ports E1/1...E1/N."""
    ports = {"M1": {"nos": "Management0", "management": True, "oniePortName": "eth0"}}
    for number in range(1, port_count + 1):
        if model.port_profile == BREAKOUT_PORT_PROFILE:
            port = {"nos": f"1/{number}", "baseNOSName": f"Ethernet{4 * (number - 1)}"}
        else:
            port = {"nos": f"Ethernet{number - 1}"}
        ports[f"E1/{number}"] = {**port, "label": str(number), "profile": model.port_profile}
    return {
        "displayName": model.display_name,
        "switchSilicon": model.switch_silicon,
        "features": {"subinterfaces": True, "acls": True, "l2vni": True, "l3vni": True, "eslag": True,
                     "mclag": True},
        "nosType": "sonic-bcm-base",
        "platform": model.platform,
        "config": {},
        "ports": ports,
        "portProfiles": {model.port_profile: copy.deepcopy(PORT_PROFILES[model.port_profile])},
    }


class _Fabric:
    """What the generator's steps share while one fabric is built: the spec, the names, and the allocators."""

    def __init__(self, spec):
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.ports = _Ports()
        self.link_addresses = _LinkAddresses()
        self.objects = defaultdict(list)
        self.spines = [_numbered("spine", i, spec.spines) for i in range(spec.spines)]
        self.leaves = [_numbered("leaf", i, spec.leaves) for i in range(spec.leaves)]
        self.pairs = _leaf_pairs(self.leaves, spec.mclag)
        self.border_leaves = self.leaves[:2] if spec.externals else []
        self.externals = [_numbered("external", i, spec.externals) for i in range(spec.externals)]
        self.macs = self.rng.sample(range(2**24), len(self.spines) + len(self.leaves))

    def add(self, kind, name, body):
        self.objects[kind].append(_manifest(kind, name, body))

    def manifests(self):
        """Every object, referenced kinds first (the KINDS table's order)."""
        return [obj for kind in KINDS for obj in self.objects[kind.kind]]


def _add_namespaces(fabric):
    last_vlan = max(2999, VLAN_FIRST + fabric.spec.vpcs * fabric.spec.subnets_per_vpc - 1)
    fabric.add("VLANNamespace", "default", {"ranges": [{"from": VLAN_FIRST, "to": last_vlan}]})
    fabric.add("IPv4Namespace", "default", {"subnets": [VPC_SUPERNET]})


def _add_switch(fabric, name, role, description, asn, extra):
    index = len(fabric.objects["Switch"])
    mac = fabric.macs[index]
    fabric.add("Switch", name, {
        "role": role,
        "description": description,
        "profile": SPINE_PROFILE if role == "spine" else LEAF_PROFILE,
        "asn": asn,
        "ip": f"{MANAGEMENT_BASE + index}/21",
        "protocolIP": f"{PROTOCOL_BASE + index}/32",
        "boot": {"mac": f"0c:20:12:{mac >> 16:02x}:{(mac >> 8) & 0xFF:02x}:{mac & 0xFF:02x}"},
        **extra,
    })


def _add_switches(fabric):
    """Switch groups (one per redundant leaf pair, one for the border leaves), spines, then leaves."""
    for _members, _redundancy, group in fabric.pairs:
        if group:
            fabric.add("SwitchGroup", group, {})
    if fabric.border_leaves:
        fabric.add("SwitchGroup", "border", {})
    for i, spine in enumerate(fabric.spines):
        _add_switch(fabric, spine, "spine", f"{fabric.spec.name} spine {i + 1}", SPINE_ASN, {})
    leaf_number = 0
    for pair_index, (members, redundancy, group) in enumerate(fabric.pairs):
        for member in members:
            extra = {"vtepIP": f"{VTEP_BASE + leaf_number}/32", "vlanNamespaces": ["default"]}
            if member in fabric.border_leaves:
                extra["groups"] = ["border"]
            if redundancy:
                extra["redundancy"] = {"group": group, "type": redundancy}
            # MCLAG peers share an ASN; ESLAG and standalone leaves have their own.
            asn = LEAF_ASN_BASE + (2 * pair_index if redundancy == "mclag" else leaf_number)
            leaf_number += 1
            _add_switch(fabric, member, "server-leaf", f"{fabric.spec.name} leaf {leaf_number}", asn, extra)


def _add_switch_connections(fabric):
    """Spine-leaf fabric links, MCLAG domains, one mesh link, loopbacks, and the border leaves' external links."""
    ports = fabric.ports
    for spine in fabric.spines:
        for leaf in fabric.leaves:
            links = []
            for _ in range(FABRIC_LINKS_PER_SPINE):
                spine_ip, leaf_ip = fabric.link_addresses.pair()
                links.append({"spine": {"port": ports.take(spine), "ip": spine_ip},
                              "leaf": {"port": ports.take(leaf), "ip": leaf_ip}})
            fabric.add("Connection", f"{spine}--fabric--{leaf}", {"fabric": {"links": links}})
    for members, redundancy, _group in fabric.pairs:
        if redundancy == "mclag":
            first, second = members
            domain = {"peerLinks": _switch_to_switch_links(first, second, 2, ports),
                      "sessionLinks": _switch_to_switch_links(first, second, 2, ports)}
            fabric.add("Connection", f"{first}--mclag-domain--{second}", {"mclagDomain": domain})
    if len(fabric.leaves) >= 2:
        first, second = fabric.leaves[:2]
        first_ip, second_ip = fabric.link_addresses.pair()
        mesh_link = {"leaf1": {"port": ports.take(first), "ip": first_ip},
                     "leaf2": {"port": ports.take(second), "ip": second_ip}}
        fabric.add("Connection", f"{first}--mesh--{second}", {"mesh": {"links": [mesh_link]}})
    for leaf in fabric.leaves:
        # A loopback cable joins two ports of the same switch.
        fabric.add("Connection", f"{leaf}--vpc-loopback",
                   {"vpcLoopback": {"links": _switch_to_switch_links(leaf, leaf, 2, ports)}})
    for index, leaf in enumerate(fabric.border_leaves):
        fabric.add("Connection", f"{leaf}--external", {"external": {"link": {"switch": {"port": ports.take(leaf)}}}})
        static_link = {"switch": {"port": ports.take(leaf), "ip": f"172.31.{index}.1/24",
                                  "nextHop": f"172.31.{index}.254", "subnets": [f"192.168.{index}.0/24"]}}
        fabric.add("Connection", f"{leaf}--static-external", {"staticExternal": {"link": static_link}})


def _add_servers(fabric):
    """
    Servers and their connections; returns the connection names. A pair's servers cycle through a redundant
    (ESLAG or MCLAG) connection, a bundled one and an unbundled one, alternating between the pair's two leaves;
    a standalone leaf's servers alternate between bundled and unbundled.
    """
    count = fabric.spec.leaves * fabric.spec.servers_per_leaf
    connections = []
    for members, redundancy, _group in fabric.pairs:
        kinds = [redundancy, "bundled", "unbundled"] if redundancy else ["bundled", "unbundled"]
        for k in range(len(members) * fabric.spec.servers_per_leaf):
            number = len(fabric.objects["Server"])
            server = _numbered("server", number, count)
            fabric.add("Server", server, {"description": f"{fabric.spec.name} server {number + 1}"})
            kind = kinds[k % len(kinds)]
            switches = members if kind == redundancy else [members[(k // len(kinds)) % len(members)]]
            name, body = _server_connection(server, kind, switches, fabric.ports)
            fabric.add("Connection", name, body)
            connections.append(name)
    return connections


def _add_vpcs(fabric, server_connections):
    """VPCs with one /24 and one VLAN per subnet, an attachment per server connection, peerings of VPC pairs;
    returns {vpc: its first subnet}."""
    vpc_subnets = []
    supernet = ipaddress.IPv4Network(VPC_SUPERNET)
    for v in range(fabric.spec.vpcs):
        vpc = _numbered("vpc", v, fabric.spec.vpcs)
        names = [_numbered("subnet", s, fabric.spec.subnets_per_vpc) for s in range(fabric.spec.subnets_per_vpc)]
        subnets = {}
        for subnet_name in names:
            number = len(vpc_subnets)
            network = supernet.network_address + 256 * number
            subnets[subnet_name] = {
                "subnet": f"{network}/24",
                "gateway": str(network + 1),
                "vlan": VLAN_FIRST + number,
                "dhcp": {"enable": True, "range": {"start": str(network + 10), "end": str(network + 99)}},
            }
            vpc_subnets.append((vpc, subnet_name))
        body = {"ipv4Namespace": "default", "vlanNamespace": "default", "subnets": subnets}
        if len(names) >= 2:
            # The last subnet is isolated; the permit list lets it talk to the first one.
            subnets[names[-1]]["isolated"] = True
            body["permit"] = [[names[0], names[-1]]]
        fabric.add("VPC", vpc, body)
    if vpc_subnets:
        for connection in server_connections:
            vpc, subnet = fabric.rng.choice(vpc_subnets)
            fabric.add("VPCAttachment", f"{vpc}--{connection}", {"connection": connection, "subnet": f"{vpc}/{subnet}"})
    first_subnet = {}
    for vpc, subnet in vpc_subnets:
        first_subnet.setdefault(vpc, subnet)
    names = list(first_subnet)
    for first, second in zip(names[::2], names[1::2], strict=False):
        permit = {first: {"subnets": [first_subnet[first]]}, second: {"subnets": [first_subnet[second]]}}
        fabric.add("VPCPeering", f"{first}--{second}", {"permit": [permit]})
    return first_subnet


def _add_externals(fabric, vpc_first_subnet):
    """Externals (even ones speak BGP, odd ones are static), their attachments on the border leaves, peerings."""
    for e, external in enumerate(fabric.externals):
        if e % 2 == 0:
            fabric.add("External", external, {"ipv4Namespace": "default",
                                              "inboundCommunity": f"{EXTERNAL_ASN}:{5000 + e}",
                                              "outboundCommunity": f"{5000 + e}:{EXTERNAL_ASN}"})
        else:
            fabric.add("External", external, {"ipv4Namespace": "default", "static": {"prefixes": ["0.0.0.0/0"]}})
    for b, leaf in enumerate(fabric.border_leaves):
        for e, external in enumerate(fabric.externals):
            body = {"external": external, "connection": f"{leaf}--external"}
            if e % 2 == 0:
                body["switch"] = {"vlan": 100 + e, "ip": f"100.{b}.{e}.2/24"}
                body["neighbor"] = {"asn": EXTERNAL_ASN, "ip": f"100.{b}.{e}.6"}
            else:
                # A static attachment as the cluster stores it: the Go webhook round-trip turns the omitted BGP
                # parts into empty objects.
                body["switch"] = {}
                body["neighbor"] = {}
                body["static"] = {"remoteIP": f"100.{b}.{e}.6", "vlan": 100 + e, "ip": f"100.{b}.{e}.2/24"}
            fabric.add("ExternalAttachment", f"{leaf}--{external}", body)
    vpcs = list(vpc_first_subnet)
    for e, external in enumerate(fabric.externals if vpcs else ()):
        vpc = vpcs[e % len(vpcs)]
        fabric.add("ExternalPeering", f"{vpc}--{external}", {"permit": {
            "vpc": {"name": vpc, "subnets": [vpc_first_subnet[vpc]]},
            "external": {"name": external, "prefixes": [{"prefix": "0.0.0.0/0"}]},
        }})


def _add_profiles(fabric):
    """One SwitchProfile per profile the switches use, with at least as many ports as the busiest of them."""
    used = defaultdict(int)
    for switch in fabric.objects["Switch"]:
        profile = switch["spec"]["profile"]
        used[profile] = max(used[profile], fabric.ports.used(switch["metadata"]["name"]))
    for profile, port_count in sorted(used.items()):
        model = SWITCH_MODELS[profile]
        fabric.add("SwitchProfile", profile, _switch_profile(model, max(model.min_ports, port_count)))


def generate_fabric(spec):
    """The manifests of a whole fabric described by `spec`, referenced kinds first."""
    _check(spec)
    fabric = _Fabric(spec)
    _add_namespaces(fabric)
    _add_switches(fabric)
    _add_switch_connections(fabric)
    server_connections = _add_servers(fabric)
    vpc_first_subnet = _add_vpcs(fabric, server_connections)
    _add_externals(fabric, vpc_first_subnet)
    if spec.profiles:
        _add_profiles(fabric)
    return fabric.manifests()


def spec_for_object_count(total, name="bench", seed=0):
    """
    A FabricSpec whose fabric has roughly `total` objects (within a few percent above a few
    hundred objects): 4 spines, 24 servers per leaf, one 4-subnet VPC per leaf, 2 externals,
    and as many leaves as it takes.
    """
    def spec_with(leaves):
        vpcs = min(leaves, (VLAN_LAST - VLAN_FIRST + 1) // 4)
        return FabricSpec(name=name, spines=4, leaves=leaves, servers_per_leaf=24, vpcs=vpcs,
                          subnets_per_vpc=4, externals=2, mclag=False, seed=seed)

    # The object count grows linearly with even leaf counts: measure two small fabrics.
    small, large = (len(generate_fabric(spec_with(leaves))) for leaves in (4, 8))
    per_leaf = (large - small) / 4
    leaves = round((total - small) / per_leaf / 2) * 2 + 4
    return spec_with(max(2, min(leaves, MAX_SWITCHES - 4)))


def _rfc3339(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ports_by_switch(objects):
    """{switch name: [port names]} of every port that a Connection uses."""
    switches = {obj["metadata"]["name"] for obj in objects if obj["kind"] == "Switch"}
    ports = defaultdict(list)

    def collect(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "port" and isinstance(value, str):
                    device, _, port = value.partition("/")
                    if device in switches:
                        ports[device].append(port)
                else:
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    for obj in objects:
        if obj["kind"] == "Connection":
            collect(obj["spec"])
    return ports


def generate_agents(objects, *, now, alive=True, applied=True, down_ports=()):
    """
    One Agent per Switch in `objects`, as the switch agent reports itself.

    alive: heartbeat at `now`, else 10 minutes before it (and every port reported down).
    applied: the agent has applied its current generation, else it is one behind.
    down_ports: "switch/E1/N" ports reported down even on a live agent.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    heartbeat = now if alive else now - timedelta(minutes=10)
    down = set(down_ports)
    ports = _ports_by_switch(objects)
    agents = []
    for switch in (obj for obj in objects if obj["kind"] == "Switch"):
        name = switch["metadata"]["name"]
        # Stable per switch, and at least 2 so that "one generation behind" stays positive.
        generation = 2 + zlib.crc32(name.encode()) % 9
        applied_generation = generation if applied else generation - 1
        interfaces = {
            port: {
                "enabled": True,
                "admin": "up",
                "oper": "up" if alive and f"{name}/{port}" not in down else "down",
            }
            for port in ports.get(name, ())
        }
        agents.append({
            "apiVersion": AGENT.api_version,
            "kind": AGENT.kind,
            "metadata": {"name": name, "namespace": NAMESPACE, "generation": generation},
            "spec": {
                "role": switch["spec"]["role"],
                "description": switch["spec"].get("description", ""),
                "switch": copy.deepcopy(switch["spec"]),
            },
            "status": {
                "conditions": [],
                "lastHeartbeat": _rfc3339(heartbeat),
                "lastAttemptGen": applied_generation,
                "lastAttemptTime": _rfc3339(heartbeat - timedelta(seconds=30)),
                "lastAppliedGen": applied_generation,
                "lastAppliedTime": _rfc3339(heartbeat - timedelta(seconds=30)),
                "state": {"interfaces": interfaces},
            },
        })
    return agents


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Safe YAML dumper (the C one when available) that never writes anchors and aliases."""

    def ignore_aliases(self, data):
        return True


def dump_yaml(objects):
    """Multi-document YAML, keys in the order they were written."""
    return yaml.dump_all(objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False, explicit_start=True)


def write_wiring(objects, directory, *, split=True):
    """
    Write `objects` under `directory`: `wiring/<kind>.yaml` per kind (lower case) when split,
    else one `wiring.yaml`. Returns the paths written.
    """
    directory = Path(directory)
    if not split:
        path = directory / "wiring.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(objects))
        return [path]
    by_kind = defaultdict(list)
    for obj in objects:
        by_kind[obj["kind"]].append(obj)
    (directory / "wiring").mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, kind_objects in by_kind.items():
        path = directory / "wiring" / f"{kind.lower()}.yaml"
        path.write_text(dump_yaml(kind_objects))
        paths.append(path)
    return paths


def _parse_args(argv):
    defaults = FabricSpec()
    parser = argparse.ArgumentParser(
        prog="python -m netbox_hedgehog.generator",
        description="Generate a synthetic, schema-valid Hedgehog spine-leaf fabric as Kubernetes manifests.",
    )
    parser.add_argument("--name", default=defaults.name,
                        help="fabric name, used in descriptions (default: %(default)s)")
    parser.add_argument("--spines", type=int, default=defaults.spines, help="spine switches (default: %(default)s)")
    parser.add_argument("--leaves", type=int, default=defaults.leaves,
                        help="server-leaf switches, paired for ESLAG (default: %(default)s)")
    parser.add_argument("--servers-per-leaf", type=int, default=defaults.servers_per_leaf,
                        help="servers per leaf (default: %(default)s)")
    parser.add_argument("--vpcs", type=int, default=defaults.vpcs, help="VPCs (default: %(default)s)")
    parser.add_argument("--subnets-per-vpc", type=int, default=defaults.subnets_per_vpc,
                        help="subnets per VPC (default: %(default)s)")
    parser.add_argument("--externals", type=int, default=defaults.externals,
                        help="externals, alternately BGP and static (default: %(default)s)")
    parser.add_argument("--mclag", action="store_true", help="make the first leaf pair an MCLAG pair")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed (default: %(default)s)")
    parser.add_argument("--objects", type=int, metavar="N",
                        help="size the fabric for about N objects; overrides the size options above")
    parser.add_argument("--profiles", action="store_true",
                        help="also write a SwitchProfile for each profile the switches use, as a cluster holds them")
    parser.add_argument("--agents", action="store_true", help="also write one live, applied Agent per switch")
    parser.add_argument("--now", type=datetime.fromisoformat,
                        help="agent heartbeat time, ISO 8601 (default: the current time)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", metavar="FILE", help="write one multi-document YAML file ('-' for stdout)")
    target.add_argument("--dir", metavar="DIR", help="write DIR/wiring/<kind>.yaml, one file per kind")
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    if args.objects:
        spec = spec_for_object_count(args.objects, name=args.name, seed=args.seed)
    else:
        spec = FabricSpec(**{field: getattr(args, field) for field in asdict(FabricSpec())})
    spec = replace(spec, mclag=spec.mclag or args.mclag, profiles=args.profiles)
    objects = generate_fabric(spec)
    if args.agents:
        objects += generate_agents(objects, now=args.now or datetime.now(UTC))
    if args.dir:
        paths = write_wiring(objects, args.dir)
        print(f"wrote {len(objects)} objects to {len(paths)} files under {Path(args.dir) / 'wiring'}", file=sys.stderr)
    elif args.out == "-":
        sys.stdout.write(dump_yaml(objects))
    else:
        Path(args.out).write_text(dump_yaml(objects))
        print(f"wrote {len(objects)} objects to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
