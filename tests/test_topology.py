"""The fabric's topology: the layout of the sample and generated fabrics, link and agent state, drift, filters,
permissions, the SVG, the Topology tab, its download and the REST API."""
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import ObjectType
from users.models import ObjectPermission
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.choices import DriftChoices, OriginChoices
from netbox_hedgehog.connections import connection_links
from netbox_hedgehog.generator import FabricSpec, generate_agents, generate_fabric
from netbox_hedgehog.models import Connection, Gateway, HedgehogFabric, Server, Switch
from netbox_hedgehog.sync.runner import run_sync
from netbox_hedgehog.topology import build_topology, load_fabric, parse_filters, render_svg
from netbox_hedgehog.topology.layout import LINK_DOWN, LINK_UNKNOWN, LINK_UP, STATE_BEHIND, STATE_DEAD, STATE_OK
from tests.gitrepo import Remote
from tests.helpers import CLUSTER_TOKEN, SAMPLES_DIR, cluster_fabric, git_fabric, load_sample
from tests.kube_emulator import KubeEmulator

LAB = "lab-ci_env-ci-1_wiring.yaml"
LAB_MCLAG = "lab-ci_env-ci-1_wiring_mclag-variant.yaml"
LAB_GATEWAY = "lab-ci_env-ci-1_wiring-gateway.yaml"
SVG_NS = "{http://www.w3.org/2000/svg}"
# Large enough for the scale checks: 4 spines and 96 leaves (100 switches), 11 servers per leaf (1,056 servers).
LARGE = FabricSpec(name="large", spines=4, leaves=96, servers_per_leaf=11, vpcs=48, subnets_per_vpc=2, externals=2)
SMALL = FabricSpec(name="small", spines=1, leaves=2, servers_per_leaf=1, vpcs=2, externals=1)


def sync_samples(tmp_path, name, *samples):
    remote = Remote(tmp_path)
    for sample in samples:
        remote.write(f"wiring/{sample}", (SAMPLES_DIR / sample).read_text())
    remote.commit("samples")
    fabric = git_fabric(remote, name=name)
    result = run_sync(fabric)
    assert result.ok, result.error
    return fabric


def sync_cluster(name, objects):
    with KubeEmulator(objects, token=CLUSTER_TOKEN, tls=True) as emulator:
        fabric = cluster_fabric(emulator, name=name)
        result = run_sync(fabric)
    assert result.ok, result.error
    return fabric


def generated(spec, **agent_options):
    """A generated fabric with one Agent per switch, reporting now."""
    objects = generate_fabric(spec)
    return objects + generate_agents(objects, now=datetime.now(UTC), **agent_options)


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("topology-admin", "admin@example.invalid", "x")


def topology_of(fabric, user, **params):
    data = load_fabric(fabric, user)
    filters, errors = parse_filters(params, data)
    assert not errors, errors
    return build_topology(data, filters)


def names(nodes):
    return [node.name for node in nodes]


def link(topology, connection_name, number=1):
    return next(link for link in topology.links if link.id == f"{connection_name}#{number}")


def links_of(topology, connection_name):
    return [link for link in topology.links if link.connection == connection_name]


def assert_readable(topology):
    """Tiers stacked top to bottom, no two boxes overlapping, every leaf inside its group's box."""
    boxes = {}
    for tier in ("spine", "leaf", "server"):
        row = sorted(topology.tier(tier), key=lambda node: node.x)
        assert len({node.y for node in row}) <= 1, f"the {tier} tier is not one row"
        for left, right in zip(row, row[1:], strict=False):
            assert left.x + left.width < right.x, f"{left.name} and {right.name} overlap in the {tier} tier"
        if row:
            boxes[tier] = (row[0].y, row[0].y + row[0].height)
    tops = [boxes[tier] for tier in ("spine", "leaf", "server") if tier in boxes]
    for upper, lower in zip(tops, tops[1:], strict=False):
        assert upper[1] < lower[0], "tiers overlap"
    side = topology.tier("side")
    for index, first in enumerate(side):
        for second in side[index + 1:]:
            assert (first.x + first.width < second.x or second.x + second.width < first.x
                    or first.y + first.height < second.y or second.y + second.height < first.y), \
                f"{first.name} and {second.name} overlap"
    for node in topology.nodes:
        assert 0 <= node.x and node.x + node.width <= topology.width, node.name
        assert 0 <= node.y and node.y + node.height <= topology.height, node.name
    for group in topology.groups:
        for leaf in (node for node in topology.tier("leaf") if node.name in group.members):
            assert group.x < leaf.x and leaf.x + leaf.width < group.x + group.width, (group.name, leaf.name)
    for first, second in zip(topology.groups, topology.groups[1:], strict=False):
        assert first.x + first.width < second.x, f"the boxes of {first.name} and {second.name} overlap"


def permit(user, model, constraints=None):
    """Let `user` view objects of `model` (those matching `constraints`, if given)."""
    permission = ObjectPermission.objects.create(name=f"view {model.__name__}", actions=["view"],
                                                 constraints=constraints)
    permission.users.add(user)
    permission.object_types.add(ObjectType.objects.get_for_model(model))
    return permission


def svg_tree(svg):
    return ET.fromstring(svg.split("\n", 1)[1] if svg.startswith("<?xml") else svg)


#
# Connection cables
#

def test_connection_links_lists_each_cable_with_its_ends():
    spec = {"mclagDomain": {
        "peerLinks": [{"switch1": {"port": "a/E1/1"}, "switch2": {"port": "b/E1/1"}}],
        "sessionLinks": [{"switch1": {"port": "a/E1/2"}, "switch2": {"port": "b/E1/2"}}],
    }}
    assert connection_links(spec) == ("mclagDomain", [
        ("peerLinks", [("switch1", "a/E1/1"), ("switch2", "b/E1/1")]),
        ("sessionLinks", [("switch1", "a/E1/2"), ("switch2", "b/E1/2")]),
    ])
    assert connection_links({"unbundled": {"link": {"server": {"port": "s/eth0"}, "switch": {"port": "a/E1/3"}}}}) \
        == ("unbundled", [("link", [("server", "s/eth0"), ("switch", "a/E1/3")])])
    assert connection_links({"external": {"link": {"switch": {"port": "a/E1/9"}}}}) == \
        ("external", [("link", [("switch", "a/E1/9")])])
    assert connection_links({}) == ("", [])
    assert connection_links({"fabric": "not a mapping"}) == ("fabric", [])
    assert connection_links({"fabric": {"links": ["junk", {"spine": {}}]}}) == ("fabric", [])


#
# The layout of the sample fabrics
#

@pytest.mark.django_db
def test_lab_fabric_tiers_groups_and_links(tmp_path, admin):
    fabric = sync_samples(tmp_path, "lab", LAB)
    topology = topology_of(fabric, admin)

    assert names(topology.tier("spine")) == ["ds4000-01", "ds4000-02"]
    # One block per redundancy group, in the order of their first leaf; MCLAG/ESLAG servers between their leaves.
    assert names(topology.tier("leaf")) == ["ds3000-01", "ds3000-02", "ds3000-03", "sse-c4632-01"]
    assert names(topology.tier("server")) == ["server-3", "server-1", "server-2", "server-7", "server-8",
                                              "server-5", "server-6", "server-9"]
    # At the side where the switches they are cabled to are: the left for ds3000-01/02, the right for the others.
    assert names(topology.tier("side")) == ["ds3000-01--external--ds2000-02", "ds3000-02--external--ds2000-02",
                                            "default", "other", "static-ext"]
    side = {node.name: node for node in topology.tier("side")}
    leaves = topology.tier("leaf")
    assert side["ds3000-01--external--ds2000-02"].x < leaves[0].x < leaves[-1].x < side["default"].x
    assert [(group.name, group.type, group.members) for group in topology.groups] == [
        ("eslag-2", "eslag", ["ds3000-01", "ds3000-02"]), ("eslag-1", "eslag", ["ds3000-03", "sse-c4632-01"])]

    kinds = {node.name: node.kind for node in topology.tier("side")}
    assert kinds == {"default": "external", "other": "external", "static-ext": "external",
                     "ds3000-01--external--ds2000-02": "uplink", "ds3000-02--external--ds2000-02": "uplink"}
    assert len(topology.links) == 31

    fabric_link = link(topology, "ds4000-01--fabric--ds3000-01")
    assert (fabric_link.source, fabric_link.target, fabric_link.shape) == ("switch:ds4000-01", "switch:ds3000-01",
                                                                          "line")
    assert fabric_link.cables == [("ds4000-01/E1/1", "ds3000-01/E1/28", "links"),
                                  ("ds4000-01/E1/2", "ds3000-01/E1/29", "links")]
    assert sum(link.connection_type == "fabric" for link in topology.links) == 8

    # ESLAG: one line to each leaf of the pair, tied by a LAG marker; a bundle: one line of two cables.
    eslag = links_of(topology, "server-1--eslag--ds3000-01--ds3000-02")
    assert [(item.source, item.target, len(item.cables)) for item in eslag] == [
        ("switch:ds3000-01", "server:server-1", 1), ("switch:ds3000-02", "server:server-1", 1)]
    bundle = links_of(topology, "server-3--bundled--ds3000-01")
    assert [(item.source, item.target, len(item.cables)) for item in bundle] == [
        ("switch:ds3000-01", "server:server-3", 2)]
    assert sorted(lag.connection for lag in topology.lags) == [
        "server-1--eslag--ds3000-01--ds3000-02", "server-2--eslag--ds3000-01--ds3000-02",
        "server-3--bundled--ds3000-01", "server-5--eslag--ds3000-03--sse-c4632-01",
        "server-6--eslag--ds3000-03--sse-c4632-01"]
    assert [item.cables for item in links_of(topology, "server-7--unbundled--ds3000-03")] == [
        [("ds3000-03/E1/1/1", "server-7/enp2s1", "link")]]

    loops = [item for item in topology.links if item.connection_type == "vpcLoopback"]
    assert {(item.source, item.target, item.shape) for item in loops} == {
        (f"switch:{leaf}", f"switch:{leaf}", "loop") for leaf in ("ds3000-01", "ds3000-02", "ds3000-03",
                                                                  "sse-c4632-01")}

    # External connections end at the Externals attached to them, or at an uplink node when none is.
    assert [item.target for item in links_of(topology, "ds3000-03--external--ds2000-02")] == [
        "external:default", "external:other", "external:static-ext"]
    assert [item.target for item in links_of(topology, "ds3000-01--external--ds2000-02")] == [
        "uplink:ds3000-01--external--ds2000-02"]
    attached = link(topology, "ds3000-03--external--ds2000-02", 1)
    assert "attachment ds3000-03--default" in attached.details

    # A Git-only fabric has no agents: no state on switches or links.
    assert {node.state for node in topology.tier("spine") + topology.tier("leaf")} == {"unknown"}
    assert {item.state for item in topology.links} == {LINK_UNKNOWN}
    assert_readable(topology)

    # Every node and link links to its object's page.
    server = Server.objects.get(fabric=fabric, name="server-1")
    assert next(node for node in topology.nodes if node.id == "server:server-1").url == server.get_absolute_url()
    connection_object = Connection.objects.get(fabric=fabric, name="ds4000-01--fabric--ds3000-01")
    assert fabric_link.url == connection_object.get_absolute_url()
    assert all(node.url for node in topology.nodes if node.kind != "uplink")
    assert all(item.url for item in topology.links)
    assert all(group.url for group in topology.groups)


@pytest.mark.django_db
def test_mclag_fabric_draws_the_mclag_domain_between_its_peers(tmp_path, admin):
    topology = topology_of(sync_samples(tmp_path, "lab-mclag", LAB_MCLAG), admin)
    assert [(group.name, group.type) for group in topology.groups] == [("mclag-1", "mclag"), ("eslag-1", "eslag")]
    domain = links_of(topology, "ds3000-01--mclag-domain--ds3000-02")
    assert len(domain) == 1
    (domain,) = domain
    assert (domain.source, domain.target, domain.shape, len(domain.cables)) == (
        "switch:ds3000-01", "switch:ds3000-02", "peer", 4)
    assert "ds3000-01/E1/32/1 — ds3000-02/E1/32/1 (peer link)" in domain.details
    assert "ds3000-01/E1/32/3 — ds3000-02/E1/32/3 (session link)" in domain.details
    left, right = (next(node for node in topology.nodes if node.id == end) for end in (domain.source, domain.target))
    (x1, y1), (x2, y2) = domain.points
    assert (x1, x2) == (left.x + left.width, right.x) and y1 == y2  # across the gap between the two peers
    mclag = links_of(topology, "server-1--mclag--ds3000-01--ds3000-02")
    assert [item.source for item in mclag] == ["switch:ds3000-01", "switch:ds3000-02"]
    assert "server-1--mclag--ds3000-01--ds3000-02" in {lag.connection for lag in topology.lags}
    assert_readable(topology)


@pytest.mark.django_db
def test_gateways_are_drawn_from_the_far_end_of_gateway_connections(tmp_path, admin):
    fabric = sync_samples(tmp_path, "lab-gateway", LAB, LAB_GATEWAY)
    topology = topology_of(fabric, admin)
    gateways = [node for node in topology.tier("side") if node.kind == "gateway"]
    assert names(gateways) == ["gateway-1", "gateway-2"]
    stored = dict(Gateway.objects.filter(fabric=fabric).values_list("name", "pk"))
    assert {node.name: node.url for node in gateways} == {
        name: reverse("plugins:netbox_hedgehog:gateway", kwargs={"pk": pk}) for name, pk in stored.items()}
    (gateway_link,) = links_of(topology, "ds4000-01--gateway--gateway-1")
    assert (gateway_link.source, gateway_link.target) == ("switch:ds4000-01", "gateway:gateway-1")
    assert gateway_link.cables == [("ds4000-01/E1/20/1", "gateway-1/enp2s1np0", "links")]
    assert_readable(topology)


@pytest.mark.django_db
def test_a_gateway_the_cluster_does_not_hold_is_drawn_unlinked(admin):
    # A cluster source is not reference-checked: its gateway connections may name a gateway it does not serve.
    connections = [obj for obj in load_sample(SAMPLES_DIR / LAB_GATEWAY) if obj["kind"] == "Connection"]
    topology = topology_of(sync_cluster("gateway-less", [*load_sample(SAMPLES_DIR / LAB), *connections]), admin)
    gateways = [node for node in topology.tier("side") if node.kind == "gateway"]
    assert names(gateways) == ["gateway-1", "gateway-2"] and all(node.url is None for node in gateways)
    assert {item.target for item in topology.links if item.target.startswith("gateway:")} == {
        "gateway:gateway-1", "gateway:gateway-2"}


@pytest.mark.django_db
def test_mesh_links_arc_over_the_leaves_between(admin):
    fabric = HedgehogFabric.objects.create(name="mesh", git_url="https://git.example.com/mesh.git")
    for name in ("leaf-01", "leaf-02", "leaf-03"):
        Switch.objects.create(fabric=fabric, name=name, role="server-leaf", origin=OriginChoices.GIT)
    for first, second in (("leaf-01", "leaf-02"), ("leaf-01", "leaf-03")):
        Connection.objects.create(fabric=fabric, name=f"{first}--mesh--{second}", origin=OriginChoices.GIT, spec={
            "mesh": {"links": [{"leaf1": {"port": f"{first}/E1/{second[-1]}"}, "leaf2": {"port": f"{second}/E1/1"}}]}})
    topology = topology_of(fabric, admin)
    assert topology.tier("spine") == []  # a mesh fabric has no spines
    neighbours, far = link(topology, "leaf-01--mesh--leaf-02"), link(topology, "leaf-01--mesh--leaf-03")
    assert neighbours.shape == "peer"
    assert far.shape == "arc"
    (x1, y1), (_cx, cy), (x2, y2) = far.points
    leaves = {node.name: node for node in topology.tier("leaf")}
    assert y1 == y2 == leaves["leaf-01"].y  # from the top of one leaf to the top of the other
    assert leaves["leaf-01"].x < x1 < x2 < leaves["leaf-03"].x + leaves["leaf-03"].width
    assert 0 < (y1 + cy) / 2 < y1  # the curve's top stays inside the picture
    assert_readable(topology)


@pytest.mark.django_db
def test_the_layout_is_deterministic(tmp_path, admin):
    fabric = sync_samples(tmp_path, "lab", LAB)
    first, second = topology_of(fabric, admin), topology_of(fabric, admin)
    assert first.as_dict() == second.as_dict()
    assert render_svg(first) == render_svg(second)
    # The order the database returns rows in does not matter either.
    data = load_fabric(fabric, admin)
    for rows in (data.switches, data.servers, data.connections, data.externals, data.external_attachments):
        rows.reverse()
    assert build_topology(data).as_dict() == first.as_dict()


#
# State: agents, ports, drift
#

@pytest.mark.django_db
def test_an_oper_down_port_makes_its_link_down(admin):
    fabric = sync_cluster("ports", generated(SMALL, down_ports=["leaf-01/E1/1"]))
    topology = topology_of(fabric, admin)
    down = link(topology, "spine-01--fabric--leaf-01")
    assert down.state == LINK_DOWN
    assert down.problems == ["leaf-01/E1/1 is oper down"]
    assert [item.id for item in topology.links if item.state == LINK_DOWN] == ["spine-01--fabric--leaf-01#1"]
    assert {item.state for item in topology.links if item.id != down.id} == {LINK_UP}
    assert {node.state for node in topology.nodes if node.kind == "switch"} == {STATE_OK}
    assert topology.summary["links_down"] == 1

    svg = render_svg(topology)
    element = next(g for g in svg_tree(svg).iter(f"{SVG_NS}g") if g.get("data-link") == down.id)
    assert "hh-down" in element.get("class").split() and element.get("data-state") == "down"
    assert "leaf-01/E1/1 is oper down" in element.find(f".//{SVG_NS}title").text


@pytest.mark.django_db
def test_dead_and_behind_agents_colour_their_switch(admin):
    fabric = sync_cluster("agents", generated(SMALL, alive=False))
    topology = topology_of(fabric, admin)
    switches = [node for node in topology.nodes if node.kind == "switch"]
    assert {node.state for node in switches} == {STATE_DEAD}
    assert all(node.problems[0].startswith("agent not alive: last heartbeat ") for node in switches)
    assert {item.state for item in topology.links if item.connection_type == "fabric"} == {LINK_DOWN}

    Switch.objects.filter(fabric=fabric).update(agent_heartbeat=datetime.now(UTC), agent_applied_generation=1,
                                                generation=2)
    topology = topology_of(fabric, admin)
    spine = next(node for node in topology.nodes if node.name == "spine-01")
    assert spine.state == STATE_BEHIND
    assert spine.problems == ["agent behind: applied generation 1 of 2"]
    element = next(g for g in svg_tree(render_svg(topology)).iter(f"{SVG_NS}g")
                   if g.get("data-node") == "switch:spine-01")
    assert "hh-state-behind" in element.get("class").split()


@pytest.mark.django_db
def test_drifted_objects_are_marked(tmp_path, admin):
    fabric = sync_samples(tmp_path, "lab", LAB)
    Switch.objects.filter(fabric=fabric, name="ds3000-01").update(drift=DriftChoices.DIFFERS)
    Connection.objects.filter(fabric=fabric, name="server-7--unbundled--ds3000-03").update(
        drift=DriftChoices.ONLY_IN_GIT)
    topology = topology_of(fabric, admin)
    leaf = next(node for node in topology.nodes if node.name == "ds3000-01")
    assert leaf.drift == DriftChoices.DIFFERS
    assert "drift between Git and the cluster: differs" in leaf.problems
    drifted_link = link(topology, "server-7--unbundled--ds3000-03")
    assert drifted_link.drift == DriftChoices.ONLY_IN_GIT
    assert drifted_link.problems == ["drift between Git and the cluster: only in Git"]
    assert topology.summary["drifted"] == 2
    classes = {g.get("data-node") or g.get("data-link"): g.get("class").split()
               for g in svg_tree(render_svg(topology)).iter(f"{SVG_NS}g") if g.get("class")}
    assert "hh-drift" in classes["switch:ds3000-01"] and "hh-drift" in classes[drifted_link.id]
    assert "hh-drift" not in classes["switch:ds3000-02"]


#
# Filters
#

@pytest.mark.django_db
def test_group_filter_keeps_the_group_and_what_is_cabled_to_it(tmp_path, admin):
    fabric = sync_samples(tmp_path, "lab", LAB)
    topology = topology_of(fabric, admin, group="border")  # ds3000-03 and sse-c4632-01 are in `border`
    assert names(topology.tier("spine")) == ["ds4000-01", "ds4000-02"]
    assert names(topology.tier("leaf")) == ["ds3000-03", "sse-c4632-01"]
    assert names(topology.tier("server")) == ["server-7", "server-8", "server-5", "server-6", "server-9"]
    assert names(topology.tier("side")) == ["static-ext", "default", "other"]
    assert all({"switch:ds3000-03", "switch:sse-c4632-01"} & {item.source, item.target} for item in topology.links)
    assert [group.name for group in topology.groups] == ["eslag-1"]
    # A redundancy group is a switch group too.
    assert names(topology_of(fabric, admin, group="eslag-2").tier("leaf")) == ["ds3000-01", "ds3000-02"]


@pytest.mark.django_db
def test_vpc_filter_highlights_the_servers_attached_and_the_leaves_they_use(admin):
    objects = generated(SMALL)
    fabric = sync_cluster("vpcs", objects)
    attachments = [o["spec"] for o in objects if o["kind"] == "VPCAttachment"]
    vpc = attachments[0]["subnet"].split("/")[0]
    connections = {a["connection"] for a in attachments if a["subnet"].startswith(f"{vpc}/")}
    topology = topology_of(fabric, admin, vpc=vpc)
    highlighted = {item.connection for item in topology.links if item.highlighted}
    assert highlighted == connections
    servers = {node.name for node in topology.tier("server") if node.highlighted}
    assert servers == {name.split("--")[0] for name in connections}
    leaves = {node.name for node in topology.tier("leaf") if node.highlighted}
    assert leaves == {end.split(":")[1] for item in topology.links if item.highlighted
                      for end in (item.source, item.target) if end.startswith("switch:")}
    assert leaves
    assert all(node.dimmed for node in topology.nodes if not node.highlighted)
    assert not topology.tier("spine")[0].highlighted
    assert all(f"VPC {vpc}/" in " ".join(node.details) for node in topology.tier("server")
               if node.name in servers)


@pytest.mark.django_db
def test_problems_filter_keeps_only_what_has_a_problem(admin):
    fabric = sync_cluster("problems", generated(SMALL, down_ports=["leaf-01/E1/1"]))
    Server.objects.filter(fabric=fabric, name="server-02").update(drift=DriftChoices.ONLY_IN_CLUSTER)
    topology = topology_of(fabric, admin, problems="1")
    assert [item.id for item in topology.links] == ["spine-01--fabric--leaf-01#1"]
    assert sorted(node.id for node in topology.nodes) == ["server:server-02", "switch:leaf-01", "switch:spine-01"]
    assert topology.filters.problems and topology_of(fabric, admin, problems="0").filters.problems is False
    empty = HedgehogFabric.objects.create(name="empty", git_url="https://git.example.com/empty.git")
    assert topology_of(empty, admin).nodes == []
    assert "Nothing to draw: no switches" in render_svg(topology_of(empty, admin))
    assert "Nothing to draw: nothing matches the filters" in render_svg(topology_of(empty, admin, problems="1"))


@pytest.mark.django_db
def test_bad_filters_are_named(tmp_path, admin):
    fabric = sync_samples(tmp_path, "lab", LAB)
    data = load_fabric(fabric, admin)
    filters, errors = parse_filters({"vpc": "nope", "group": ["border", "x" * 300], "problems": "maybe"}, data)
    assert errors == {
        "vpc": ["no VPC 'nope' in fabric lab"],
        "group": [f"{'x' * 40!r}... is longer than 253 characters"],
        "problems": ["problems is 1 or 0, not 'maybe'"],
    }
    assert not filters.active  # a bad parameter is left out
    _filters, errors = parse_filters({"group": [f"g{i}" for i in range(51)]}, data)
    assert errors == {"group": ["at most 50 values, not 51"]}
    filters, errors = parse_filters({"group": ["eslag-1", " border ", ""], "problems": "true"}, data)
    assert not errors and filters.groups == ("border", "eslag-1") and filters.problems


#
# Scale, queries, permissions, escaping
#

@pytest.mark.django_db
def test_large_fabric_is_readable_and_loads_in_a_fixed_number_of_queries(admin):
    small = sync_cluster("small", generated(SMALL))
    large = sync_cluster("large", generated(LARGE))
    counts = []
    for fabric in (small, large):
        with CaptureQueriesContext(connection) as queries:
            data = load_fabric(fabric, admin)
            topology = build_topology(data)
            render_svg(topology)
        counts.append(len(queries))
    assert counts == [9, 9]
    assert topology.summary["switches"] == 100 and topology.summary["servers"] == 1056
    assert_readable(topology)
    # Every label fits its box: a name too long for it is cut and ends in "…".
    svg = render_svg(topology)
    assert svg.count('data-node="') == len(topology.nodes) and svg.count('data-link="') == len(topology.links)
    svg_tree(svg)


@pytest.mark.django_db
def test_only_what_the_user_may_view_is_drawn(tmp_path):
    fabric = sync_samples(tmp_path, "lab", LAB)
    user = get_user_model().objects.create_user("viewer")
    permit(user, HedgehogFabric)
    switches, connections = permit(user, Switch), permit(user, Connection)
    topology = topology_of(fabric, user)
    assert topology.tier("server") == [] and {node.kind for node in topology.nodes} == {"switch", "uplink"}
    assert {item.connection_type for item in topology.links} == {"fabric", "vpcLoopback", "external"}
    switches.constraints = [{"name__startswith": "ds4000"}, {"name": "ds3000-01"}]
    switches.save()
    connections.constraints = {"name__contains": "--fabric--"}
    connections.save()
    user = get_user_model().objects.get(pk=user.pk)  # without the permissions cached on the old instance
    topology = topology_of(fabric, user)
    assert names(topology.nodes) == ["ds4000-01", "ds4000-02", "ds3000-01"]
    assert sorted(item.connection for item in topology.links) == ["ds4000-01--fabric--ds3000-01",
                                                                 "ds4000-02--fabric--ds3000-01"]


@pytest.mark.django_db
def test_names_are_escaped(admin):
    fabric = HedgehogFabric.objects.create(name='fab"<x>', git_url="https://git.example.com/x.git")
    hostile = '"><img src=x onerror=alert(1)><x a="'  # no "/": endpoints are device/port
    common = {"fabric": fabric, "origin": OriginChoices.GIT}
    Switch.objects.create(name=f"leaf{hostile}", role="server-leaf", description=hostile, **common)
    Server.objects.create(name=f"srv{hostile}", **common)
    Connection.objects.create(name=f"c{hostile}", spec={"unbundled": {"link": {
        "server": {"port": f"srv{hostile}/eth0"}, "switch": {"port": f"leaf{hostile}/E1/1"}}}}, **common)
    topology = topology_of(fabric, admin)
    assert len(topology.links) == 1
    for svg in (render_svg(topology), render_svg(topology, standalone=True)):
        assert "<img" not in svg and "<x" not in svg
        tree = svg_tree(svg)  # well-formed XML
        assert any((title.text or "").startswith(f"srv{hostile}") for title in tree.iter(f"{SVG_NS}title"))


#
# The Topology tab, its download, and the REST API
#

def _topo_fabric():
    """A small generated fabric with one oper-down port, synced from a cluster."""
    return sync_cluster("topo", generated(SMALL, down_ports=["leaf-01/E1/1"]))


class TopologyViewTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.fabric = _topo_fabric()
        cls.url = reverse("plugins:netbox_hedgehog:hedgehogfabric_topology", kwargs={"pk": cls.fabric.pk})

    def test_tab_shows_the_picture(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.view_switch",
                             "netbox_hedgehog.view_server", "netbox_hedgehog.view_connection")
        page = self.client.get(self.fabric.get_absolute_url())
        self.assertContains(page, f'href="{self.url}"')  # the tab
        response = self.client.get(self.url)
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        self.assertIn('<svg xmlns="http://www.w3.org/2000/svg" class="hh-topology"', content)
        self.assertIn('data-node="switch:spine-01"', content)
        self.assertIn('data-node="server:server-01"', content)
        self.assertIn('data-link="spine-01--fabric--leaf-01#1"', content)
        self.assertIn("1 link down", content)
        self.assertIn('href="?format=svg"', content)

    def test_filters_and_bad_filters(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.view_switch",
                             "netbox_hedgehog.view_connection")
        response = self.client.get(self.url, {"problems": "1"})
        content = response.content.decode()
        self.assertIn('data-link="spine-01--fabric--leaf-01#1"', content)
        self.assertNotIn('data-link="spine-01--fabric--leaf-02#1"', content)
        self.assertIn("format=svg", content)
        response = self.client.get(self.url, {"vpc": "<nope>", "problems": "1"})
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        self.assertIn('id="topology-filter-errors"', content)
        self.assertIn("no VPC &#x27;&lt;nope&gt;&#x27; in fabric topo", content)
        self.assertIn('href="?problems=1&amp;format=svg"', content)  # the download leaves the bad filter out

    def test_download(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.view_switch",
                             "netbox_hedgehog.view_connection")
        response = self.client.get(self.url, {"format": "svg", "group": "eslag-1"})
        self.assertHttpStatus(response, 200)
        self.assertEqual(response["Content-Type"], "image/svg+xml; charset=utf-8")
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="topo-topology.svg"')
        tree = svg_tree(response.content.decode())
        self.assertEqual(tree.find(f"{SVG_NS}title").text, "Topology of fabric topo")
        nodes = {g.get("data-node") for g in tree.iter(f"{SVG_NS}g") if g.get("data-node")}
        # No view permission on servers and externals: the external connections end at uplink nodes.
        self.assertEqual(nodes, {"switch:spine-01", "switch:leaf-01", "switch:leaf-02", "uplink:leaf-01--external",
                                 "uplink:leaf-02--external", "uplink:leaf-01--static-external",
                                 "uplink:leaf-02--static-external"})
        response = self.client.get(self.url, {"format": "svg", "group": "nope"})
        self.assertHttpStatus(response, 400)
        self.assertEqual(response.content.decode(), "group: no switch group 'nope' in fabric topo\n")
        response = self.client.get(self.url, {"format": "png"})
        self.assertHttpStatus(response, 400)
        self.assertIn("unknown format 'png'", response.content.decode())

    def test_fabric_the_user_may_not_view_is_404(self):
        permit(self.user, HedgehogFabric, {"name": "another"})
        self.assertHttpStatus(self.client.get(self.url), 404)
        self.assertHttpStatus(self.client.get(self.url, {"format": "svg"}), 404)

    def test_filename_is_safe(self):
        from netbox_hedgehog.views.topology import svg_filename

        self.assertEqual(svg_filename(HedgehogFabric(name='a"b/../c d')), "a_b_.._c_d-topology.svg")
        self.assertEqual(svg_filename(HedgehogFabric(name="..")), "fabric-topology.svg")


class TopologyAPITest(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.fabric = _topo_fabric()
        cls.url = reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-topology", kwargs={"pk": cls.fabric.pk})

    def test_json(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.view_switch",
                             "netbox_hedgehog.view_server", "netbox_hedgehog.view_connection")
        response = self.client.get(self.url, **self.header)
        self.assertHttpStatus(response, 200)
        data = response.json()
        self.assertEqual(data["fabric"], {"id": self.fabric.pk, "name": "topo"})
        self.assertEqual(data["tiers"]["spine"], ["switch:spine-01"])
        self.assertEqual(data["tiers"]["leaf"], ["switch:leaf-01", "switch:leaf-02"])
        self.assertEqual(data["tiers"]["server"], ["server:server-02", "server:server-01"])
        down = next(item for item in data["links"] if item["id"] == "spine-01--fabric--leaf-01#1")
        self.assertEqual((down["state"], down["problems"]), ("down", ["leaf-01/E1/1 is oper down"]))
        self.assertEqual(down["cables"][0], {"source": "spine-01/E1/1", "target": "leaf-01/E1/1", "kind": "links"})
        switch = Switch.objects.get(fabric=self.fabric, name="spine-01")
        node = next(item for item in data["nodes"] if item["id"] == "switch:spine-01")
        self.assertEqual(node["url"], f"http://testserver{switch.get_absolute_url()}")
        self.assertEqual(node["state"], "ok")
        self.assertEqual(data["summary"]["links_down"], 1)

    def test_svg_by_format_and_by_accept(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.view_switch")
        for response in (self.client.get(self.url, {"format": "svg"}, **self.header),
                         self.client.get(self.url, HTTP_ACCEPT="image/svg+xml", **self.header)):
            self.assertHttpStatus(response, 200)
            self.assertEqual(response["Content-Type"], "image/svg+xml; charset=utf-8")
            self.assertTrue(response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'))
            svg_tree(response.content.decode())

    def test_bad_filters_answer_400(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        response = self.client.get(self.url, {"vpc": "nope", "problems": "x"}, **self.header)
        self.assertHttpStatus(response, 400)
        self.assertEqual(response.json(), {"vpc": ["no VPC 'nope' in fabric topo"],
                                           "problems": ["problems is 1 or 0, not 'x'"]})
        response = self.client.get(self.url, {"vpc": "nope", "format": "svg"}, **self.header)
        self.assertHttpStatus(response, 400)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json(), {"vpc": ["no VPC 'nope' in fabric topo"]})

    def test_permissions(self):
        self.assertHttpStatus(self.client.get(self.url, **self.header), 403)  # no view permission on fabrics
        permit(self.user, HedgehogFabric, {"name": "another"})
        self.assertHttpStatus(self.client.get(self.url, **self.header), 404)
        self.assertHttpStatus(self.client.get(self.url, {"format": "svg"}, **self.header), 404)

