"""
Diff the merged source rows against what NetBox holds, and apply the difference in one transaction.

Unchanged rows cost no writes. Creates, updates and deletes are written in bulk and recorded in
NetBox's change log (one ObjectChange per object, attributed to the run's user and request id).
"""
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.choices import ObjectChangeActionChoices
from core.models import ObjectChange, ObjectType
from extras.models import CachedValue, CustomField
from netbox.search import get_indexer

from ..models import HEDGEHOG_MODELS, Switch
from ..models.base import fit_column, spec_mapping

__all__ = ("KindChanges", "Plan", "apply_plan", "plan_changes")

BATCH_SIZE = 1000
BASE_FIELDS = ("name", "namespace", "uid", "resource_version", "generation", "labels", "annotations", "spec",
               "status", "origin", "git_file", "git_spec", "drift")
# Live agent status: refreshed every run, not a change of the object (no change-log entry).
AGENT_FIELDS = ("agent_heartbeat", "agent_applied_generation", "agent_interfaces")


@dataclass
class KindChanges:
    model: type
    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)  # (instance, changed field names)
    deletes: list = field(default_factory=list)
    unchanged: int = 0
    agent_updates: list = field(default_factory=list)

    def counts(self):
        return {"created": len(self.creates), "updated": len(self.updates), "deleted": len(self.deletes),
                "unchanged": self.unchanged}

    def summary(self):
        """What a dry run shows: every object that would change, and which fields."""
        return ([{"action": "create", "name": o.name} for o in self.creates]
                + [{"action": "update", "name": o.name, "fields": sorted(f)} for o, f in self.updates]
                + [{"action": "delete", "name": o.name} for o in self.deletes])


@dataclass
class Plan:
    fabric: object
    kinds: dict  # kind -> KindChanges

    @property
    def has_changes(self):
        return any(c.creates or c.updates or c.deletes or c.agent_updates for c in self.kinds.values())


def _agent_fields(agent):
    """A switch's live status from its Agent, whatever shape the cluster gave it."""
    status = spec_mapping(spec_mapping(agent).get("status"))
    heartbeat = status.get("lastHeartbeat")
    try:
        heartbeat = parse_datetime(heartbeat) if isinstance(heartbeat, str) else None
    except ValueError:  # well-formed but impossible, e.g. the 31st of February
        heartbeat = None
    return {
        "agent_heartbeat": heartbeat,
        "agent_applied_generation": fit_column(Switch._meta.get_field("agent_applied_generation"),
                                               status.get("lastAppliedGen")),
        "agent_interfaces": spec_mapping(spec_mapping(status.get("state")).get("interfaces")),
    }


def plan_changes(fabric, rows, agents=None):
    """Compare `rows` (from merge_snapshots) with the fabric's objects in NetBox. Reads only."""
    plan = Plan(fabric=fabric, kinds={})
    for model in HEDGEHOG_MODELS:
        changes = KindChanges(model=model)
        existing = {(o.namespace, o.name): o for o in model.objects.filter(fabric=fabric)}
        for key, row in rows.get(model.KIND, {}).items():
            values = {**row.fields, **model.column_values(row.fields["spec"])}
            agent_values = _agent_fields(agents.get(row.name)) if model is Switch and agents is not None else {}
            current = existing.pop(key, None)
            if current is None:
                changes.creates.append(model(fabric=fabric, git_commit=row.git_commit, **values, **agent_values))
                continue
            changed = {name for name, value in values.items() if getattr(current, name) != value}
            if changed:
                current.snapshot()
                for name in changed:
                    setattr(current, name, values[name])
                current.git_commit = row.git_commit
                changes.updates.append((current, changed))
            else:
                changes.unchanged += 1
            if any(getattr(current, name) != value for name, value in agent_values.items()):
                for name, value in agent_values.items():
                    setattr(current, name, value)
                changes.agent_updates.append(current)
        changes.deletes = list(existing.values())
        plan.kinds[model.KIND] = changes
    return plan


def _log(instances, action, user, request_id):
    records = []
    for instance in instances:
        record = instance.to_objectchange(action)
        record.user = user
        record.user_name = user.username if user else "netbox-hedgehog"
        record.request_id = request_id
        records.append(record)
    ObjectChange.objects.bulk_create(records, batch_size=BATCH_SIZE)


def _uncache(model, pks):
    if pks:
        CachedValue.objects.filter(object_type=ObjectType.objects.get_for_model(model), object_id__in=pks).delete()


def _index(model, instances):
    """
    Search-index `instances` in bulk, inside the run's transaction. NetBox's search_backend.cache() looks up
    the object type and custom fields per object; here that is once per kind.
    """
    indexer = get_indexer(model)
    object_type = ObjectType.objects.get_for_model(model)
    custom_fields = [field for field in CustomField.objects.get_for_model(model) if field.search_weight > 0]
    CachedValue.objects.bulk_create(
        (CachedValue(object_type=object_type, object_id=instance.pk, field=value.name, type=value.type,
                     weight=value.weight, value=value.value)
         for instance in instances for value in indexer.to_cache(instance, custom_fields=custom_fields)),
        batch_size=BATCH_SIZE,
    )


def apply_plan(plan, *, user=None, request_id=None):
    """Write the plan in one transaction: all of it or none of it."""
    request_id = request_id or uuid.uuid4()
    with transaction.atomic():
        for changes in plan.kinds.values():
            model = changes.model
            if changes.creates:
                model.objects.bulk_create(changes.creates, batch_size=BATCH_SIZE)
                _log(changes.creates, ObjectChangeActionChoices.ACTION_CREATE, user, request_id)
            if changes.updates:
                updated = [instance for instance, _changed in changes.updates]
                names = sorted({name for _instance, changed in changes.updates for name in changed}
                               | {"git_commit", "last_updated"})
                now = timezone.now()
                for instance in updated:
                    instance.last_updated = now
                model.objects.bulk_update(updated, names, batch_size=BATCH_SIZE)
                _log(updated, ObjectChangeActionChoices.ACTION_UPDATE, user, request_id)
            if changes.agent_updates:
                model.objects.bulk_update(changes.agent_updates, list(AGENT_FIELDS), batch_size=BATCH_SIZE)
            if changes.deletes:
                for instance in changes.deletes:
                    instance.snapshot()
                _log(changes.deletes, ObjectChangeActionChoices.ACTION_DELETE, user, request_id)
                pks = [instance.pk for instance in changes.deletes]
                _uncache(model, pks)
                model.objects.filter(pk__in=pks).delete()
            touched = changes.creates + [instance for instance, _changed in changes.updates]
            if touched:
                _uncache(model, [instance.pk for instance in touched])
                _index(model, touched)
    return request_id
