"""Failed runs and connection errors reach NetBox's journal and its event rules (here: a notification rule)."""
import pytest
from django.contrib.contenttypes.models import ContentType

from core.models import ObjectType
from extras.choices import EventRuleActionChoices
from extras.models import EventRule, JournalEntry, Notification, NotificationGroup
from users.models import User

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.notifications import CONNECTION_ERROR, SYNC_FAILED
from netbox_hedgehog.sync.runner import run_sync
from tests.helpers import cluster_fabric, git_fabric

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    user = User.objects.create_user(username="operator")
    group = NotificationGroup.objects.create(name="fabric operators")
    group.users.add(user)
    return user, group


def subscribe(group, event_type):
    rule = EventRule.objects.create(
        name=f"notify on {event_type}", event_types=[event_type], action_type=EventRuleActionChoices.NOTIFICATION,
        action_object_type=ContentType.objects.get_for_model(NotificationGroup), action_object_id=group.pk)
    rule.object_types.set([ObjectType.objects.get_for_model(HedgehogFabric)])
    return rule


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
