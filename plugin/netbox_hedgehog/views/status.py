"""The Hedgehog status page and the banner that fabric pages show when background work cannot happen."""
from django.shortcuts import render
from django.views.generic import View

from utilities.views import ContentTypePermissionRequiredMixin

from .. import doctor
from ..models import HedgehogFabric

__all__ = ("HedgehogStatusView", "banner_problems", "fabric_rows")

# What the banner watches: without these, nothing runs in the background.
BANNER_CHECKS = (
    ("workers", doctor.check_workers, ()),
    ("scheduler", doctor.check_scheduler, ()),
    ("registrations", lambda: doctor.check_registrations(settle=0), ()),
)
# What the status page adds; the slower schema checks stay in `netbox hedgehog_doctor`.
FABRIC_CHECKS = (
    ("fabrics-overdue", doctor.check_overdue, ()),
    ("fabrics-stuck", doctor.check_stuck, ()),
    ("fabrics-failing", doctor.check_failing, ()),
    ("failed-runs", doctor.check_failed_registry, ()),
)


def _errors(checks):
    return [check for check in checks if check.level == doctor.ERROR]


def banner_problems(user):
    """Errors that mean syncs will not run, for users who may see fabrics; [] when all is well."""
    if not user.has_perm("netbox_hedgehog.view_hedgehogfabric"):
        return []
    return _errors(doctor.run_checks(BANNER_CHECKS))


def fabric_rows(user):
    fabrics = HedgehogFabric.objects.restrict(user, "view").order_by("name")
    return [{"fabric": fabric, "next_due": fabric.next_due, "drift": fabric.drift_count} for fabric in fabrics]


class HedgehogStatusView(ContentTypePermissionRequiredMixin, View):
    """Every fabric's sync state, and the health of the workers, the sidecar and the registrations."""

    def get_required_permission(self):
        return "netbox_hedgehog.view_hedgehogfabric"

    def get(self, request):
        background = doctor.run_checks(BANNER_CHECKS)
        return render(request, "netbox_hedgehog/status.html", {
            "fabrics": fabric_rows(request.user),
            "checks": background + doctor.run_checks(FABRIC_CHECKS),
            "health_problems": _errors(background),
        })
