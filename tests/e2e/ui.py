"""What the browser tests do on NetBox's pages, in the words of the page (forms, buttons, panels, toasts)."""
import re
import time

from playwright.sync_api import expect

from .conftest import screenshot  # noqa: F401  (re-exported for the tests)

FABRICS = "/plugins/hedgehog/fabrics/"
RUN_END = ("Completed", "Errored", "Failed")


def add_fabric(page, name, *, kubernetes_server="", kubernetes_token="", git_url="", git_branch="", scheduled=False,
               interval=None):
    """Fill in the Add fabric form and submit it; returns the new fabric's page URL (the page is left on it)."""
    page.goto(FABRICS + "add/")
    page.fill("#id_name", name)
    if kubernetes_server:
        page.fill("#id_kubernetes_server", kubernetes_server)
    if kubernetes_token:
        page.fill("#id_kubernetes_token", kubernetes_token)
    if git_url:
        page.fill("#id_git_url", git_url)
    if git_branch:
        page.fill("#id_git_branch", git_branch)
    page.locator("#id_scheduler_enabled").set_checked(scheduled)
    if interval is not None:
        page.fill("#id_sync_interval", str(interval))
    page.locator("button[name=_create]").click()
    page.wait_for_url(re.compile(r"/plugins/hedgehog/fabrics/\d+/$"))
    expect(page.locator("#fabric-status")).to_be_visible()
    return page.url


def fabric_pk(page):
    return int(re.search(r"/fabrics/(\d+)/", page.url).group(1))


def toasts(page):
    """The messages NetBox shows after a form or a button (toasts; they stay 10 s, the tests read them at once)."""
    return page.locator("#django-messages .toast")


def click_and_reload(page, selector):
    """Click a button whose form posts and redirects back to this page."""
    with page.expect_navigation():
        page.locator(selector).click()
    page.wait_for_load_state()


def watch_run(page, timeout=90):
    """
    Watch #latest-run-status on this page, without reloading it, until the run has ended; return every status
    shown along the way, in order. A marker set in the page proves no reload happened.
    """
    page.evaluate("window.__e2eNotReloaded = true")
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cell = page.locator("#latest-run-status")
        text = cell.first.inner_text(timeout=5_000).strip() if cell.count() else ""
        status = text.split()[0] if text else ""
        if status and (not seen or seen[-1] != status):
            seen.append(status)
        if status in RUN_END:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.__e2eNotReloaded === true"), "the page was reloaded while the run was watched"
    assert seen and seen[-1] in RUN_END, f"the run did not end within {timeout}s; statuses seen: {seen}"
    return seen


def reload_until(page, selector, count, timeout=30):
    """Reload the page until `selector` matches `count` elements: the health banner reads a summary cached for
    up to 10 seconds (status.HEALTH_CACHE_SECONDS)."""
    deadline = time.monotonic() + timeout
    while page.locator(selector).count() != count:
        assert time.monotonic() < deadline, f"{selector} never matched {count} element(s) in {timeout}s"
        page.wait_for_timeout(1000)
        page.reload()
