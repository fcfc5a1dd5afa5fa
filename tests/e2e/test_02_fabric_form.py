"""Scenario 2: add fabrics through the form; Test connection reports the CRDs, or a clear 401 without the token."""
from playwright.sync_api import expect

from .conftest import CLUSTER_TOKEN
from .ui import FABRICS, add_fabric, click_and_reload, screenshot, toasts

WRONG_TOKEN = "e2e-wrong-token-77c0ffee5e"


def test_test_connection_reports_the_crds_found(page, fabrics):
    add_fabric(page, "e2e-connection", kubernetes_server=fabrics.slow_cluster, kubernetes_token=CLUSTER_TOKEN)
    expect(toasts(page).filter(has_text="Created")).to_have_count(1)
    # The token is stored, and shown as "set" only.
    expect(page.locator("#fabric-status")).to_be_visible()
    assert CLUSTER_TOKEN not in page.content()

    click_and_reload(page, "#test-connection")
    message = toasts(page).filter(has_text="Connection to e2e-connection works")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("Hedgehog CRDs found:")
    for kind in ("Switch", "Server", "Connection", "VPC", "External"):
        expect(message).to_contain_text(kind)
    expect(page.locator("#fabric-status")).to_contain_text("Connected")
    assert CLUSTER_TOKEN not in page.content()
    screenshot(page, "02-test-connection-ok", keep_messages=True)


def test_a_wrong_token_is_a_clear_401_and_never_shown(page, fabrics):
    url = add_fabric(page, "e2e-wrong-token", kubernetes_server=fabrics.slow_cluster, kubernetes_token=WRONG_TOKEN)
    click_and_reload(page, "#test-connection")
    message = toasts(page).filter(has_text="Connection test for e2e-wrong-token failed")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("401")
    status = page.locator("#fabric-status")
    expect(status).to_contain_text("401")  # the status panel keeps the last connection error
    screenshot(page, "02-test-connection-401", keep_messages=True)
    for where in (url, url + "edit/", url + "changelog/", url + "journal/", FABRICS):
        response = page.goto(where)
        assert response.ok, where
        assert WRONG_TOKEN not in page.content(), f"the token is in the HTML of {where}"
        assert WRONG_TOKEN not in page.locator("body").inner_text(), f"the token is shown on {where}"
    export = page.request.get(FABRICS + "?export=table")  # the list's CSV export, as its Export button gives it
    assert export.ok and "e2e-wrong-token" in export.text()
    assert WRONG_TOKEN not in export.text(), "the token is in the CSV export"
