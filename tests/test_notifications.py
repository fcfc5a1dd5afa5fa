"""Failed runs and connection errors reach NetBox's journal and its event rules (here: a notification rule)."""
import pytest

from extras.models import JournalEntry, Notification

from netbox_hedgehog.notifications import CONNECTION_ERROR, SYNC_FAILED
from netbox_hedgehog.sync.runner import run_sync
from tests.helpers import cluster_fabric, git_fabric, subscribe

pytestmark = pytest.mark.django_db


def test_a_failed_sync_writes_a_journal_entry_and_fires_the_event_rule(remote, operator):
    user, group = operator
    subscribe(group, SYNC_FAILED)
    remote.write("wiring.yaml", "kind: [unclosed\n")
    remote.commit("broken")
    fabric = git_fabric(remote, name="broken")
    assert not run_sync(fabric).ok
    entry = JournalEntry.objects.get(assigned_object_id=fabric.pk)
    assert entry.kind == "danger" and "Sync failed" in entry.comments
    notification = Notification.objects.get(user=user)
    assert notification.event_type == SYNC_FAILED and notification.object_id == fabric.pk


def test_a_successful_sync_fires_nothing(remote, operator):
    user, group = operator
    subscribe(group, SYNC_FAILED)
    remote.write("wiring.yaml", "")
    remote.commit("empty")
    fabric = git_fabric(remote, name="fine")
    assert run_sync(fabric).ok
    assert not Notification.objects.exists() and not JournalEntry.objects.exists()


def test_connection_going_to_error_is_reported_once(operator, kube_emulator):
    user, group = operator
    subscribe(group, CONNECTION_ERROR)
    fabric = cluster_fabric(kube_emulator([], token="right"), name="k8s", kubernetes_token="wrong")
    run_sync(fabric)
    run_sync(fabric)
    entries = JournalEntry.objects.filter(assigned_object_id=fabric.pk, comments__startswith="Connection error")
    assert entries.count() == 1 and "401" in entries.get().comments and "wrong" not in entries.get().comments
    assert Notification.objects.filter(user=user, event_type=CONNECTION_ERROR).count() == 1
