"""Scenario 4: a new interval in the edit form moves the "Next sync due" time shown on the fabric page."""
import time

from playwright.sync_api import expect

from .conftest import STACK_DIR
from .ui import add_fabric, screenshot


def next_due(page):
    row = page.locator("#fabric-status tr").filter(has=page.get_by_role("rowheader", name="Next sync due"))
    return row.locator("td").inner_text().strip()


def reload_until(page, condition, timeout=20):
    """Reload the page until `condition(page)` holds, as a person would press F5, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if condition(page):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no change within {timeout}s; last value {next_due(page)!r}")
        page.wait_for_timeout(500)
        page.reload()


def test_interval_change_moves_next_due(page):
    url = add_fabric(page, "e2e-interval", git_url=f"file://{STACK_DIR}/demo-repo", scheduled=True, interval=3600)
    # The sidecar registers the new fabric within about a second; the page reads the due time from it.
    reload_until(page, lambda p: next_due(p) not in ("", "—"))
    before = next_due(page)

    page.goto(url + "edit/")
    expect(page.locator("#id_sync_interval")).to_have_value("3600")
    page.fill("#id_sync_interval", "7200")
    page.locator("button[name=_update]").click()
    page.wait_for_url(url)
    expect(page.locator("body")).to_contain_text("7200 seconds")
    reload_until(page, lambda p: next_due(p) not in ("", "—", before))
    after = next_due(page)
    assert after > before, (before, after)  # ISO 8601 times: later sorts after
    screenshot(page, "04-interval-changed")
