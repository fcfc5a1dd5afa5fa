import difflib
import json

from netbox.object_actions import BulkExport
from netbox.views import generic
from utilities.views import register_model_view

from ..choices import DriftChoices

__all__ = ("HedgehogObjectListView", "HedgehogObjectView", "register_kind_views", "spec_diff")


def pretty_json(value):
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def spec_diff(git_spec, cluster_spec):
    """Unified diff of the Git copy against the cluster copy, as (css class, line) pairs."""
    lines = difflib.unified_diff(
        pretty_json(git_spec).splitlines(), pretty_json(cluster_spec).splitlines(),
        fromfile="Git", tofile="cluster", lineterm="",
    )
    result = []
    for line in lines:
        if line.startswith(("+++", "---")):
            css = "fw-bold"
        elif line.startswith("@@"):
            css = "text-info"
        elif line.startswith("+"):
            css = "text-success"
        elif line.startswith("-"):
            css = "text-danger"
        else:
            css = ""
        result.append((css, line))
    return result


class HedgehogObjectListView(generic.ObjectListView):
    """Kinds are owned by the sync: no add, import, edit or delete; export only."""

    actions = (BulkExport,)


class HedgehogObjectView(generic.ObjectView):
    actions = ()

    def get_extra_context(self, request, instance):
        context = {
            "spec_json": pretty_json(instance.spec),
            "status_json": pretty_json(instance.status),
            "labels_json": pretty_json(instance.labels),
            "annotations_json": pretty_json(instance.annotations),
            "spec_diff": None,
        }
        if instance.drift == DriftChoices.DIFFERS and instance.git_spec is not None:
            context["spec_diff"] = spec_diff(instance.git_spec, instance.spec)
        return context


def register_kind_views(model, table, filterset, filterset_form):
    """List and detail views for one kind; the change log and journal tabs NetBox registers itself."""
    name = model.__name__
    list_view = type(f"{name}ListView", (HedgehogObjectListView,), {
        "__module__": __name__,
        "queryset": model.objects.select_related("fabric"),
        "table": table,
        "filterset": filterset,
        "filterset_form": filterset_form,
    })
    detail_view = type(f"{name}View", (HedgehogObjectView,), {
        "__module__": __name__,
        "queryset": model.objects.select_related("fabric"),
    })
    register_model_view(model, "list", path="", detail=False)(list_view)
    register_model_view(model)(detail_view)
    return list_view, detail_view
