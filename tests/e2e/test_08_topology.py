"""Scenario 8: the fabric's Topology tab: the demo fabric's picture, and a port stopped on the cluster (the switch
agent reports it oper-down) turning its link red after a sync."""
import re
from datetime import UTC, datetime

import yaml
from playwright.sync_api import expect

from netbox_hedgehog.generator import generate_agents
from tests.processes import wait_for

from .conftest import CLUSTER_TOKEN, Emulator
from .ui import FABRICS, add_fabric, click_and_reload, fabric_pk, screenshot, watch_run

STOPPED_PORT = "leaf-01/E1/1"  # leaf-01's end of its first cable to spine-01
UPLINK = "spine-01--fabric--leaf-01#1"
OTHER_UPLINK = "spine-01--fabric--leaf-02#1"
DANGER = "rgb(214, 57, 57)"  # NetBox's --tblr-danger
TOPOLOGY_API = "/api/plugins/hedgehog/fabrics/{id}/topology/"


def open_topology(page):
    page.locator(".nav-tabs a").filter(has_text=re.compile(r"^\s*Topology")).first.click()
    page.wait_for_url(re.compile(r"/fabrics/\d+/topology/"))
    picture = page.locator("#fabric-topology svg.hh-topology")
    expect(picture).to_be_visible()
    return picture


def sync_now(page):
    click_and_reload(page, "#sync-now")
    assert watch_run(page)[-1] == "Completed"


def test_topology_of_the_demo_fabric(page, stack):
    def demo_synced():
        status, data = stack.api("GET", f"/api/plugins/hedgehog/fabrics/{stack.demo_fabric_id}/")
        return status == 200 and data["sync_status"]["value"] == "in_sync"

    wait_for(demo_synced, 120, interval=1, message="the demo fabric's first sync")
    page.goto(f"{FABRICS}{stack.demo_fabric_id}/")
    picture = open_topology(page)

    # `make demo`'s fabric: 2 spines, 4 leaves in two ESLAG pairs, 8 servers; one line per connection and pair of
    # devices, as the API lists them.
    expect(picture.locator('[data-node^="switch:spine-"]')).to_have_count(2)
    expect(picture.locator('[data-node^="switch:leaf-"]')).to_have_count(4)
    expect(picture.locator('[data-node^="server:"]')).to_have_count(8)
    expect(picture.locator("[data-group]")).to_have_count(2)
    status, data = stack.api("GET", TOPOLOGY_API.format(id=stack.demo_fabric_id))
    assert status == 200, (status, data)
    expect(picture.locator("[data-link]")).to_have_count(len(data["links"]))
    expect(picture.locator('[data-link][data-type="fabric"]')).to_have_count(8)  # each spine to each leaf
    expect(picture.locator('[data-link][data-type="vpcLoopback"]')).to_have_count(4)
    expect(picture.locator("[data-lag]")).to_have_count(6)  # 4 ESLAG and 2 bundled server connections
    uplink = picture.locator(f'[data-link="{UPLINK}"]')
    expect(uplink.locator("title")).to_contain_text("spine-01/E1/1 — leaf-01/E1/1")  # the hover text
    expect(uplink).to_have_attribute("data-state", "unknown")  # a Git-only fabric: no agents report ports

    # Fit the picture to the card, and save it for the tour.
    page.locator("label[for=hh-zoom-fit]").click()
    card_width = page.locator("#fabric-topology").bounding_box()["width"]
    assert picture.bounding_box()["width"] <= card_width
    screenshot(page, "08-topology")

    # The switch group filter, and every node links to its page.
    page.select_option("#topology-group", "eslag-1")
    with page.expect_navigation():
        page.locator("#topology-filters button[type=submit]").click()
    picture = page.locator("#fabric-topology svg.hh-topology")
    expect(picture.locator('[data-node^="switch:leaf-"]')).to_have_count(2)
    picture.locator('[data-node="switch:leaf-01"] a').click()
    page.wait_for_url(re.compile(r"/plugins/hedgehog/switches/\d+/$"))
    expect(page.locator("h1.page-title")).to_have_text("leaf-01")


def test_a_stopped_port_turns_its_link_red_after_a_sync(page, stack, fabrics, tmp_path):
    served = tmp_path / "cluster.yaml"

    def serve(down_ports=()):
        agents = generate_agents(fabrics.objects, now=datetime.now(UTC), down_ports=down_ports)
        served.write_text(yaml.safe_dump_all(fabrics.objects + agents))

    serve()
    emulator = Emulator(served, CLUSTER_TOKEN)
    try:
        url = add_fabric(page, "e2e-topology", kubernetes_server=emulator.url, kubernetes_token=CLUSTER_TOKEN)
        sync_now(page)
        picture = open_topology(page)
        expect(picture.locator(f'[data-link="{UPLINK}"]')).to_have_attribute("data-state", "up")
        expect(picture.locator('[data-node="switch:leaf-01"]')).to_have_attribute("data-state", "ok")
        expect(page.locator("#topology-summary")).not_to_contain_text("down")

        serve(down_ports=[STOPPED_PORT])  # the switch agent now reports the port oper-down
        emulator.reload()
        page.goto(url)
        sync_now(page)
        picture = open_topology(page)
        uplink = picture.locator(f'[data-link="{UPLINK}"]')
        expect(uplink).to_have_attribute("data-state", "down")
        expect(uplink.locator("title")).to_contain_text(f"{STOPPED_PORT} is oper down")
        assert uplink.locator(".hh-line").evaluate("line => getComputedStyle(line).stroke") == DANGER
        other = picture.locator(f'[data-link="{OTHER_UPLINK}"]')
        expect(other).to_have_attribute("data-state", "up")
        assert other.locator(".hh-line").evaluate("line => getComputedStyle(line).stroke") != DANGER
        expect(page.locator("#topology-summary")).to_contain_text("1 link down")
        page.locator("label[for=hh-zoom-fit]").click()
        screenshot(page, "08-topology-port-down")

        status, data = stack.api("GET", TOPOLOGY_API.format(id=fabric_pk(page)) + "?problems=1")
        assert status == 200, (status, data)
        assert [(link["id"], link["problems"]) for link in data["links"]] == [
            (UPLINK, [f"{STOPPED_PORT} is oper down"])]

        page.locator("#topology-problems").check()
        with page.expect_navigation():
            page.locator("#topology-filters button[type=submit]").click()
        picture = page.locator("#fabric-topology svg.hh-topology")
        expect(picture.locator("[data-link]")).to_have_count(1)
        expect(picture.locator(f'[data-link="{UPLINK}"]')).to_have_attribute("data-state", "down")
    finally:
        emulator.stop()
