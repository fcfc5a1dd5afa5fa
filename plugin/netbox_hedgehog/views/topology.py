import re

from django.http import HttpResponse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from netbox.views import generic
from utilities.views import ViewTab, register_model_view

from ..models import HedgehogFabric
from ..topology import build_topology, load_fabric, parse_filters, render_svg
from ..topology.layout import natural_key

__all__ = ("HedgehogFabricTopologyView", "svg_filename")

# Zoom levels of the picture (percent); "fit" scales it to the card's width.
ZOOM_LEVELS = (25, 50, 100, 200)
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def svg_filename(fabric):
    """`<fabric>-topology.svg`, with anything but letters, digits, '.', '_' and '-' replaced."""
    return f"{_UNSAFE_FILENAME.sub('_', fabric.name).strip('._') or 'fabric'}-topology.svg"


def filter_errors_text(errors):
    return "; ".join(f"{key}: {message}" for key, messages in errors.items() for message in messages)


@register_model_view(HedgehogFabric, "topology", path="topology")
class HedgehogFabricTopologyView(generic.ObjectView):
    """The fabric's picture; `?format=svg` downloads it. Filters: `vpc`, `group`, `problems` (see topology)."""

    queryset = HedgehogFabric.objects.all()
    template_name = "netbox_hedgehog/hedgehogfabric_topology.html"
    tab = ViewTab(label=_("Topology"), weight=500)

    def get(self, request, **kwargs):
        requested = request.GET.get("format")
        if requested is None:
            return super().get(request, **kwargs)
        fabric = self.get_object(**kwargs)
        if requested != "svg":
            return HttpResponse(f"unknown format {requested[:40]!r}: the topology downloads as format=svg\n",
                                status=400, content_type="text/plain; charset=utf-8")
        data = load_fabric(fabric, request.user)
        filters, errors = parse_filters(request.GET, data)
        if errors:
            return HttpResponse(filter_errors_text(errors) + "\n", status=400, content_type="text/plain; charset=utf-8")
        response = HttpResponse(render_svg(build_topology(data, filters), standalone=True),
                                content_type="image/svg+xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{svg_filename(fabric)}"'
        return response

    def get_extra_context(self, request, instance):
        data = load_fabric(instance, request.user)
        filters, errors = parse_filters(request.GET, data)
        topology = build_topology(data, filters)
        download = request.GET.copy()
        download.pop("format", None)
        for key, _messages in errors.items():
            download.pop(key, None)
        download["format"] = "svg"
        return {
            "topology": topology,
            "topology_svg": mark_safe(render_svg(topology)),  # noqa: S308 - render_svg escapes every name
            "summary": topology.summary,
            "filters": filters,
            "filter_errors": errors,
            "vpc_choices": sorted(set(data.vpcs), key=natural_key),
            "group_choices": sorted(data.group_names(), key=natural_key),
            "download_query": download.urlencode(),
            "zoom_levels": ZOOM_LEVELS,
        }
