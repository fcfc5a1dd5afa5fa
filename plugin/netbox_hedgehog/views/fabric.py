
from netbox.views import generic
from utilities.views import register_model_view

from .. import filtersets, forms, tables
from ..models import HedgehogFabric
from ..models.fabric import SECRET_FIELDS
from ..status import banner_problems
from .sync import run_panel_context

__all__ = (
    "HedgehogFabricBulkDeleteView", "HedgehogFabricBulkEditView", "HedgehogFabricBulkImportView",
    "HedgehogFabricBulkRenameView", "HedgehogFabricDeleteView", "HedgehogFabricEditView", "HedgehogFabricListView",
    "HedgehogFabricView",
)


@register_model_view(HedgehogFabric, "list", path="", detail=False)
class HedgehogFabricListView(generic.ObjectListView):
    queryset = HedgehogFabric.objects.all()
    template_name = "netbox_hedgehog/hedgehogfabric_list.html"
    filterset = filtersets.HedgehogFabricFilterSet
    filterset_form = forms.HedgehogFabricFilterForm
    table = tables.HedgehogFabricTable

    def get_extra_context(self, request):
        return {"health_problems": banner_problems(request.user)}


@register_model_view(HedgehogFabric)
class HedgehogFabricView(generic.ObjectView):
    queryset = HedgehogFabric.objects.all()
    template_name = "netbox_hedgehog/hedgehogfabric.html"

    def get_extra_context(self, request, instance):
        return {
            **run_panel_context(instance, request.user),
            "health_problems": banner_problems(request.user),
            # Whether a secret is stored, never the secret itself.
            "secrets_set": {name: bool(getattr(instance, name)) for name in (*SECRET_FIELDS, "kubernetes_ca_cert")},
        }


@register_model_view(HedgehogFabric, "add", detail=False)
@register_model_view(HedgehogFabric, "edit")
class HedgehogFabricEditView(generic.ObjectEditView):
    queryset = HedgehogFabric.objects.all()
    form = forms.HedgehogFabricForm


@register_model_view(HedgehogFabric, "delete")
class HedgehogFabricDeleteView(generic.ObjectDeleteView):
    queryset = HedgehogFabric.objects.all()


@register_model_view(HedgehogFabric, "bulk_import", path="import", detail=False)
class HedgehogFabricBulkImportView(generic.BulkImportView):
    queryset = HedgehogFabric.objects.all()
    model_form = forms.HedgehogFabricImportForm


@register_model_view(HedgehogFabric, "bulk_edit", path="edit", detail=False)
class HedgehogFabricBulkEditView(generic.BulkEditView):
    queryset = HedgehogFabric.objects.all()
    filterset = filtersets.HedgehogFabricFilterSet
    table = tables.HedgehogFabricTable
    form = forms.HedgehogFabricBulkEditForm


@register_model_view(HedgehogFabric, "bulk_rename", path="rename", detail=False)
class HedgehogFabricBulkRenameView(generic.BulkRenameView):
    queryset = HedgehogFabric.objects.all()
    filterset = filtersets.HedgehogFabricFilterSet


@register_model_view(HedgehogFabric, "bulk_delete", path="delete", detail=False)
class HedgehogFabricBulkDeleteView(generic.BulkDeleteView):
    queryset = HedgehogFabric.objects.all()
    filterset = filtersets.HedgehogFabricFilterSet
    table = tables.HedgehogFabricTable
