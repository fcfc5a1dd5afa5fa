"""A dashboard widget: every fabric's sync state, with the health banner when syncs cannot run."""
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from extras.dashboard.utils import register_widget
from extras.dashboard.widgets import DashboardWidget

__all__ = ("HedgehogStatusWidget",)


@register_widget
class HedgehogStatusWidget(DashboardWidget):
    default_title = _("Hedgehog fabrics")
    description = _("Sync status, last sync, next due time, drift and last error of every Hedgehog fabric")
    width = 8
    height = 4

    def render(self, request):
        from .legacy import current_legacy_schema
        from .status import banner_problems, fabric_rows

        if (schema := current_legacy_schema()) is not None:
            return render_to_string("netbox_hedgehog/inc/legacy_schema.html", {"schema": schema})
        if not request.user.has_perm("netbox_hedgehog.view_hedgehogfabric"):
            return render_to_string("netbox_hedgehog/inc/widget_forbidden.html")
        return render_to_string("netbox_hedgehog/inc/status_widget.html", {
            "fabrics": fabric_rows(request.user), "health_problems": banner_problems(request.user)}, request=request)
