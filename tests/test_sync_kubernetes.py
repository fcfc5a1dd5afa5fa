"""The sync engine end to end over the real kubernetes client: emulator -> reconcile -> NetBox."""
import json
import time
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import ObjectChange
from extras.models import JournalEntry, Notification
from netbox.search.backends import search_backend

from netbox_hedgehog.choices import ConnectionStatusChoices, SyncStatusChoices
from netbox_hedgehog.models import MODEL_BY_KIND, Connection, HedgehogFabric, Switch
from netbox_hedgehog.notifications import SYNC_FAILED
from netbox_hedgehog.sync.runner import run_sync
from tests.helpers import CLUSTER_TOKEN as TOKEN
from tests.helpers import cluster_fabric, plugin_settings, subscribe
from tests.kube_emulator import HostileKubeServer

pytestmark = pytest.mark.django_db
LAB_COUNTS = {"VLANNamespace": 1, "IPv4Namespace": 1, "SwitchGroup": 3, "Switch": 6, "Server": 8, "External": 3,
              "ExternalAttachment": 5, "Connection": 24}


@pytest.fixture
def fabric(cluster):
    return cluster_fabric(cluster, name="lab")


def point_at(fabric, emulator):
    """Move the fabric to another emulator, with that emulator's CA and the token again."""
    fabric.kubernetes_server = emulator.url
    fabric.kubernetes_ca_cert = emulator.ca_pem
    fabric.kubernetes_token = TOKEN
    fabric.save()


def stored_counts(fabric):
    return {kind: model.objects.filter(fabric=fabric).count() for kind, model in MODEL_BY_KIND.items()
            if model.objects.filter(fabric=fabric).exists()}


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_first_sync_imports_every_kind_with_the_right_counts(fabric):
    result = run_sync(fabric)
    assert result.ok, result.error
    assert stored_counts(fabric) == LAB_COUNTS
    assert {kind: c["created"] for kind, c in result.counts.items() if c["created"]} == LAB_COUNTS
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.IN_SYNC
    assert fabric.last_sync is not None and fabric.last_sync == fabric.last_sync_attempt
    assert fabric.connection_status == ConnectionStatusChoices.CONNECTED
    switch = Switch.objects.get(fabric=fabric, name="ds3000-01")
    assert (switch.role, switch.profile, switch.redundancy_group, switch.redundancy_type) == (
        "server-leaf", "celestica-ds3000", "eslag-2", "eslag")
    assert switch.origin == "cluster" and switch.uid and switch.generation == 1
    fabric_link = Connection.objects.get(fabric=fabric, name="ds4000-01--fabric--ds3000-01")
    assert fabric_link.connection_type == "fabric"
    assert "ds4000-01/E1/1" in fabric_link.endpoints and fabric_link.devices == ["ds3000-01", "ds4000-01"]
    # Synced objects are in NetBox's global search.
    found = {str(result.object) for result in search_backend.search("ds3000-01", lookup="iexact")}
    assert "ds3000-01" in found
    # Every create is in the change log, attributed to the run.
    changes = ObjectChange.objects.filter(request_id=result.request_id)
    assert changes.count() == sum(LAB_COUNTS.values())
    assert set(changes.values_list("action", flat=True)) == {"create"}


def test_unchanged_resync_writes_no_object_and_no_change_log(fabric):
    run_sync(fabric)
    changes_before = ObjectChange.objects.count()
    with CaptureQueriesContext(connection) as queries:
        result = run_sync(fabric)
    assert result.ok
    assert all(c["created"] == c["updated"] == c["deleted"] == 0 for c in result.counts.values())
    object_writes = [sql for sql in writes(queries) if "netbox_hedgehog_hedgehogfabric" not in sql]
    assert object_writes == []
    # The only writes are the fabric's own status bookkeeping (syncing, then in sync).
    assert len(writes(queries)) == 2
    assert ObjectChange.objects.count() == changes_before


def test_changes_between_syncs_are_updated_created_and_deleted(cluster, fabric):
    run_sync(fabric)
    switch = cluster.get("Switch", "ds3000-01")
    switch["spec"]["description"] = "renamed leaf"
    cluster.upsert(switch)
    assert cluster.delete("Server", "server-1")
    cluster.upsert({"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "SwitchGroup",
                    "metadata": {"name": "new-group", "namespace": "default"}, "spec": {}})
    result = run_sync(fabric)
    assert result.counts["Switch"]["updated"] == 1
    assert result.counts["Server"]["deleted"] == 1
    assert result.counts["SwitchGroup"]["created"] == 1
    assert Switch.objects.get(fabric=fabric, name="ds3000-01").description == "renamed leaf"
    actions = Counter(ObjectChange.objects.filter(request_id=result.request_id).values_list("action", flat=True))
    assert actions == {"update": 1, "delete": 1, "create": 1}


@pytest.mark.parametrize("fault, expected", [
    (dict(token="wrong"), "401"),
    (dict(forbidden=True), "403"),
])
def test_rejected_credentials_change_nothing_and_never_show_the_token(fabric, kube_emulator, fault, expected):
    run_sync(fabric)
    before = stored_counts(fabric)
    point_at(fabric, kube_emulator(token=fault.get("token", TOKEN), forbidden=fault.get("forbidden", False)))
    result = run_sync(fabric)
    assert not result.ok and expected in result.error
    assert TOKEN not in result.error
    assert stored_counts(fabric) == before
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.ERROR and fabric.last_sync is not None
    assert fabric.connection_status == ConnectionStatusChoices.ERROR
    assert TOKEN not in fabric.sync_error and TOKEN not in fabric.connection_error


def test_server_errors_and_timeouts_change_nothing(cluster, fabric):
    run_sync(fabric)
    before = stored_counts(fabric)
    cluster.fail_with(500, path_contains="connections")
    result = run_sync(fabric)
    assert not result.ok and "500" in result.error
    cluster.reset_faults()
    cluster.delay(3)
    with plugin_settings(source_timeout=1):
        result = run_sync(fabric)
    assert not result.ok and "timed out" in result.error
    assert stored_counts(fabric) == before


def test_missing_crd_is_skipped_and_reported_while_the_rest_syncs(fabric, kube_emulator):
    point_at(fabric, kube_emulator(crds={"Switch", "Server", "SwitchGroup"}))
    result = run_sync(fabric)
    assert result.ok
    assert "Connection" in result.skipped_kinds and "not installed" in result.skipped_kinds["Connection"]
    assert stored_counts(fabric) == {"SwitchGroup": 3, "Switch": 6, "Server": 8}


def test_dry_run_reports_the_diff_and_changes_nothing(fabric):
    result = run_sync(fabric, dry_run=True)
    assert result.ok and result.dry_run
    assert stored_counts(fabric) == {}
    assert {change["action"] for change in result.changes["Switch"]} == {"create"}
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.NEVER_SYNCED


def test_agent_status_shows_on_switches(cluster, fabric):
    now = timezone.now()
    cluster.upsert({"apiVersion": "agent.githedgehog.com/v1beta1", "kind": "Agent",
                    "metadata": {"name": "ds3000-01", "namespace": "default"},
                    "status": {"lastHeartbeat": now.isoformat(), "lastAppliedGen": 1,
                               "state": {"interfaces": {"E1/28": {"oper": "up", "admin": "up"}}}}})
    run_sync(fabric)
    switch = Switch.objects.get(fabric=fabric, name="ds3000-01")
    assert switch.agent_alive is True and switch.agent_applied_current is True
    assert switch.agent_interfaces["E1/28"]["oper"] == "up"
    assert Switch.objects.get(fabric=fabric, name="ds3000-02").agent_alive is None


def test_cli_prints_counts_and_json_and_fails_non_zero(fabric, capsys):
    call_command("hedgehog_sync", "lab", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "success" and data["counts"]["Switch"]["created"] == 6
    call_command("hedgehog_sync", "lab")
    out = capsys.readouterr().out
    assert "Switch" in out and "unchanged" in out
    fabric.kubernetes_token = "wrong"
    fabric.save()
    with pytest.raises(CommandError, match="401"):
        call_command("hedgehog_sync", "lab")
    with pytest.raises(CommandError, match="No fabric named"):
        call_command("hedgehog_sync", "nope")


def test_cli_stops_at_the_job_timeout_and_frees_the_lock(cluster, fabric):
    from netbox_hedgehog.locks import lock_holder

    cluster.delay(1)  # every request waits a second: a load of all kinds takes longer than the 10 s below
    started = time.monotonic()
    with plugin_settings(sync_job_timeout=10), pytest.raises(CommandError, match=r"sync_job_timeout \(10 s\)"):
        call_command("hedgehog_sync", "lab")
    assert time.monotonic() - started < 15
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.ERROR and "sync_job_timeout" in fabric.sync_error
    assert lock_holder(fabric.pk) is None and stored_counts(fabric) == {}


def test_connection_page_shows_port_oper_state_from_agents(cluster, fabric, admin_client):
    cluster.upsert({"apiVersion": "agent.githedgehog.com/v1beta1", "kind": "Agent",
                    "metadata": {"name": "ds3000-01", "namespace": "default"},
                    "status": {"lastHeartbeat": timezone.now().isoformat(), "lastAppliedGen": 1,
                               "state": {"interfaces": {"E1/28": {"oper": "up"}, "E1/30": {"oper": "down"}}}}})
    run_sync(fabric)
    link = Connection.objects.get(fabric=fabric, name="ds4000-01--fabric--ds3000-01")
    assert ("ds3000-01/E1/28", "up") in link.port_states()
    page = admin_client.get(link.get_absolute_url()).content.decode()
    assert "connection-port-states" in page and "ds3000-01/E1/28" in page


# --- hostile clusters: every run ends failed (or partial), within the deadline, never left syncing -------------

@pytest.mark.parametrize("behaviour, settings, message", [
    ("endless_pages", {"kubernetes_max_pages": 30}, "answered more than 30 pages (setting kubernetes_max_pages)"),
    ("huge_body_unannounced", {"kubernetes_max_response_size": 1024 * 1024},
     "answered more than 1048576 bytes (setting kubernetes_max_response_size)"),
    ("drip_body", {"source_timeout": 1}, "timed out after 1 s"),
    ("drip_headers", {"source_timeout": 1}, "timed out after 1 s"),
], ids=["endless pages", "huge answer", "dripping body", "dripping headers"])
def test_a_hostile_kubernetes_api_fails_the_run_with_a_clear_error(operator, behaviour, settings, message):
    user, group = operator
    subscribe(group, SYNC_FAILED)
    with HostileKubeServer(behaviour, interval=0.2) as server:
        fabric = HedgehogFabric.objects.create(name="hostile", kubernetes_server=server.url, kubernetes_token=TOKEN)
        started = time.monotonic()
        with plugin_settings(**settings):
            result = run_sync(fabric)
        elapsed = time.monotonic() - started
    assert result.outcome == "failed" and message in result.error and TOKEN not in result.error
    assert elapsed < 10
    fabric.refresh_from_db()
    assert fabric.sync_status == SyncStatusChoices.ERROR and fabric.connection_status == ConnectionStatusChoices.ERROR
    assert message in fabric.connection_error
    assert JournalEntry.objects.filter(assigned_object_id=fabric.pk, comments__startswith="Connection error").exists()
    assert Notification.objects.filter(user=user, event_type=SYNC_FAILED, object_id=fabric.pk).count() == 1
    assert stored_counts(fabric) == {}


def test_objects_of_a_cluster_that_netbox_cannot_store_fail_the_run_or_are_skipped(cluster, fabric):
    good = {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Switch", "spec": {"role": "server-leaf"}}
    cluster.add_raw_items("Switch", [
        {**good, "metadata": "not a mapping"},
        {**good, "metadata": {"name": "labelled", "namespace": "default", "labels": "role=leaf"}},
        {**good, "metadata": {"name": "typed", "namespace": "default"},
         "spec": {"role": "server-leaf", "redundancy": "mclag-1", "description": "x" * 1000}},
    ])
    cluster.add_raw_items("VPC", [{"apiVersion": "vpc.githedgehog.com/v1beta1", "kind": "VPC",
                                   "metadata": {"name": "vpc-1", "namespace": "default"},
                                   "spec": {"subnets": ["10.0.0.0/24"]}}])
    result = run_sync(fabric)
    assert result.outcome == "failed"
    assert [(p["kind"], p["name"], p["message"]) for p in result.problems] == [
        ("Switch", "", "metadata: 'not a mapping' is not of type 'object'"),
        ("Switch", "labelled", "metadata.labels: 'role=leaf' is not of type 'object', 'null'"),
    ]
    assert stored_counts(fabric) == {}
    fabric.skip_invalid_objects = True
    fabric.save()
    result = run_sync(fabric)
    assert result.outcome == "partial"
    # What the API server let through in the wrong shape is stored as it is; its columns stay within their width.
    typed = Switch.objects.get(fabric=fabric, name="typed")
    assert typed.redundancy_group == "" and len(typed.description) == 200 and typed.spec["redundancy"] == "mclag-1"
    vpc = MODEL_BY_KIND["VPC"].objects.get(fabric=fabric, name="vpc-1")
    assert vpc.subnets == [] and vpc.subnet_count == 0
    assert stored_counts(fabric) == {**LAB_COUNTS, "Switch": 7, "VPC": 1}
