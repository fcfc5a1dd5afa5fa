"""The Hedgehog status page: every fabric's sync state, and the health of the workers, sidecar and registrations."""
from django.shortcuts import render
from django.views.generic import View

from utilities.views import ContentTypePermissionRequiredMixin

from .. import doctor
from ..status import BANNER_CHECKS, fabric_rows

__all__ = ("HedgehogStatusView",)

# What the status page adds to the banner's checks; the slower schema checks stay in `netbox hedgehog_doctor`.
FABRIC_CHECKS = (
    ("fabrics-overdue", doctor.check_overdue, ()),
    ("fabrics-stuck", doctor.check_stuck, ()),
    ("fabrics-failing", doctor.check_failing, ()),
    ("failed-runs", doctor.check_failed_registry, ()),
    ("housekeeping", doctor.check_housekeeping, ()),
    ("interrupted-runs", doctor.check_interrupted_runs, ()),
)


class HedgehogStatusView(ContentTypePermissionRequiredMixin, View):
    """Runs the checks afresh, unlike the banner of the other pages, which reads the cached summary."""

    def get_required_permission(self):
        return "netbox_hedgehog.view_hedgehogfabric"

    def get(self, request):
        background = doctor.run_checks(BANNER_CHECKS)
        return render(request, "netbox_hedgehog/status.html", {
            "fabrics": fabric_rows(request.user),
            "checks": background + doctor.run_checks(FABRIC_CHECKS),
            "health_problems": [check for check in background if check.level == doctor.ERROR],
        })
