"""Scenario 3: Sync now, followed live on the fabric page; the objects in the lists; the run on the Jobs tab."""
import re

from playwright.sync_api import expect

from .conftest import CLUSTER_TOKEN
from .ui import add_fabric, click_and_reload, fabric_pk, screenshot, toasts, watch_run


def test_sync_now_runs_live_and_fills_the_lists(page, fabrics, stack):
    url = add_fabric(page, "e2e-sync", kubernetes_server=fabrics.slow_cluster, kubernetes_token=CLUSTER_TOKEN)
    pk = fabric_pk(page)
    expect(page.locator("#fabric-latest-run")).to_contain_text("No sync has run yet")

    click_and_reload(page, "#sync-now")
    expect(toasts(page).filter(has_text=re.compile(r"Queued sync job #\d+ for e2e-sync"))).to_have_count(1)
    # The page follows the run by itself (htmx polls #fabric-live every 2 s while it is active).
    assert page.locator("#fabric-live[hx-trigger]").count() == 1, "the live panel does not poll while a run is active"
    seen = watch_run(page)
    assert seen[-1] == "Completed", seen
    assert "Running" in seen, f"the run was never shown running: {seen}"
    assert seen.index("Running") < seen.index("Completed")
    if "Pending" in seen:
        assert seen.index("Pending") < seen.index("Running")
    expect(page.locator("#fabric-live[hx-trigger]")).to_have_count(0)  # polling stops once the run has ended
    expect(page.locator("#latest-run-outcome")).to_contain_text("success")
    expect(page.locator("#fabric-status")).to_contain_text("In sync")

    counts = page.locator("#latest-run-counts")
    expect(counts).to_be_visible()
    for kind, names in (("Switch", fabrics.names("Switch")), ("Connection", fabrics.names("Connection")),
                        ("VPC", fabrics.names("VPC"))):
        row = counts.locator("tbody tr").filter(has=page.get_by_role("cell", name=kind, exact=True))
        expect(row.locator("td").nth(1)).to_have_text(str(len(names)))  # created
    screenshot(page, "03-sync-done")

    # The objects panel links to each kind's list, filtered by this fabric.
    for label, kind, shot in (("Switches", "Switch", "03-switches"), ("Connections", "Connection", "03-connections"),
                              ("VPCs", "VPC", "03-vpcs")):
        page.goto(url)
        row = page.locator("#fabric-objects tr").filter(has=page.get_by_role("rowheader", name=label, exact=True))
        link = row.locator("a").first
        expect(link).to_have_text(str(len(fabrics.names(kind))))
        link.click()
        page.wait_for_url(re.compile(rf"fabric_id={pk}"))
        table = page.locator("table.object-list, #object_list table, table.table").first
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(len(fabrics.names(kind)))
        for name in fabrics.names(kind):
            expect(table).to_contain_text(name)
        screenshot(page, shot)

    # The run is on the fabric's Jobs tab, and its page shows the log.
    page.goto(url)
    page.locator(".nav-tabs a").filter(has_text=re.compile(r"^\s*Jobs")).first.click()
    page.wait_for_url(re.compile(r"/jobs/"))
    jobs = page.locator("table tbody tr")
    expect(jobs.filter(has_text="Completed")).to_have_count(1)
    screenshot(page, "03-jobs-tab")
    jobs.filter(has_text="Completed").first.locator("a[href*='/core/jobs/']").first.click()
    page.wait_for_url(re.compile(r"/core/jobs/\d+/$"))
    expect(page.locator("body")).to_contain_text("Completed")
    page.get_by_role("link", name=re.compile("^Log")).first.click()
    page.wait_for_url(re.compile(r"/core/jobs/\d+/log/$"))
    log = page.locator("table tbody tr")
    expect(log.first).to_be_visible()
    assert log.count() >= 2, "the job log is (almost) empty"
    expect(page.locator("table tbody")).to_contain_text("Applied:")
    # NetBox's job log keeps a record's `msg` only: the plugin merges its %-style arguments first.
    unformatted = [text for text in log.all_inner_texts() if re.search(r"%(\(\w+\))?[sd]", text)]
    assert not unformatted, f"the job log shows unformatted messages: {unformatted}"
    screenshot(page, "03-job-log")
