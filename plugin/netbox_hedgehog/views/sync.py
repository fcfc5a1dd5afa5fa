"""Sync now, Test connection, and the fabric's live run panel (polled by htmx while a run is active)."""
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.choices import JobStatusChoices
from netbox.views.generic.base import BaseObjectView
from utilities.views import GetReturnURLMixin, register_model_view

from ..choices import DriftChoices
from ..jobs import FabricSyncJob, enqueue_sync
from ..models import HEDGEHOG_MODELS, HedgehogFabric
from ..queues import QUEUE_HIGH, any_live_worker
from ..status import next_due

__all__ = ("HedgehogFabricRunPanelView", "HedgehogFabricSyncView", "HedgehogFabricTestConnectionView",
           "run_panel_context")

SYNC_PERMISSION = "netbox_hedgehog.sync_hedgehogfabric"


class FabricActionView(GetReturnURLMixin, BaseObjectView):
    """A POST-only action on one fabric, guarded by the fabric `sync` permission."""

    queryset = HedgehogFabric.objects.all()

    def get_required_permission(self):
        return SYNC_PERMISSION

    def get(self, request, pk):
        return redirect(get_object_or_404(self.queryset, pk=pk).get_absolute_url())


@register_model_view(HedgehogFabric, "sync", path="sync")
class HedgehogFabricSyncView(FabricActionView):
    def post(self, request, pk):
        fabric = get_object_or_404(self.queryset, pk=pk)
        job, created = enqueue_sync(fabric, user=request.user, dry_run=request.POST.get("dry_run") == "true")
        if not created:
            messages.info(request, _("A sync of {fabric} is already {status} (job #{id}).").format(
                fabric=fabric, status=job.get_status_display().lower(), id=job.pk))
        elif not any_live_worker(QUEUE_HIGH):
            messages.warning(request, _("Queued sync job #{id} for {fabric}, but no worker is running: it will run "
                                        "once a worker is started.").format(id=job.pk, fabric=fabric))
        else:
            messages.success(request, _("Queued sync job #{id} for {fabric}.").format(id=job.pk, fabric=fabric))
        return redirect(self.get_return_url(request, fabric))


@register_model_view(HedgehogFabric, "test_connection", path="test-connection")
class HedgehogFabricTestConnectionView(FabricActionView):
    def post(self, request, pk):
        from ..sync.connection import check_fabric_connection

        fabric = get_object_or_404(self.queryset, pk=pk)
        result = check_fabric_connection(fabric)
        if result.ok:
            found = ", ".join(result.crds_found) or _("none")
            text = _("Connection to {fabric} works. {message}").format(fabric=fabric,
                                                                      message=result.message.rstrip(".") + ".")
            if fabric.has_kubernetes:
                text += " " + _("Hedgehog CRDs found: {found}.").format(found=found)
            messages.success(request, text)
        else:
            messages.error(request, _("Connection test for {fabric} failed: {message}").format(
                fabric=fabric, message=result.message))
        return redirect(self.get_return_url(request, fabric))


def object_counts(fabric, user):
    """Objects of each kind in the fabric that `user` may see, with how many of them drifted."""
    drifted = Q(drift__in=DriftChoices.DRIFTED)
    counts = []
    for model in HEDGEHOG_MODELS:
        meta = model._meta
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            continue
        totals = model.objects.restrict(user, "view").filter(fabric=fabric).aggregate(
            total=Count("pk"), drifted=Count("pk", filter=drifted))
        url = f"{reverse(f'plugins:netbox_hedgehog:{meta.model_name}_list')}?fabric_id={fabric.pk}"
        counts.append({
            "label": meta.verbose_name_plural,
            "count": totals["total"],
            "url": url,
            "drifted": totals["drifted"],
            "drift_url": f"{url}&drift=differs&drift=only_in_git&drift=only_in_cluster",
        })
    return counts


def run_panel_context(fabric, user):
    """What the live part of the fabric page shows: status, latest run, and the object counts it changes."""
    latest = FabricSyncJob.get_jobs(fabric).order_by("-created").first()
    active = latest is not None and latest.status in JobStatusChoices.ENQUEUED_STATE_CHOICES
    data = latest.data if latest is not None and isinstance(latest.data, dict) else {}
    run_counts = data.get("counts") or {}
    counts = object_counts(fabric, user)
    return {
        "object": fabric,
        "latest_run": latest,
        "run_active": active,
        "run_data": data,
        "run_counts": sorted((kind, c) for kind, c in run_counts.items() if any(c.values())),
        "run_problems": (data.get("problems") or [])[:20],
        "workers_alive": any_live_worker(QUEUE_HIGH),
        "object_counts": counts,
        "drift_count": sum(row["drifted"] for row in counts),
        "next_due": next_due(fabric),
    }


@register_model_view(HedgehogFabric, "run_panel", path="run-panel")
class HedgehogFabricRunPanelView(BaseObjectView):
    """The status and latest-run panels alone, for htmx to refresh while a run is queued or running."""

    queryset = HedgehogFabric.objects.all()

    def get_required_permission(self):
        return "netbox_hedgehog.view_hedgehogfabric"

    def get(self, request, pk):
        fabric = get_object_or_404(self.queryset.restrict(request.user, "view"), pk=pk)
        return render(request, "netbox_hedgehog/inc/fabric_live.html", run_panel_context(fabric, request.user))
