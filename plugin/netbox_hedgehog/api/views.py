import json

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.routers import APIRootView
from rest_framework.settings import api_settings

from core.api.serializers import JobSerializer
from netbox.api.authentication import TokenSyncPermission
from netbox.api.viewsets import NetBoxModelViewSet, NetBoxReadOnlyModelViewSet

from .. import filtersets, models
from . import serializers

__all__ = (
    "ConnectionViewSet", "ExternalAttachmentViewSet", "ExternalPeeringViewSet", "ExternalViewSet",
    "GatewayGroupViewSet", "GatewayViewSet", "HedgehogFabricViewSet", "HedgehogRootView", "IPv4NamespaceViewSet",
    "ServerProfileViewSet", "ServerViewSet", "SwitchGroupViewSet", "SwitchProfileViewSet", "SwitchViewSet",
    "VLANNamespaceViewSet", "VPCAttachmentViewSet", "VPCPeeringViewSet", "VPCViewSet",
)


class HedgehogRootView(APIRootView):
    def get_view_name(self):
        return "Hedgehog"


class SyncRequestSerializer(drf_serializers.Serializer):
    dry_run = drf_serializers.BooleanField(required=False, default=False)


class ConnectionCheckSerializer(drf_serializers.Serializer):
    ok = drf_serializers.BooleanField()
    message = drf_serializers.CharField()
    crds_found = drf_serializers.ListField(child=drf_serializers.CharField())
    crds_missing = drf_serializers.ListField(child=drf_serializers.CharField())
    connection_status = drf_serializers.CharField()


class SVGRenderer(BaseRenderer):
    """`?format=svg` or `Accept: image/svg+xml`: the picture itself. Errors (a dict) stay JSON."""

    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data)


TOPOLOGY_PARAMETERS = [
    OpenApiParameter("vpc", OpenApiTypes.STR, many=True,
                     description="Highlight the servers attached to this VPC and the leaves they use (repeatable)"),
    OpenApiParameter("group", OpenApiTypes.STR, many=True,
                     description="Only the switches of this switch group and what is cabled to them (repeatable)"),
    OpenApiParameter("problems", OpenApiTypes.BOOL,
                     description="Only what has a problem (agent, oper-down port, drift), and the ends of such links"),
]


class HedgehogFabricViewSet(NetBoxModelViewSet):
    queryset = models.HedgehogFabric.objects.prefetch_related("tags")
    serializer_class = serializers.HedgehogFabricSerializer
    filterset_class = filtersets.HedgehogFabricFilterSet

    def get_permissions(self):
        # The actions need the fabric `sync` permission, not the `add` permission a POST maps to.
        if self.action in ("sync", "test_connection"):
            return [TokenSyncPermission()]
        return super().get_permissions()

    def _fabric_for_action(self, request, pk):
        fabric = get_object_or_404(models.HedgehogFabric, pk=pk)
        if not request.user.has_perm("netbox_hedgehog.sync_hedgehogfabric", obj=fabric):
            raise PermissionDenied(_("This user does not have permission to sync this fabric."))
        return fabric

    @extend_schema(request=SyncRequestSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk):
        """
        Queue a sync of this fabric on the `high` queue and answer 202 with its job. While a sync of the fabric
        is queued or running, that job is returned instead of starting another.
        """
        from ..jobs import enqueue_sync

        fabric = self._fabric_for_action(request, pk)
        options = SyncRequestSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        job, _created = enqueue_sync(fabric, user=request.user, dry_run=options.validated_data["dry_run"])
        return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=TOPOLOGY_PARAMETERS, responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], renderer_classes=[*api_settings.DEFAULT_RENDERER_CLASSES, SVGRenderer])
    def topology(self, request, pk):
        """
        The fabric's topology: nodes by tier with positions and state, links with their cables and state, as JSON;
        with `?format=svg` or `Accept: image/svg+xml`, the picture of the Topology tab. Filters: `vpc`, `group`,
        `problems`; a bad filter answers 400 naming it.
        """
        from ..topology import build_topology, load_fabric, parse_filters, render_svg

        fabric = get_object_or_404(self.queryset, pk=pk)  # restricted to what the user may view: 404 otherwise
        data = load_fabric(fabric, request.user)
        filters, errors = parse_filters(request.query_params, data)
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        topology = build_topology(data, filters)
        if request.accepted_renderer.format == SVGRenderer.format:
            return Response(render_svg(topology, standalone=True))
        return Response(topology.as_dict(url=lambda path: path and request.build_absolute_uri(path)))

    @extend_schema(request=None, responses={200: ConnectionCheckSerializer})
    @action(detail=True, methods=["post"], url_path="test-connection")
    def test_connection(self, request, pk):
        """Check that the fabric's sources answer and accept its credentials; store the result on the fabric."""
        from ..sync.connection import check_fabric_connection

        fabric = self._fabric_for_action(request, pk)
        result = check_fabric_connection(fabric)
        return Response({**result.as_dict(), "connection_status": fabric.connection_status})


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
SwitchProfileViewSet = _kind_viewset(models.SwitchProfile, serializers.SwitchProfileSerializer,
                                     filtersets.SwitchProfileFilterSet)
ServerProfileViewSet = _kind_viewset(models.ServerProfile, serializers.ServerProfileSerializer,
                                     filtersets.ServerProfileFilterSet)
SwitchViewSet = _kind_viewset(models.Switch, serializers.SwitchSerializer, filtersets.SwitchFilterSet)
ServerViewSet = _kind_viewset(models.Server, serializers.ServerSerializer, filtersets.ServerFilterSet)
GatewayGroupViewSet = _kind_viewset(models.GatewayGroup, serializers.GatewayGroupSerializer,
                                    filtersets.GatewayGroupFilterSet)
GatewayViewSet = _kind_viewset(models.Gateway, serializers.GatewaySerializer, filtersets.GatewayFilterSet)
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
