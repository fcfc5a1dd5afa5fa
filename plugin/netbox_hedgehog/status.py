"""
What the status page, the fabric pages, the dashboard widget and the metrics show about fabrics, read in a
fixed number of queries however many fabrics there are: next due times from the registrations (one Redis
read), object and drift counts of every kind (one SQL query), and the health summary behind the banner
(the doctor's background checks, cached for a few seconds so that pages do not run them per request).
"""
import logging

from django.core.cache import cache
from django.db.models import CharField, Count, Q, Value
from redis.exceptions import RedisError

from . import doctor, scheduling
from .choices import DriftChoices
from .models import HEDGEHOG_MODELS, HedgehogFabric

__all__ = ("BANNER_CHECKS", "HEALTH_CACHE_SECONDS", "banner_problems", "fabric_rows", "health_summary", "next_due",
           "object_counts")

logger = logging.getLogger("netbox_hedgehog.status")

HEALTH_CACHE_KEY = "netbox_hedgehog:health-summary"
# How stale the banner may be: a worker or sidecar that stops shows within this, plus the check's own rule.
HEALTH_CACHE_SECONDS = 10


# What the banner watches: without these, nothing runs in the background.
BANNER_CHECKS = (
    ("workers", doctor.check_workers, ()),
    ("scheduler", doctor.check_scheduler, ()),
    ("registrations", lambda: doctor.check_registrations(settle=0), ()),
)


def object_counts(fabric_ids=None):
    """{(fabric id, kind): (objects, drifted objects)} of every Hedgehog kind, in one query."""
    drifted = Q(drift__in=DriftChoices.DRIFTED)
    per_kind = []
    for model in HEDGEHOG_MODELS:
        queryset = model.objects.all() if fabric_ids is None else model.objects.filter(fabric_id__in=fabric_ids)
        per_kind.append(queryset.values("fabric_id").annotate(
            kind=Value(model.KIND, output_field=CharField()), objects=Count("pk"), drifted=Count("pk", filter=drifted),
        ).values_list("fabric_id", "kind", "objects", "drifted").order_by())
    rows = per_kind[0].union(*per_kind[1:], all=True).order_by()
    return {(fabric_id, kind): (objects, drifted) for fabric_id, kind, objects, drifted in rows}


def _drift_by_fabric(fabric_ids):
    drift = dict.fromkeys(fabric_ids, 0)
    for (fabric_id, _kind), (_objects, drifted) in object_counts(fabric_ids).items():
        drift[fabric_id] += drifted
    return drift


def _registrations():
    try:
        return scheduling.registrations()
    except RedisError:
        return {}


def next_due(fabric):
    """When the scheduler sidecar will next run `fabric` (None when not registered or Redis is unreachable)."""
    try:
        return scheduling.next_due(fabric.pk)
    except RedisError:
        return None


def fabric_rows(user):
    """The fabrics `user` may view, each with its next due time and drift count."""
    fabrics = list(HedgehogFabric.objects.restrict(user, "view").order_by("name"))
    registered = _registrations()
    drift = _drift_by_fabric([fabric.pk for fabric in fabrics]) if fabrics else {}
    return [{"fabric": fabric, "next_due": registered.get(fabric.pk, (None, None))[1], "drift": drift[fabric.pk]}
            for fabric in fabrics]


def health_summary():
    """The banner's checks (doctor.Check), from a cache that is at most HEALTH_CACHE_SECONDS old."""
    try:
        cached = cache.get(HEALTH_CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: the checks below say what is wrong
        cached = None
    if cached is not None:
        return cached
    results = doctor.run_checks(BANNER_CHECKS)
    try:
        cache.set(HEALTH_CACHE_KEY, results, HEALTH_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("could not cache the Hedgehog health summary", exc_info=True)
    return results


def banner_problems(user):
    """Errors that mean syncs will not run, for users who may see fabrics; [] when all is well."""
    if not user.has_perm("netbox_hedgehog.view_hedgehogfabric"):
        return []
    return [check for check in health_summary() if check.level == doctor.ERROR]
