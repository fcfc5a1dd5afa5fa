"""
The Django side of the scheduler sidecar: what is scheduled (from the database), change notifications
published after commit, and reads of the registrations for the UI, doctor and rqstats.
The sidecar itself (hedgehog_scheduler) knows only Redis.
"""
from django.db import transaction

from netbox.plugins import get_plugin_config

from hedgehog_scheduler.grid import GridScheduler
from hedgehog_scheduler.sidecar import publish_change, read_status

from .models import HedgehogFabric
from .queues import QUEUE_DEFAULT, redis_connection

__all__ = ("desired_schedule", "fabric_schedule", "housekeeping_interval", "housekeeping_registration", "next_due",
           "notify_fabric_changed", "registrations", "scheduler_status")


def desired_schedule():
    """{fabric id: interval seconds} for every fabric the contract says is scheduled (docs/architecture.md)."""
    return dict(HedgehogFabric.objects.scheduled().values_list("pk", "sync_interval"))


def fabric_schedule(fabric_id):
    return HedgehogFabric.objects.scheduled().filter(pk=fabric_id).values_list("sync_interval", flat=True).first()


def notify_fabric_changed(fabric_id):
    """Tell the sidecar once the change is committed, so it never reads the database before the commit."""
    transaction.on_commit(lambda: publish_change(redis_connection(), fabric_id))


def _grid():
    return GridScheduler(queue_name=QUEUE_DEFAULT, connection=redis_connection())


def next_due(fabric_id):
    """The fabric's next due time, read from its registration (None when not registered)."""
    return _grid().next_due(fabric_id)


def registrations():
    return _grid().registrations()


def housekeeping_registration():
    """(interval, next due) of the sidecar's housekeeping registration, None when it has none."""
    return _grid().housekeeping()


def housekeeping_interval():
    return get_plugin_config("netbox_hedgehog", "housekeeping_interval")


def scheduler_status():
    return read_status(redis_connection())


def reconcile_interval():
    return get_plugin_config("netbox_hedgehog", "scheduler_reconcile_interval")


def heartbeat_interval():
    return get_plugin_config("netbox_hedgehog", "scheduler_heartbeat_interval")
