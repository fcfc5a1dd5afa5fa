from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from strawberry.scalars import ID
from strawberry_django import StrFilterLookup

from netbox.graphql.filters import NetBoxModelFilter, register_filter

from .. import models

if TYPE_CHECKING:
    from netbox.graphql.filter_lookups import BigIntegerLookup, IntegerLookup, StringArrayLookup

__all__ = (
    "ConnectionFilter", "ExternalAttachmentFilter", "ExternalFilter", "ExternalPeeringFilter", "GatewayFilter",
    "GatewayGroupFilter", "HedgehogFabricFilter", "IPv4NamespaceFilter", "ServerFilter", "ServerProfileFilter",
    "SwitchFilter", "SwitchGroupFilter", "SwitchProfileFilter", "VLANNamespaceFilter", "VPCAttachmentFilter",
    "VPCFilter", "VPCPeeringFilter",
)

_LOOKUPS = "netbox.graphql.filter_lookups"


@register_filter(models.HedgehogFabric, name="HedgehogFabricFilter", lookups=True)
class HedgehogFabricFilter(NetBoxModelFilter):
    """No filter on a secret field: it would let a reader guess the secret."""

    name: StrFilterLookup | None = strawberry_django.filter_field()
    description: StrFilterLookup | None = strawberry_django.filter_field()
    status: StrFilterLookup | None = strawberry_django.filter_field()
    kubernetes_server: StrFilterLookup | None = strawberry_django.filter_field()
    kubernetes_namespace: StrFilterLookup | None = strawberry_django.filter_field()
    git_url: StrFilterLookup | None = strawberry_django.filter_field()
    git_branch: StrFilterLookup | None = strawberry_django.filter_field()
    sync_enabled: bool | None = strawberry_django.filter_field()
    scheduler_enabled: bool | None = strawberry_django.filter_field()
    sync_interval: Annotated["IntegerLookup", strawberry.lazy(_LOOKUPS)] | None = strawberry_django.filter_field()
    sync_status: StrFilterLookup | None = strawberry_django.filter_field()
    connection_status: StrFilterLookup | None = strawberry_django.filter_field()


@dataclass
class HedgehogObjectFilter(NetBoxModelFilter):
    fabric: Annotated["HedgehogFabricFilter", strawberry.lazy("netbox_hedgehog.graphql.filters")] | None = (
        strawberry_django.filter_field()
    )
    fabric_id: ID | None = strawberry_django.filter_field()
    name: StrFilterLookup | None = strawberry_django.filter_field()
    namespace: StrFilterLookup | None = strawberry_django.filter_field()
    uid: StrFilterLookup | None = strawberry_django.filter_field()
    origin: StrFilterLookup | None = strawberry_django.filter_field()
    drift: StrFilterLookup | None = strawberry_django.filter_field()
    git_file: StrFilterLookup | None = strawberry_django.filter_field()
    git_commit: StrFilterLookup | None = strawberry_django.filter_field()
    generation: Annotated["BigIntegerLookup", strawberry.lazy(_LOOKUPS)] | None = strawberry_django.filter_field()


StringArray = Annotated["StringArrayLookup", strawberry.lazy(_LOOKUPS)]
Integer = Annotated["IntegerLookup", strawberry.lazy(_LOOKUPS)]
BigInteger = Annotated["BigIntegerLookup", strawberry.lazy(_LOOKUPS)]


@register_filter(models.VLANNamespace, name="HedgehogVLANNamespaceFilter", lookups=True)
class VLANNamespaceFilter(HedgehogObjectFilter):
    pass


@register_filter(models.IPv4Namespace, name="HedgehogIPv4NamespaceFilter", lookups=True)
class IPv4NamespaceFilter(HedgehogObjectFilter):
    subnets: StringArray | None = strawberry_django.filter_field()


@register_filter(models.SwitchGroup, name="HedgehogSwitchGroupFilter", lookups=True)
class SwitchGroupFilter(HedgehogObjectFilter):
    pass


@register_filter(models.SwitchProfile, name="HedgehogSwitchProfileFilter", lookups=True)
class SwitchProfileFilter(HedgehogObjectFilter):
    display_name: StrFilterLookup | None = strawberry_django.filter_field()
    switch_silicon: StrFilterLookup | None = strawberry_django.filter_field()
    platform: StrFilterLookup | None = strawberry_django.filter_field()
    nos_type: StrFilterLookup | None = strawberry_django.filter_field()
    port_count: Integer | None = strawberry_django.filter_field()


@register_filter(models.ServerProfile, name="HedgehogServerProfileFilter", lookups=True)
class ServerProfileFilter(HedgehogObjectFilter):
    nics: StringArray | None = strawberry_django.filter_field()
    nic_count: Integer | None = strawberry_django.filter_field()
    port_count: Integer | None = strawberry_django.filter_field()


@register_filter(models.Switch, name="HedgehogSwitchFilter", lookups=True)
class SwitchFilter(HedgehogObjectFilter):
    role: StrFilterLookup | None = strawberry_django.filter_field()
    asn: BigInteger | None = strawberry_django.filter_field()
    profile: StrFilterLookup | None = strawberry_django.filter_field()
    redundancy_group: StrFilterLookup | None = strawberry_django.filter_field()
    redundancy_type: StrFilterLookup | None = strawberry_django.filter_field()
    description: StrFilterLookup | None = strawberry_django.filter_field()


@register_filter(models.Server, name="HedgehogServerFilter", lookups=True)
class ServerFilter(HedgehogObjectFilter):
    profile: StrFilterLookup | None = strawberry_django.filter_field()
    description: StrFilterLookup | None = strawberry_django.filter_field()


@register_filter(models.GatewayGroup, name="HedgehogGatewayGroupFilter", lookups=True)
class GatewayGroupFilter(HedgehogObjectFilter):
    pass


@register_filter(models.Gateway, name="HedgehogGatewayFilter", lookups=True)
class GatewayFilter(HedgehogObjectFilter):
    groups: StringArray | None = strawberry_django.filter_field()
    interface_count: Integer | None = strawberry_django.filter_field()
    asn: BigInteger | None = strawberry_django.filter_field()
    protocol_ip: StrFilterLookup | None = strawberry_django.filter_field()
    vtep_ip: StrFilterLookup | None = strawberry_django.filter_field()


@register_filter(models.Connection, name="HedgehogConnectionFilter", lookups=True)
class ConnectionFilter(HedgehogObjectFilter):
    connection_type: StrFilterLookup | None = strawberry_django.filter_field()
    endpoints: StringArray | None = strawberry_django.filter_field()
    devices: StringArray | None = strawberry_django.filter_field()


@register_filter(models.VPC, name="HedgehogVPCFilter", lookups=True)
class VPCFilter(HedgehogObjectFilter):
    mode: StrFilterLookup | None = strawberry_django.filter_field()
    ipv4_namespace: StrFilterLookup | None = strawberry_django.filter_field()
    vlan_namespace: StrFilterLookup | None = strawberry_django.filter_field()
    subnet_count: Integer | None = strawberry_django.filter_field()
    subnets: StringArray | None = strawberry_django.filter_field()


@register_filter(models.VPCAttachment, name="HedgehogVPCAttachmentFilter", lookups=True)
class VPCAttachmentFilter(HedgehogObjectFilter):
    vpc: StrFilterLookup | None = strawberry_django.filter_field()
    subnet: StrFilterLookup | None = strawberry_django.filter_field()
    connection: StrFilterLookup | None = strawberry_django.filter_field()


@register_filter(models.VPCPeering, name="HedgehogVPCPeeringFilter", lookups=True)
class VPCPeeringFilter(HedgehogObjectFilter):
    vpcs: StringArray | None = strawberry_django.filter_field()


@register_filter(models.External, name="HedgehogExternalFilter", lookups=True)
class ExternalFilter(HedgehogObjectFilter):
    ipv4_namespace: StrFilterLookup | None = strawberry_django.filter_field()
    inbound_community: StrFilterLookup | None = strawberry_django.filter_field()
    outbound_community: StrFilterLookup | None = strawberry_django.filter_field()


@register_filter(models.ExternalAttachment, name="HedgehogExternalAttachmentFilter", lookups=True)
class ExternalAttachmentFilter(HedgehogObjectFilter):
    external: StrFilterLookup | None = strawberry_django.filter_field()
    connection: StrFilterLookup | None = strawberry_django.filter_field()
    is_static: bool | None = strawberry_django.filter_field()


@register_filter(models.ExternalPeering, name="HedgehogExternalPeeringFilter", lookups=True)
class ExternalPeeringFilter(HedgehogObjectFilter):
    vpc: StrFilterLookup | None = strawberry_django.filter_field()
    external: StrFilterLookup | None = strawberry_django.filter_field()
