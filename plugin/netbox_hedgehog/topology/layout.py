"""
The picture of a fabric as data: nodes in tiers with their positions, and the links between them with their state.

`load_fabric` reads what the sync stored for one fabric, as far as one user may view it, in a fixed number of
queries whatever the fabric's size; `parse_filters` checks the `vpc`, `group` and `problems` parameters against
it; `build_topology` is pure: the same fabric and filters always give the same layout.

Tiers, top to bottom: spines; leaves (every other switch role), side by side in blocks, one block per redundancy
group; servers, each under the first leaf block it is cabled to. Externals, gateways and the far ends of external
connections without an attachment ("uplinks") stand in columns at the right, between the spine and leaf tiers.
One link is drawn per connection and pair of devices, carrying every cable between them: a bundle is one line of
several cables, an MCLAG/ESLAG connection one line to each leaf of the pair, both tied by a LAG marker.
"""
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from django.urls import get_script_prefix, reverse

from ..choices import DriftChoices
from ..connections import connection_links
from ..models import (
    VPC,
    Connection,
    External,
    ExternalAttachment,
    Gateway,
    Server,
    Switch,
    SwitchGroup,
    VPCAttachment,
)
from ..models.wiring import PORT_OPER_UP, port_oper

__all__ = ("FabricData", "Topology", "TopologyFilters", "build_topology", "link_url", "load_fabric", "node_url",
           "parse_filters")

TIER_SPINE, TIER_LEAF, TIER_SERVER, TIER_SIDE = "spine", "leaf", "server", "side"
TIERS = (TIER_SPINE, TIER_LEAF, TIER_SERVER, TIER_SIDE)

NODE_SWITCH, NODE_SERVER, NODE_EXTERNAL, NODE_GATEWAY, NODE_UPLINK = "switch", "server", "external", "gateway", "uplink"
NODE_SWITCH_GROUP = "switchgroup"  # not a node: the box around a redundancy group's leaves

# A switch's state, from its agent; servers, externals, gateways and uplinks have none ("").
STATE_OK, STATE_UNKNOWN, STATE_DEAD, STATE_BEHIND = "ok", "unknown", "dead", "behind"
# A link's state, from the oper state its switch ports report.
LINK_UP, LINK_DOWN, LINK_UNKNOWN = "up", "down", "unknown"

SHAPE_LINE, SHAPE_PEER, SHAPE_ARC, SHAPE_LOOP = "line", "peer", "arc", "loop"
LAG_TYPES = ("bundled", "mclag", "eslag")
EXTERNAL_TYPES = ("external", "staticExternal")

# Roles of a cable's ends (the keys in a Connection spec) that name a server or a gateway; every other is a switch.
SERVER_ROLES = ("server",)
GATEWAY_ROLES = ("gateway",)

# Filters: how many values one parameter may carry, and how long a name may be (a Kubernetes object name).
MAX_FILTER_VALUES = 50
MAX_NAME_LENGTH = 253
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")

# Geometry, in SVG user units (pixels at 100 %).
MARGIN = 24
SWITCH_W, SWITCH_H = 132, 40
SERVER_W, SERVER_H, SERVER_GAP = 24, 128, 8
SIDE_W, SIDE_H, SIDE_VGAP, SIDE_ROWS, SIDE_GAP, SIDE_COL_GAP = 190, 36, 12, 6, 72, 24
LEAF_GAP, BLOCK_GAP, SPINE_GAP = 36, 48, 48
GROUP_PAD, GROUP_LABEL = 8, 16
SPINE_BAND, SPINE_BAND_MAX, SERVER_BAND, SIDE_BAND_PAD = 170, 420, 150, 28
LEGEND_H = 32
LAG_OFFSET = 9
ANCHOR_INSET, LOOP_W, LOOP_H, PEER_SPACING = 6, 22, 16, 8
ARC_MIN, ARC_MAX = 40, 2 * (SPINE_BAND - 60)  # control-point height; the curve rises half of it
MIN_WIDTH = 840  # room for the legend
# Hover text lists at most this many cables of one link.
MAX_CABLES_LISTED = 12

_DIGITS = re.compile(r"(\d+)")
_DRIFT_LABELS = dict(DriftChoices)


def natural_key(name):
    """Sort key under which leaf-2 comes before leaf-10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(name) if part), name


def node_url(kind, pk):
    """The page a node (or a switch group's box) links to: its object's page. Uplinks have none."""
    model = _URL_MODELS.get(kind)
    if model is None or pk is None:
        return None
    return _object_path(f"plugins:netbox_hedgehog:{model._meta.model_name}", pk)


def link_url(pk):
    """The page a link links to: its Connection's page."""
    return _object_path("plugins:netbox_hedgehog:connection", pk)


def _object_path(view_name, pk):
    # reverse() per object is half the layout's time on a large fabric: resolve each view once.
    before, after = _path_around_pk(view_name, get_script_prefix())
    return f"{before}{int(pk)}{after}"


@cache
def _path_around_pk(view_name, _script_prefix):
    marker = "987654321987654321"
    return tuple(reverse(view_name, kwargs={"pk": int(marker)}).rsplit(marker, 1))


_URL_MODELS = {NODE_SWITCH: Switch, NODE_SERVER: Server, NODE_EXTERNAL: External, NODE_GATEWAY: Gateway,
               NODE_SWITCH_GROUP: SwitchGroup}


#
# Loading
#

@dataclass
class FabricData:
    """What the sync stored for one fabric, as far as one user may view it."""

    fabric_id: int
    fabric_name: str
    switches: list = field(default_factory=list)  # Switch instances (the agent rules are theirs)
    servers: list = field(default_factory=list)  # dicts: pk, name, drift, description
    connections: list = field(default_factory=list)  # dicts: pk, name, spec, drift
    externals: list = field(default_factory=list)  # dicts: pk, name, drift
    gateways: list = field(default_factory=list)  # dicts: pk, name, drift
    external_attachments: list = field(default_factory=list)  # dicts: name, external, connection
    vpc_attachments: list = field(default_factory=list)  # dicts: vpc, subnet, connection
    switch_groups: list = field(default_factory=list)  # dicts: pk, name, drift
    vpcs: list = field(default_factory=list)  # names

    def group_names(self):
        """Every switch group a filter may name: SwitchGroups, and the groups the switches say they are in."""
        names = {group["name"] for group in self.switch_groups}
        for switch in self.switches:
            names.update(_switch_groups(switch))
        return names


_SWITCH_FIELDS = ("pk", "name", "role", "asn", "description", "redundancy_group", "redundancy_type", "drift",
                  "generation", "agent_heartbeat", "agent_applied_generation", "agent_interfaces", "spec")


def load_fabric(fabric, user):
    """The fabric's objects that `user` may view: nine queries, whatever the fabric's size."""
    def visible(model):
        return model.objects.restrict(user, "view").filter(fabric=fabric).order_by()

    return FabricData(
        fabric_id=fabric.pk,
        fabric_name=fabric.name,
        switches=list(visible(Switch).only(*_SWITCH_FIELDS)),
        servers=list(visible(Server).values("pk", "name", "drift", "description")),
        connections=list(visible(Connection).values("pk", "name", "spec", "drift")),
        externals=list(visible(External).values("pk", "name", "drift")),
        gateways=list(visible(Gateway).values("pk", "name", "drift")),
        external_attachments=list(visible(ExternalAttachment).values("name", "external", "connection")),
        vpc_attachments=list(visible(VPCAttachment).values("vpc", "subnet", "connection")),
        switch_groups=list(visible(SwitchGroup).values("pk", "name", "drift")),
        vpcs=list(visible(VPC).values_list("name", flat=True)),
    )


#
# Filters
#

@dataclass(frozen=True)
class TopologyFilters:
    """`vpc`: highlight what these VPCs use; `group`: only these switch groups and what is cabled to them;
    `problems`: only what has a problem (agent, port or drift) and the ends of the links that do."""

    vpcs: tuple = ()
    groups: tuple = ()
    problems: bool = False

    def as_dict(self):
        return {"vpc": list(self.vpcs), "group": list(self.groups), "problems": self.problems}

    @property
    def active(self):
        return bool(self.vpcs or self.groups or self.problems)


def _parameter_values(params, key):
    if hasattr(params, "getlist"):
        values = params.getlist(key)
    else:
        value = params.get(key)
        values = [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
    return [str(value).strip() for value in values if str(value).strip()]


def _names(params, key, known, what, fabric_name, errors):
    values = _parameter_values(params, key)
    if len(values) > MAX_FILTER_VALUES:
        errors[key] = [f"at most {MAX_FILTER_VALUES} values, not {len(values)}"]
        return ()
    problems = []
    for value in values:
        if len(value) > MAX_NAME_LENGTH:
            problems.append(f"{value[:40]!r}... is longer than {MAX_NAME_LENGTH} characters")
        elif value not in known:
            problems.append(f"no {what} {value!r} in fabric {fabric_name}")
    if problems:
        errors[key] = problems
        return ()
    return tuple(sorted(set(values), key=natural_key))


def parse_filters(params, data):
    """
    (TopologyFilters, errors) from query parameters (a QueryDict or a dict): `vpc` and `group` name a VPC or a
    switch group of the fabric (repeatable), `problems` is 1 or 0. `errors` maps each bad parameter to what is
    wrong with it; a bad parameter is left out of the filters.
    """
    errors = {}
    vpcs = _names(params, "vpc", set(data.vpcs), "VPC", data.fabric_name, errors)
    groups = _names(params, "group", data.group_names(), "switch group", data.fabric_name, errors)
    problems = False
    values = _parameter_values(params, "problems")
    if len(values) > 1:
        errors["problems"] = ["give problems once"]
    elif values and values[0].lower() not in (*_TRUE, *_FALSE):
        errors["problems"] = [f"problems is 1 or 0, not {values[0][:40]!r}"]
    elif values:
        problems = values[0].lower() in _TRUE
    return TopologyFilters(vpcs=vpcs, groups=groups, problems=problems), errors


#
# The layout
#

@dataclass
class Node:
    id: str
    kind: str
    name: str
    tier: str
    url: str | None = None
    role: str = ""
    asn: int | None = None
    group: str = ""  # redundancy group (leaf tier)
    group_type: str = ""
    groups: tuple = ()  # every switch group it is in
    state: str = ""
    problems: list = field(default_factory=list)
    drift: str = ""  # a drifted DriftChoices value, else ""
    details: list = field(default_factory=list)
    highlighted: bool = False
    dimmed: bool = False
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0

    def as_dict(self, url):
        return {
            "id": self.id, "kind": self.kind, "name": self.name, "tier": self.tier, "url": url(self.url),
            "role": self.role, "asn": self.asn, "group": self.group, "groups": list(self.groups), "state": self.state,
            "problems": self.problems, "drift": self.drift, "details": self.details,
            "highlighted": self.highlighted, "dimmed": self.dimmed,
            "x": self.x, "y": self.y, "width": self.width, "height": self.height,
        }


@dataclass
class Link:
    id: str
    connection: str
    connection_type: str
    source: str  # node ids; the source is the upper (or, in one tier, the first) end
    target: str
    cables: list  # (source endpoint, target endpoint or "", spec key) per cable
    url: str | None = None
    state: str = LINK_UNKNOWN
    problems: list = field(default_factory=list)
    drift: str = ""
    details: list = field(default_factory=list)
    highlighted: bool = False
    dimmed: bool = False
    shape: str = SHAPE_LINE
    points: list = field(default_factory=list)  # line/peer: 2 points, arc: start/control/end, loop: cubic Bézier

    def as_dict(self, url):
        return {
            "id": self.id, "connection": self.connection, "type": self.connection_type, "source": self.source,
            "target": self.target, "url": url(self.url), "state": self.state, "problems": self.problems,
            "drift": self.drift, "details": self.details, "highlighted": self.highlighted, "dimmed": self.dimmed,
            "cables": [{"source": a, "target": b, "kind": key} for a, b, key in self.cables],
            "shape": self.shape, "points": [list(point) for point in self.points],
        }


@dataclass
class GroupBox:
    """The box around the leaves of one redundancy group."""

    name: str
    type: str
    members: list
    url: str | None
    x: int
    y: int
    width: int
    height: int
    dimmed: bool = False

    def as_dict(self, url):
        return {"name": self.name, "type": self.type, "members": self.members, "url": url(self.url), "x": self.x,
                "y": self.y, "width": self.width, "height": self.height, "dimmed": self.dimmed}


@dataclass
class LagMarker:
    """The ellipse across the lines of one bundled, MCLAG or ESLAG connection, just above its server."""

    connection: str
    connection_type: str
    cx: int
    cy: int
    rx: int
    ry: int
    highlighted: bool = False
    dimmed: bool = False

    def as_dict(self):
        return {"connection": self.connection, "type": self.connection_type, "cx": self.cx, "cy": self.cy,
                "rx": self.rx, "ry": self.ry, "highlighted": self.highlighted, "dimmed": self.dimmed}


@dataclass
class Topology:
    fabric_id: int
    fabric_name: str
    filters: TopologyFilters
    width: int
    height: int
    nodes: list  # in tier order, then left to right (top to bottom in the side columns)
    links: list  # by connection name
    groups: list
    lags: list

    def tier(self, name):
        return [node for node in self.nodes if node.tier == name]

    @property
    def summary(self):
        switches = [node for node in self.nodes if node.kind == NODE_SWITCH]
        return {
            "switches": len(switches),
            "servers": sum(node.kind == NODE_SERVER for node in self.nodes),
            "externals": sum(node.kind in (NODE_EXTERNAL, NODE_UPLINK) for node in self.nodes),
            "gateways": sum(node.kind == NODE_GATEWAY for node in self.nodes),
            "links": len(self.links),
            "links_down": sum(link.state == LINK_DOWN for link in self.links),
            "switches_with_agent_problems": sum(node.state in (STATE_DEAD, STATE_BEHIND) for node in switches),
            "drifted": sum(bool(item.drift) for item in (*self.nodes, *self.links)),
        }

    def as_dict(self, url=lambda path: path):
        """JSON-ready; `url` turns the pages' paths into what the caller wants (absolute URLs for the API)."""
        return {
            "fabric": {"id": self.fabric_id, "name": self.fabric_name},
            "filters": self.filters.as_dict(),
            "width": self.width,
            "height": self.height,
            "tiers": {tier: [node.id for node in self.tier(tier)] for tier in TIERS},
            "summary": self.summary,
            "groups": [group.as_dict(url) for group in self.groups],
            "nodes": [node.as_dict(url) for node in self.nodes],
            "links": [link.as_dict(url) for link in self.links],
            "lags": [lag.as_dict() for lag in self.lags],
        }


def _switch_groups(switch):
    spec = switch.spec if isinstance(switch.spec, dict) else {}
    listed = spec.get("groups")
    groups = {name for name in listed if isinstance(name, str) and name} if isinstance(listed, list) else set()
    if switch.redundancy_group:
        groups.add(switch.redundancy_group)
    return groups


def _drift(value):
    """(drift value, problem text) of a drifted object; ("", "") otherwise."""
    if value in DriftChoices.DRIFTED:
        label = str(_DRIFT_LABELS[value])
        return value, f"drift between Git and the cluster: {label[:1].lower()}{label[1:]}"
    return "", ""


def _switch_node(switch):
    alive, current = switch.agent_alive, switch.agent_applied_current
    problems = []
    if alive is False:
        problems.append(f"agent not alive: last heartbeat {switch.agent_heartbeat.isoformat(timespec='seconds')}")
    if current is False:
        problems.append(f"agent behind: applied generation {switch.agent_applied_generation} of {switch.generation}")
    if alive is False:
        state = STATE_DEAD
    elif current is False:
        state = STATE_BEHIND
    else:
        state = STATE_OK if alive else STATE_UNKNOWN
    drift, drift_problem = _drift(switch.drift)
    if drift_problem:
        problems.append(drift_problem)
    groups = _switch_groups(switch)
    details = [f"switch, role {switch.role}" if switch.role else "switch"]
    if switch.asn is not None:
        details.append(f"ASN {switch.asn}")
    if switch.description:
        details.append(switch.description)
    if switch.redundancy_group:
        details.append(f"redundancy group {switch.redundancy_group} ({switch.redundancy_type or 'no type'})")
    others = sorted(groups - {switch.redundancy_group}, key=natural_key)
    if others:
        details.append("groups: " + ", ".join(others))
    if state == STATE_OK:
        details.append("agent alive, current generation applied")
    return Node(id=f"{NODE_SWITCH}:{switch.name}", kind=NODE_SWITCH, name=switch.name,
                tier=TIER_SPINE if switch.role == "spine" else TIER_LEAF, url=node_url(NODE_SWITCH, switch.pk),
                role=switch.role, asn=switch.asn, group=switch.redundancy_group, group_type=switch.redundancy_type,
                groups=tuple(sorted(groups, key=natural_key)), state=state, problems=problems, drift=drift,
                details=details)


def _plain_node(kind, tier, row, details):
    drift, drift_problem = _drift(row.get("drift"))
    return Node(id=f"{kind}:{row['name']}", kind=kind, name=row["name"], tier=tier, url=node_url(kind, row.get("pk")),
                problems=[drift_problem] if drift_problem else [], drift=drift, details=details)


def _tier_rank(node):
    return TIERS.index(node.tier), natural_key(node.name)


def _static_details(spec):
    """What an uplink's hover says about a staticExternal connection: next hop and subnets."""
    body = spec.get("staticExternal") if isinstance(spec, dict) else None
    link = body.get("link") if isinstance(body, dict) else None
    switch = link.get("switch") if isinstance(link, dict) else None
    if not isinstance(switch, dict):
        return []
    details = []
    if isinstance(switch.get("nextHop"), str):
        details.append(f"next hop {switch['nextHop']}")
    listed = switch.get("subnets")
    subnets = [subnet for subnet in listed if isinstance(subnet, str)] if isinstance(listed, list) else []
    if subnets:
        more = f" and {len(subnets) - 10} more" if len(subnets) > 10 else ""
        details.append("subnets " + ", ".join(subnets[:10]) + more)
    return details


class _Graph:
    """Every node and link of the fabric, before any filter and without positions."""

    def __init__(self, data):
        self.nodes = {}
        self.links = []
        self.switches = {switch.name: switch for switch in data.switches}
        for switch in data.switches:
            node = _switch_node(switch)
            self.nodes[node.id] = node
        for row in data.servers:
            details = ["server", row["description"]] if row.get("description") else ["server"]
            node = _plain_node(NODE_SERVER, TIER_SERVER, row, details)
            self.nodes[node.id] = node
        for row in data.externals:
            node = _plain_node(NODE_EXTERNAL, TIER_SIDE, row, ["external"])
            self.nodes[node.id] = node
        for row in data.gateways:
            node = _plain_node(NODE_GATEWAY, TIER_SIDE, row, ["gateway"])
            self.nodes[node.id] = node
        self.attachments = defaultdict(list)  # connection -> [(external, attachment)]
        for row in data.external_attachments:
            self.attachments[row["connection"]].append((row["external"], row["name"]))
        self.vpcs = defaultdict(set)  # connection -> {"vpc/subnet"}
        for row in data.vpc_attachments:
            self.vpcs[row["connection"]].add(f"{row['vpc']}/{row['subnet']}")
        for connection in sorted(data.connections, key=lambda row: natural_key(row["name"])):
            self._add_connection(connection)
        self._describe_server_vpcs()

    def _resolve(self, role, endpoint, connection_type):
        device = endpoint.partition("/")[0]
        if connection_type == "gateway" and role in GATEWAY_ROLES:
            node_id = f"{NODE_GATEWAY}:{device}"
            # A gateway the fabric's cluster does not hold (or this user may not view) is still drawn, unlinked.
            if node_id not in self.nodes:
                self.nodes[node_id] = Node(id=node_id, kind=NODE_GATEWAY, name=device, tier=TIER_SIDE,
                                           url=node_url(NODE_GATEWAY, None), details=["gateway"])
            return node_id
        node_id = f"{NODE_SERVER if role in SERVER_ROLES else NODE_SWITCH}:{device}"
        return node_id if node_id in self.nodes else None

    def _far_ends(self, connection, connection_type):
        """The nodes at the other end of an external connection: its attached Externals, else an uplink node."""
        attached = sorted({external for external, _name in self.attachments[connection["name"]]
                           if f"{NODE_EXTERNAL}:{external}" in self.nodes}, key=natural_key)
        if attached:
            return [f"{NODE_EXTERNAL}:{external}" for external in attached]
        node_id = f"{NODE_UPLINK}:{connection['name']}"
        if node_id not in self.nodes:
            if connection_type == "staticExternal":
                details = ["static external", *_static_details(connection["spec"])]
            else:
                details = ["external connection that no external attachment names"]
            self.nodes[node_id] = Node(id=node_id, kind=NODE_UPLINK, name=connection["name"], tier=TIER_SIDE,
                                       url=node_url(NODE_UPLINK, None), details=details)
        return [node_id]

    def _add_connection(self, connection):
        connection_type, cables = connection_links(connection["spec"])
        pairs = defaultdict(list)  # (source id, target id) -> cables
        for key, ports in cables:
            ends = [(self._resolve(role, endpoint, connection_type), endpoint) for role, endpoint in ports]
            if not ends or any(node_id is None for node_id, _endpoint in ends):
                continue  # a device this user may not view, or that is not synced
            if connection_type in EXTERNAL_TYPES:
                for far in self._far_ends(connection, connection_type):
                    pairs[(ends[0][0], far)].append((ends[0][1], "", key))
                continue
            if len(ends) != 2:
                continue
            first, second = sorted(ends, key=lambda end: (_tier_rank(self.nodes[end[0]]), end[1]))
            pairs[(first[0], second[0])].append((first[1], second[1], key))
        drift, drift_problem = _drift(connection.get("drift"))
        for number, ((source, target), link_cables) in enumerate(
                sorted(pairs.items(), key=lambda item: (natural_key(item[0][0]), natural_key(item[0][1]))), start=1):
            link = Link(id=f"{connection['name']}#{number}", connection=connection["name"],
                        connection_type=connection_type, source=source, target=target, cables=link_cables,
                        url=link_url(connection["pk"]), drift=drift)
            self._describe_link(link, drift_problem)
            self.links.append(link)

    def _describe_link(self, link, drift_problem):
        reported = False
        for cable in link.cables:
            for endpoint in cable[:2]:
                device, _slash, port = endpoint.partition("/")
                switch = self.switches.get(device)
                if switch is None or not port or f"{NODE_SWITCH}:{device}" not in (link.source, link.target):
                    continue
                oper = port_oper(switch.agent_interfaces, port)
                if oper:
                    reported = True
                    if oper != PORT_OPER_UP:
                        link.problems.append(f"{endpoint} is oper {oper}")
        link.state = LINK_DOWN if link.problems else LINK_UP if reported else LINK_UNKNOWN
        if drift_problem:
            link.problems.append(drift_problem)
        link.details = [f"connection {link.connection} ({link.connection_type})"]
        for source, target, key in link.cables[:MAX_CABLES_LISTED]:
            kind = {"peerLinks": " (peer link)", "sessionLinks": " (session link)"}.get(key, "")
            link.details.append(f"{source} — {target}{kind}" if target else f"{source}{kind}")
        if len(link.cables) > MAX_CABLES_LISTED:
            link.details.append(f"and {len(link.cables) - MAX_CABLES_LISTED} more cables")
        if len(link.cables) > 1 and link.connection_type == "bundled":
            link.details.append(f"bundle of {len(link.cables)} cables")
        target = self.nodes[link.target]
        if target.kind == NODE_EXTERNAL:
            link.details += [f"attachment {name}" for external, name in sorted(self.attachments[link.connection])
                             if external == target.name]
        link.details += [f"VPC {vpc}" for vpc in sorted(self.vpcs[link.connection], key=natural_key)]

    def _describe_server_vpcs(self):
        server_vpcs = defaultdict(set)
        for link in self.links:
            if link.target.startswith(f"{NODE_SERVER}:"):
                server_vpcs[link.target] |= self.vpcs[link.connection]
        for node_id, vpcs in server_vpcs.items():
            if vpcs:
                self.nodes[node_id].details.append("VPC " + ", ".join(sorted(vpcs, key=natural_key)))


def _keep(nodes, links, core, kept_links):
    keep = set(core) | {link.source for link in kept_links} | {link.target for link in kept_links}
    return {node_id: node for node_id, node in nodes.items() if node_id in keep}, kept_links


def build_topology(data, filters=None):
    """The layout of `data` (see load_fabric) under `filters`: pure, deterministic."""
    filters = filters or TopologyFilters()
    graph = _Graph(data)
    nodes, links = graph.nodes, graph.links
    if filters.groups:
        core = {node_id for node_id, node in nodes.items() if set(node.groups) & set(filters.groups)}
        nodes, links = _keep(nodes, links, core, [link for link in links if link.source in core
                                                  or link.target in core])
    if filters.problems:
        core = {node_id for node_id, node in nodes.items() if node.problems}
        nodes, links = _keep(nodes, links, core, [link for link in links if link.problems])
    if filters.vpcs:
        used = {row["connection"] for row in data.vpc_attachments if row["vpc"] in filters.vpcs}
        for link in links:
            link.highlighted = link.connection in used
            if link.highlighted:
                nodes[link.source].highlighted = nodes[link.target].highlighted = True
        for item in (*nodes.values(), *links):
            item.dimmed = not item.highlighted
    return _Placement(data, nodes, links).topology(filters)


#
# Positions
#

@dataclass
class _Block:
    """A run of the leaf tier: a redundancy group's leaves, or one leaf, with the servers placed under them."""

    group: str
    group_type: str
    leaves: list
    servers: list = field(default_factory=list)

    @property
    def leaves_width(self):
        return len(self.leaves) * SWITCH_W + max(len(self.leaves) - 1, 0) * LEAF_GAP

    @property
    def servers_width(self):
        return len(self.servers) * (SERVER_W + SERVER_GAP) - SERVER_GAP if self.servers else 0

    @property
    def width(self):
        return max(self.leaves_width, self.servers_width)


class _Placement:
    def __init__(self, data, nodes, links):
        self.data = data
        self.nodes = nodes
        self.links = links
        self.groups = []
        self.lags = []

    def topology(self, filters):
        ordered = self._place()
        self._route()
        return Topology(fabric_id=self.data.fabric_id, fabric_name=self.data.fabric_name, filters=filters,
                        width=self.width, height=self.height, nodes=ordered, links=self.links, groups=self.groups,
                        lags=self.lags)

    def _blocks(self, leaves, servers):
        by_group = defaultdict(list)
        for leaf in leaves:
            by_group[leaf.group or f"\0{leaf.id}"].append(leaf)
        blocks = []
        for key, members in by_group.items():
            members.sort(key=lambda node: natural_key(node.name))
            grouped = not key.startswith("\0")
            blocks.append(_Block(group=key if grouped else "", group_type=members[0].group_type if grouped else "",
                                 leaves=members))
        blocks.sort(key=lambda block: natural_key(block.leaves[0].name))
        leaf_index = {leaf.id: index for index, leaf in enumerate(leaf for block in blocks for leaf in block.leaves)}
        block_of = {leaf.id: block for block in blocks for leaf in block.leaves}
        server_leaves = defaultdict(set)
        for link in self.links:
            if link.source in leaf_index and link.target.startswith(f"{NODE_SERVER}:"):
                server_leaves[link.target].add(link.source)
        rest = _Block(group="", group_type="", leaves=[])
        for server in servers:
            cabled = server_leaves.get(server.id)
            if cabled:
                first = min(cabled, key=leaf_index.__getitem__)
                block_of[first].servers.append(server)
            else:
                rest.servers.append(server)
        for block in blocks:
            block.servers.sort(key=lambda node: (
                sum(leaf_index[leaf] for leaf in server_leaves[node.id]) / len(server_leaves[node.id]),
                natural_key(node.name)))
        rest.servers.sort(key=lambda node: natural_key(node.name))
        return [*blocks, rest] if rest.servers else blocks

    def _place(self):
        tiers = defaultdict(list)
        for node in self.nodes.values():
            tiers[node.tier].append(node)
        spines = sorted(tiers[TIER_SPINE], key=lambda node: natural_key(node.name))
        side = sorted(tiers[TIER_SIDE], key=lambda node: (
            (NODE_GATEWAY, NODE_EXTERNAL, NODE_UPLINK).index(node.kind), natural_key(node.name)))
        blocks = self._blocks(tiers[TIER_LEAF], tiers[TIER_SERVER])
        self.rows = {TIER_SPINE: spines, TIER_LEAF: [leaf for block in blocks for leaf in block.leaves]}
        if not self.nodes:
            self.width, self.height = MIN_WIDTH + 2 * MARGIN, 2 * MARGIN + SWITCH_H + LEGEND_H
            return []

        row_width = sum(block.width for block in blocks) + max(len(blocks) - 1, 0) * BLOCK_GAP
        spine_width = len(spines) * SWITCH_W + max(len(spines) - 1, 0) * SPINE_GAP
        content_width = max(row_width, spine_width)
        has_leaves = any(block.leaves for block in blocks)
        has_servers = any(block.servers for block in blocks)

        side_rows = min(len(side), SIDE_ROWS)
        side_height = side_rows * (SIDE_H + SIDE_VGAP) - SIDE_VGAP if side else 0
        # On a wide fabric the spine-leaf lines are long: a taller band keeps them from lying flat.
        spine_band = min(SPINE_BAND_MAX, max(SPINE_BAND, round(content_width / 60)))
        y = MARGIN
        spine_y = y
        if spines:
            y += SWITCH_H
        side_top = y + SIDE_BAND_PAD if spines else y
        if spines or side:
            y = max(y + spine_band if spines else y, side_top + side_height + SIDE_BAND_PAD)
        if has_leaves:
            y += GROUP_PAD + GROUP_LABEL
        leaf_y = y
        if has_leaves:
            y += SWITCH_H + (SERVER_BAND if has_servers else 0)
        server_y = y
        if has_servers:
            y += SERVER_H

        # The tiers first, from x = 0; they move right once the side columns on the left are known.
        for index, spine in enumerate(spines):
            if content_width > spine_width:
                x = content_width * (2 * index + 1) / (2 * len(spines)) - SWITCH_W / 2
            else:
                x = index * (SWITCH_W + SPINE_GAP)
            _put(spine, x, spine_y, SWITCH_W, SWITCH_H)
        x = (content_width - row_width) / 2
        leaves, servers = [], []
        for block in blocks:
            leaf_x = x + (block.width - block.leaves_width) / 2
            for index, leaf in enumerate(block.leaves):
                _put(leaf, leaf_x + index * (SWITCH_W + LEAF_GAP), leaf_y, SWITCH_W, SWITCH_H)
            server_x = x + (block.width - block.servers_width) / 2
            for index, server in enumerate(block.servers):
                _put(server, server_x + index * (SERVER_W + SERVER_GAP), server_y, SERVER_W, SERVER_H)
            leaves += block.leaves
            servers += block.servers
            x += block.width + BLOCK_GAP

        # A side node stands on the side where the switches it is cabled to are, on average.
        cabled = defaultdict(list)
        for link in self.links:
            for near, far in ((link.source, link.target), (link.target, link.source)):
                if self.nodes[near].tier == TIER_SIDE and self.nodes[far].tier != TIER_SIDE:
                    cabled[near].append(_center_x(self.nodes[far]))
        on_left = [node for node in side if cabled[node.id]
                   and sum(cabled[node.id]) / len(cabled[node.id]) < content_width / 2]
        on_right = [node for node in side if node not in on_left]
        left_columns = math.ceil(len(on_left) / SIDE_ROWS)
        shift = MARGIN + GROUP_PAD + (left_columns * (SIDE_W + SIDE_COL_GAP) - SIDE_COL_GAP + SIDE_GAP
                                      if on_left else 0)
        for node in (*spines, *leaves, *servers):
            node.x += shift
        self.groups = [self._group_box(block) for block in blocks if block.group and block.leaves]
        for index, node in enumerate(on_left):
            column, row = divmod(index, SIDE_ROWS)
            _put(node, MARGIN + (left_columns - 1 - column) * (SIDE_W + SIDE_COL_GAP),
                 side_top + row * (SIDE_H + SIDE_VGAP), SIDE_W, SIDE_H)
        right_left = shift + content_width + SIDE_GAP
        for index, node in enumerate(on_right):
            column, row = divmod(index, SIDE_ROWS)
            _put(node, right_left + column * (SIDE_W + SIDE_COL_GAP), side_top + row * (SIDE_H + SIDE_VGAP),
                 SIDE_W, SIDE_H)
        right = right_left + math.ceil(len(on_right) / SIDE_ROWS) * (SIDE_W + SIDE_COL_GAP) - SIDE_COL_GAP \
            if on_right else shift + content_width + GROUP_PAD
        self.width = round(max(right, shift + MIN_WIDTH) + MARGIN)
        self.height = round(max(y, side_top + side_height) + MARGIN + LEGEND_H)
        return [*spines, *leaves, *servers, *on_left, *on_right]

    def _group_box(self, block):
        first = block.leaves[0]
        group_pk = next((group["pk"] for group in self.data.switch_groups if group["name"] == block.group), None)
        return GroupBox(name=block.group, type=block.group_type, members=[leaf.name for leaf in block.leaves],
                        url=node_url(NODE_SWITCH_GROUP, group_pk), x=first.x - GROUP_PAD,
                        y=first.y - GROUP_PAD - GROUP_LABEL, width=block.leaves_width + 2 * GROUP_PAD,
                        height=SWITCH_H + 2 * GROUP_PAD + GROUP_LABEL,
                        dimmed=all(leaf.dimmed for leaf in block.leaves))

    def _route(self):
        """The shape and points of every link; ends that share a node's edge are spread along it."""
        row_position = {node.id: index for row in self.rows.values() for index, node in enumerate(row)}
        ends = defaultdict(list)  # (node id, edge) -> [(far position, link id, link, which end)]
        peers = defaultdict(list)
        loops = defaultdict(list)
        for link in self.links:
            source, target = self.nodes[link.source], self.nodes[link.target]
            if source is target:
                link.shape = SHAPE_LOOP
                loops[source.id].append(link)
            elif source.tier == target.tier and source.tier in self.rows:
                if abs(row_position[source.id] - row_position[target.id]) == 1:
                    link.shape = SHAPE_PEER
                    peers[tuple(sorted((source.id, target.id)))].append(link)
                else:
                    link.shape = SHAPE_ARC
                    ends[(source.id, "top")].append((_center_x(target), link.id, link, 0))
                    ends[(target.id, "top")].append((_center_x(source), link.id, link, 1))
            elif TIER_SIDE in (source.tier, target.tier):
                near, far, near_end = (target, source, 1) if source.tier == TIER_SIDE else (source, target, 0)
                edge = "bottom" if near.tier == TIER_SPINE else "top"
                ends[(near.id, edge)].append((_center_x(far), link.id, link, near_end))
                far_edge = "left" if far.x > near.x else "right"
                ends[(far.id, far_edge)].append(((near.y, _center_x(near)), link.id, link, 1 - near_end))
            else:
                upper, lower, upper_end = (source, target, 0) if source.y <= target.y else (target, source, 1)
                ends[(upper.id, "bottom")].append((_center_x(lower), link.id, link, upper_end))
                ends[(lower.id, "top")].append((_center_x(upper), link.id, link, 1 - upper_end))

        anchors = {}  # (link id, which end) -> (x, y)
        for (node_id, edge), items in ends.items():
            node = self.nodes[node_id]
            items.sort(key=lambda item: (item[0], item[1]))
            for index, (_far, link_id, _link, which) in enumerate(items):
                anchors[(link_id, which)] = _anchor(node, edge, index, len(items), bool(loops.get(node_id)))
        for link in self.links:
            if link.shape in (SHAPE_LINE, SHAPE_ARC):
                start, end = anchors[(link.id, 0)], anchors[(link.id, 1)]
                if link.shape == SHAPE_ARC:
                    # The curve's top is half the rise above its ends: keep it inside the picture.
                    rise = min(ARC_MAX, ARC_MIN + abs(end[0] - start[0]) * 0.15, 2 * (min(start[1], end[1]) - 4))
                    link.points = [start, (round((start[0] + end[0]) / 2), round(min(start[1], end[1]) - rise)), end]
                else:
                    link.points = [start, end]
        for pair_links in peers.values():
            for index, link in enumerate(pair_links):
                left, right = sorted((self.nodes[link.source], self.nodes[link.target]), key=lambda node: node.x)
                y = round(left.y + left.height / 2 + (index - (len(pair_links) - 1) / 2) * PEER_SPACING)
                link.points = [(left.x + left.width, y), (right.x, y)]
        for node_id, node_loops in loops.items():
            node = self.nodes[node_id]
            for index, link in enumerate(node_loops):
                x1, x2 = node.x + node.width - ANCHOR_INSET - LOOP_W, node.x + node.width - ANCHOR_INSET
                top = node.y - LOOP_H - index * ANCHOR_INSET
                link.points = [(x1, node.y), (x1, top), (x2, top), (x2, node.y)]
        self._lag_markers()

    def _lag_markers(self):
        by_connection = defaultdict(list)
        for link in self.links:
            if link.connection_type in LAG_TYPES and link.shape == SHAPE_LINE and \
                    self.nodes[link.target].kind == NODE_SERVER:
                by_connection[link.connection].append(link)
        for connection, links in by_connection.items():
            if len(links) < 2 and len(links[0].cables) < 2:
                continue  # a single cable is not a LAG
            crossings = []
            server_top = self.nodes[links[0].target].y
            cy = server_top - LAG_OFFSET
            for link in links:
                (x1, y1), (x2, y2) = link.points
                crossings.append(x2 + (x1 - x2) * LAG_OFFSET / (y2 - y1) if y2 != y1 else x2)
            # No wider than the server's slot, so that the markers of neighbouring servers never overlap.
            rx = min((max(crossings) - min(crossings)) / 2 + 5, (SERVER_W + SERVER_GAP) / 2 - 1)
            self.lags.append(LagMarker(
                connection=connection, connection_type=links[0].connection_type,
                cx=round((min(crossings) + max(crossings)) / 2), cy=round(cy), rx=round(rx), ry=3,
                highlighted=any(link.highlighted for link in links), dimmed=all(link.dimmed for link in links)))


def _put(node, x, y, width, height):
    node.x, node.y, node.width, node.height = round(x), round(y), width, height


def _center_x(node):
    return node.x + node.width / 2


def _anchor(node, edge, index, count, has_loop):
    """Where the index-th of `count` link ends on one edge of `node` attaches: spread evenly along it."""
    if edge in ("left", "right"):
        low, high = node.y + ANCHOR_INSET, node.y + node.height - ANCHOR_INSET
        return node.x + (node.width if edge == "right" else 0), round(low + (high - low) * (index + 1) / (count + 1))
    low = node.x + ANCHOR_INSET
    high = node.x + node.width - ANCHOR_INSET - (LOOP_W + ANCHOR_INSET if has_loop and edge == "top" else 0)
    x = (low + high) / 2 if count == 1 else low + (high - low) * index / (count - 1)
    return round(x), node.y if edge == "top" else node.y + node.height
