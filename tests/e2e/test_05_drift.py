"""Scenario 5: Git and the cluster disagree: the fabric's drift count, the drift filter, the diff on the object."""
import re

from playwright.sync_api import expect

from .conftest import CLUSTER_TOKEN, DRIFT_DESCRIPTION, DRIFT_SWITCH
from .ui import add_fabric, click_and_reload, fabric_pk, screenshot, watch_run


def test_drift_between_git_and_the_cluster(page, fabrics):
    url = add_fabric(page, "e2e-drift", kubernetes_server=fabrics.drift_cluster, kubernetes_token=CLUSTER_TOKEN,
                     git_url=fabrics.git_url, git_branch="main")
    pk = fabric_pk(page)
    click_and_reload(page, "#sync-now")
    assert watch_run(page)[-1] == "Completed"

    page.reload()
    drift = page.locator("#fabric-drift-count")
    expect(drift).to_contain_text("1")
    expect(drift).to_contain_text("object differs")
    switches = page.locator("#fabric-objects tr").filter(has=page.get_by_role("rowheader", name="Switches"))
    expect(switches).to_contain_text("1 drifted")
    screenshot(page, "05-drift-fabric")

    page.goto(f"/plugins/hedgehog/switches/?fabric_id={pk}&drift=differs")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(DRIFT_SWITCH)
    screenshot(page, "05-drift-filter")

    rows.first.get_by_role("link", name=DRIFT_SWITCH, exact=True).click()
    page.wait_for_url(re.compile(r"/plugins/hedgehog/switches/\d+/$"))
    expect(page.locator("body")).to_contain_text("Differs")
    diff = page.locator("#spec-diff")
    expect(diff).to_be_visible()
    expect(diff).to_contain_text(DRIFT_DESCRIPTION)
    original = next(o for o in fabrics.objects if o["metadata"]["name"] == DRIFT_SWITCH)["spec"]["description"]
    expect(diff).to_contain_text(original)
    screenshot(page, "05-drift-diff")
    assert url
