"""
Failures, told through NetBox itself: a journal entry on the fabric, and an event that NetBox event rules
(webhooks, scripts, notifications) can subscribe to without code.
"""
import logging

from django.utils.translation import gettext_lazy as _

from netbox.events import EVENT_TYPE_KIND_DANGER, EventType

__all__ = ("CONNECTION_ERROR", "SYNC_FAILED", "register_event_types", "report_connection_error",
           "report_sync_failure")

logger = logging.getLogger("netbox_hedgehog.notifications")

SYNC_FAILED = "hedgehog_sync_failed"
CONNECTION_ERROR = "hedgehog_connection_error"


def register_event_types():
    EventType(SYNC_FAILED, _("Hedgehog sync failed"), kind=EVENT_TYPE_KIND_DANGER).register()
    EventType(CONNECTION_ERROR, _("Hedgehog connection error"), kind=EVENT_TYPE_KIND_DANGER).register()


def report_sync_failure(fabric, error, job_id=None):
    _report(fabric, SYNC_FAILED, f"Sync failed: {error}", {"error": error, "job_id": str(job_id or "")})


def report_connection_error(fabric, error):
    _report(fabric, CONNECTION_ERROR, f"Connection error: {error}", {"error": error})


def _report(fabric, event_type, comments, data):
    from core.models import ObjectType
    from extras.choices import JournalEntryKindChoices
    from extras.events import EventContext, process_event_rules
    from extras.models import EventRule, JournalEntry

    JournalEntry.objects.create(assigned_object=fabric, kind=JournalEntryKindChoices.KIND_DANGER,
                                comments=comments)
    object_type = ObjectType.objects.get_for_model(fabric)
    rules = EventRule.objects.filter(event_types__contains=[event_type], enabled=True, object_types=object_type)
    event = EventContext(event_type=event_type, user=None, data={
        "id": fabric.pk, "display": fabric.name, "url": fabric.get_absolute_url(), "fabric": fabric.name, **data})
    try:
        process_event_rules(rules, object_type, event)
    except Exception:
        # A broken rule (e.g. an unreachable webhook target) must not turn the report into a second failure.
        logger.exception("processing event rules for %s on fabric %s failed", event_type, fabric)
