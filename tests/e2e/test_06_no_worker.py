"""Scenario 6: no worker running: the fabric page says so, Sync now says the run is queued, and it runs later."""
import re

from playwright.sync_api import expect

from .conftest import STACK_DIR
from .ui import add_fabric, click_and_reload, reload_until, screenshot, toasts, watch_run

BANNER = "#hedgehog-health-banner"


def test_no_worker_banner_and_queued_sync(page, stack):
    add_fabric(page, "e2e-no-worker", git_url=f"file://{STACK_DIR}/demo-repo")
    expect(page.locator(BANNER)).to_have_count(0)  # a worker is running: no banner
    stack.stop_worker()
    try:
        reload_until(page, BANNER, 1)
        banner = page.locator(BANNER)
        expect(banner).to_be_visible()
        expect(banner).to_contain_text(re.compile(r"no (live RQ )?worker serves queue 'high'", re.I))

        click_and_reload(page, "#sync-now")
        message = toasts(page).filter(has_text=re.compile(r"Queued sync job #\d+ for e2e-no-worker"))
        expect(message).to_have_count(1)
        expect(message).to_contain_text("no worker is running")
        expect(page.locator("#latest-run-status")).to_contain_text("Pending")
        expect(page.locator("#latest-run-waiting")).to_contain_text("no worker is running")
        screenshot(page, "06-no-worker", keep_messages=True)
    finally:
        stack.start_worker()
    # Once a worker is back, the queued run runs, and the open page follows it to its end.
    assert watch_run(page)[-1] == "Completed"
    expect(page.locator("#latest-run-waiting")).to_have_count(0)
    reload_until(page, BANNER, 0)
