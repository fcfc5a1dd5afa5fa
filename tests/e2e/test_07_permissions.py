"""Scenario 7: a user who may view fabrics but not sync them sees no Sync now button; the API answers 403."""
from playwright.sync_api import expect

from .ui import FABRICS, screenshot

SYNC_API = "/api/plugins/hedgehog/fabrics/{id}/sync/"


def test_viewer_has_no_sync_button_and_the_api_refuses(viewer_page, stack):
    page = viewer_page
    page.goto(f"{FABRICS}{stack.demo_fabric_id}/")
    expect(page.locator("#fabric-status")).to_be_visible()
    expect(page.locator("#fabric-latest-run")).to_be_visible()
    expect(page.locator("#sync-now")).to_have_count(0)
    expect(page.locator("#test-connection")).to_have_count(0)
    screenshot(page, "07-view-only-user")

    status, data = stack.api("GET", f"/api/plugins/hedgehog/fabrics/{stack.demo_fabric_id}/",
                             authorization=stack.viewer_authorization)
    assert status == 200 and data["name"] == "demo", (status, data)  # the viewer's token works...
    status, data = stack.api("POST", SYNC_API.format(id=stack.demo_fabric_id), {},
                             authorization=stack.viewer_authorization)
    assert status == 403, (status, data)  # ...but may not sync
    status, data = stack.api("POST", SYNC_API.format(id=stack.demo_fabric_id), {})
    assert status == 202, (status, data)  # the admin may
