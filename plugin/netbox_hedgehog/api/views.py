from rest_framework.routers import APIRootView

from netbox.api.viewsets import NetBoxModelViewSet, NetBoxReadOnlyModelViewSet

from .. import filtersets, models
from . import serializers

__all__ = (
    "ConnectionViewSet", "ExternalAttachmentViewSet", "ExternalPeeringViewSet", "ExternalViewSet",
    "HedgehogFabricViewSet", "HedgehogRootView", "IPv4NamespaceViewSet", "ServerViewSet", "SwitchGroupViewSet",
    "SwitchViewSet", "VLANNamespaceViewSet", "VPCAttachmentViewSet", "VPCPeeringViewSet", "VPCViewSet",
)


class HedgehogRootView(APIRootView):
    def get_view_name(self):
        return "Hedgehog"


class HedgehogFabricViewSet(NetBoxModelViewSet):
    queryset = models.HedgehogFabric.objects.prefetch_related("tags")
    serializer_class = serializers.HedgehogFabricSerializer
    filterset_class = filtersets.HedgehogFabricFilterSet


class HedgehogObjectViewSet(NetBoxReadOnlyModelViewSet):
    """Kinds are owned by the sync: GET, HEAD and OPTIONS only."""


def _kind_viewset(model, serializer, filterset):
    return type(f"{model.__name__}ViewSet", (HedgehogObjectViewSet,), {
        "__module__": __name__,
        "__doc__": f"{model._meta.verbose_name_plural.capitalize()} as the last sync saw them (read-only).",
        "queryset": model.objects.select_related("fabric").prefetch_related("tags"),
        "serializer_class": serializer,
        "filterset_class": filterset,
    })


VLANNamespaceViewSet = _kind_viewset(models.VLANNamespace, serializers.VLANNamespaceSerializer,
                                     filtersets.VLANNamespaceFilterSet)
IPv4NamespaceViewSet = _kind_viewset(models.IPv4Namespace, serializers.IPv4NamespaceSerializer,
                                     filtersets.IPv4NamespaceFilterSet)
SwitchGroupViewSet = _kind_viewset(models.SwitchGroup, serializers.SwitchGroupSerializer,
                                   filtersets.SwitchGroupFilterSet)
SwitchViewSet = _kind_viewset(models.Switch, serializers.SwitchSerializer, filtersets.SwitchFilterSet)
ServerViewSet = _kind_viewset(models.Server, serializers.ServerSerializer, filtersets.ServerFilterSet)
ConnectionViewSet = _kind_viewset(models.Connection, serializers.ConnectionSerializer, filtersets.ConnectionFilterSet)
VPCViewSet = _kind_viewset(models.VPC, serializers.VPCSerializer, filtersets.VPCFilterSet)
VPCAttachmentViewSet = _kind_viewset(models.VPCAttachment, serializers.VPCAttachmentSerializer,
                                     filtersets.VPCAttachmentFilterSet)
VPCPeeringViewSet = _kind_viewset(models.VPCPeering, serializers.VPCPeeringSerializer,
                                  filtersets.VPCPeeringFilterSet)
ExternalViewSet = _kind_viewset(models.External, serializers.ExternalSerializer, filtersets.ExternalFilterSet)
ExternalAttachmentViewSet = _kind_viewset(models.ExternalAttachment, serializers.ExternalAttachmentSerializer,
                                          filtersets.ExternalAttachmentFilterSet)
ExternalPeeringViewSet = _kind_viewset(models.ExternalPeering, serializers.ExternalPeeringSerializer,
                                       filtersets.ExternalPeeringFilterSet)
