"""Scenario 1: log in, find the Hedgehog menu, open the demo fabric and see its status panel."""
from playwright.sync_api import expect

from .conftest import _context, login
from .ui import FABRICS, screenshot


def test_login_menu_and_demo_fabric(browser, stack):
    context = _context(browser, stack)
    page = context.new_page()
    try:
        login(page, stack.admin_user, stack.admin_password)

        menu = page.get_by_role("button", name="Hedgehog", exact=True)
        expect(menu).to_be_visible()
        menu.click()
        fabrics_link = page.locator(".dropdown-menu.show a[href='/plugins/hedgehog/fabrics/']")
        expect(fabrics_link).to_be_visible()
        fabrics_link.click()
        page.wait_for_url(f"**{FABRICS}")

        page.locator("table").get_by_role("link", name="demo", exact=True).click()
        page.wait_for_url(f"**{FABRICS}{stack.demo_fabric_id}/")
        expect(page.locator("h1.page-title")).to_have_text("demo")
        status = page.locator("#fabric-status")
        expect(status).to_be_visible()
        for label in ("Sync status", "Connection", "Last successful sync", "Next sync due", "Last sync error"):
            expect(status).to_contain_text(label)
        expect(page.locator("#fabric-latest-run")).to_be_visible()
        expect(page.locator("#fabric-objects")).to_be_visible()
        # The demo's first sync was queued by dev/demo.sh: the page follows it to its end by itself.
        expect(page.locator("#latest-run-status")).to_contain_text("Completed", timeout=90_000)
        expect(status).to_contain_text("In sync")
        screenshot(page, "01-demo-fabric")
    finally:
        context.close()
