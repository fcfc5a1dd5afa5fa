from typing import Annotated

import strawberry
import strawberry_django

from netbox.graphql.types import NetBoxObjectType, register_type

from .. import models
from ..models.fabric import SECRET_FIELDS
from .filters import (
    ConnectionFilter,
    ExternalAttachmentFilter,
    ExternalFilter,
    ExternalPeeringFilter,
    GatewayFilter,
    GatewayGroupFilter,
    HedgehogFabricFilter,
    IPv4NamespaceFilter,
    ServerFilter,
    ServerProfileFilter,
    SwitchFilter,
    SwitchGroupFilter,
    SwitchProfileFilter,
    VLANNamespaceFilter,
    VPCAttachmentFilter,
    VPCFilter,
    VPCPeeringFilter,
)

__all__ = (
    "ConnectionType", "ExternalAttachmentType", "ExternalPeeringType", "ExternalType", "GatewayGroupType",
    "GatewayType", "HedgehogFabricType", "IPv4NamespaceType", "ServerProfileType", "ServerType", "SwitchGroupType",
    "SwitchProfileType", "SwitchType", "VLANNamespaceType", "VPCAttachmentType", "VPCPeeringType", "VPCType",
)

# Class names follow NetBox's <Model>Type convention (utilities.api.get_graphql_type_for_model); schema names
# carry a Hedgehog prefix so they never collide with NetBox's own types (ServerType, ConnectionType...).
_TYPES = "netbox_hedgehog.graphql.types"

# Write-only secrets never reach GraphQL.
FABRIC_EXCLUDE = list(SECRET_FIELDS)


@register_type(models.HedgehogFabric, name="HedgehogFabricType", exclude=FABRIC_EXCLUDE,
               filters=HedgehogFabricFilter, pagination=True,
               description="A Hedgehog fabric and its sources. Secrets are write-only and never exposed.")
class HedgehogFabricType(NetBoxObjectType):
    vlannamespace_set: list[Annotated["VLANNamespaceType", strawberry.lazy(_TYPES)]]
    ipv4namespace_set: list[Annotated["IPv4NamespaceType", strawberry.lazy(_TYPES)]]
    switchgroup_set: list[Annotated["SwitchGroupType", strawberry.lazy(_TYPES)]]
    switchprofile_set: list[Annotated["SwitchProfileType", strawberry.lazy(_TYPES)]]
    serverprofile_set: list[Annotated["ServerProfileType", strawberry.lazy(_TYPES)]]
    switch_set: list[Annotated["SwitchType", strawberry.lazy(_TYPES)]]
    server_set: list[Annotated["ServerType", strawberry.lazy(_TYPES)]]
    gatewaygroup_set: list[Annotated["GatewayGroupType", strawberry.lazy(_TYPES)]]
    gateway_set: list[Annotated["GatewayType", strawberry.lazy(_TYPES)]]
    connection_set: list[Annotated["ConnectionType", strawberry.lazy(_TYPES)]]
    vpc_set: list[Annotated["VPCType", strawberry.lazy(_TYPES)]]
    vpcattachment_set: list[Annotated["VPCAttachmentType", strawberry.lazy(_TYPES)]]
    vpcpeering_set: list[Annotated["VPCPeeringType", strawberry.lazy(_TYPES)]]
    external_set: list[Annotated["ExternalType", strawberry.lazy(_TYPES)]]
    externalattachment_set: list[Annotated["ExternalAttachmentType", strawberry.lazy(_TYPES)]]
    externalpeering_set: list[Annotated["ExternalPeeringType", strawberry.lazy(_TYPES)]]

    @strawberry_django.field
    def has_kubernetes_token(self) -> bool:
        return bool(self.kubernetes_token)

    @strawberry_django.field
    def has_kubernetes_kubeconfig(self) -> bool:
        return bool(self.kubernetes_kubeconfig)

    @strawberry_django.field
    def has_git_password(self) -> bool:
        return bool(self.git_password)


@strawberry.type
class HedgehogObjectType(NetBoxObjectType):
    fabric: Annotated["HedgehogFabricType", strawberry.lazy(_TYPES)]


@register_type(models.VLANNamespace, name="HedgehogVLANNamespaceType", fields="__all__",
               filters=VLANNamespaceFilter, pagination=True)
class VLANNamespaceType(HedgehogObjectType):
    pass


@register_type(models.IPv4Namespace, name="HedgehogIPv4NamespaceType", fields="__all__",
               filters=IPv4NamespaceFilter, pagination=True)
class IPv4NamespaceType(HedgehogObjectType):
    pass


@register_type(models.SwitchGroup, name="HedgehogSwitchGroupType", fields="__all__", filters=SwitchGroupFilter,
               pagination=True)
class SwitchGroupType(HedgehogObjectType):
    pass


@register_type(models.SwitchProfile, name="HedgehogSwitchProfileType", fields="__all__",
               filters=SwitchProfileFilter, pagination=True)
class SwitchProfileType(HedgehogObjectType):
    pass


@register_type(models.ServerProfile, name="HedgehogServerProfileType", fields="__all__",
               filters=ServerProfileFilter, pagination=True)
class ServerProfileType(HedgehogObjectType):
    pass


@register_type(models.Switch, name="HedgehogSwitchType", fields="__all__", filters=SwitchFilter, pagination=True)
class SwitchType(HedgehogObjectType):

    @strawberry_django.field(only=["agent_heartbeat"])
    def agent_alive(self) -> bool | None:
        return self.agent_alive

    @strawberry_django.field(only=["agent_applied_generation", "generation"])
    def agent_applied_current(self) -> bool | None:
        return self.agent_applied_current


@register_type(models.Server, name="HedgehogServerType", fields="__all__", filters=ServerFilter, pagination=True)
class ServerType(HedgehogObjectType):
    pass


@register_type(models.GatewayGroup, name="HedgehogGatewayGroupType", fields="__all__",
               filters=GatewayGroupFilter, pagination=True)
class GatewayGroupType(HedgehogObjectType):
    pass


@register_type(models.Gateway, name="HedgehogGatewayType", fields="__all__", filters=GatewayFilter,
               pagination=True)
class GatewayType(HedgehogObjectType):
    pass


@register_type(models.Connection, name="HedgehogConnectionType", fields="__all__", filters=ConnectionFilter,
               pagination=True)
class ConnectionType(HedgehogObjectType):
    pass


@register_type(models.VPC, name="HedgehogVPCType", fields="__all__", filters=VPCFilter, pagination=True)
class VPCType(HedgehogObjectType):
    pass


@register_type(models.VPCAttachment, name="HedgehogVPCAttachmentType", fields="__all__",
               filters=VPCAttachmentFilter, pagination=True)
class VPCAttachmentType(HedgehogObjectType):
    pass


@register_type(models.VPCPeering, name="HedgehogVPCPeeringType", fields="__all__", filters=VPCPeeringFilter,
               pagination=True)
class VPCPeeringType(HedgehogObjectType):
    pass


@register_type(models.External, name="HedgehogExternalType", fields="__all__", filters=ExternalFilter,
               pagination=True)
class ExternalType(HedgehogObjectType):
    pass


@register_type(models.ExternalAttachment, name="HedgehogExternalAttachmentType", fields="__all__",
               filters=ExternalAttachmentFilter, pagination=True)
class ExternalAttachmentType(HedgehogObjectType):
    pass


@register_type(models.ExternalPeering, name="HedgehogExternalPeeringType", fields="__all__",
               filters=ExternalPeeringFilter, pagination=True)
class ExternalPeeringType(HedgehogObjectType):
    pass
