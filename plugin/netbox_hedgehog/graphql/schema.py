import strawberry
import strawberry_django

from .types import (
    ConnectionType,
    ExternalAttachmentType,
    ExternalPeeringType,
    ExternalType,
    GatewayGroupType,
    GatewayType,
    HedgehogFabricType,
    IPv4NamespaceType,
    ServerProfileType,
    ServerType,
    SwitchGroupType,
    SwitchProfileType,
    SwitchType,
    VLANNamespaceType,
    VPCAttachmentType,
    VPCPeeringType,
    VPCType,
)

__all__ = ("HedgehogQuery", "schema")


@strawberry.type(name="Query")
class HedgehogQuery:
    # Field names carry a hedgehog_ prefix: plugin queries share one namespace with NetBox's own.
    hedgehog_fabric: HedgehogFabricType = strawberry_django.field()
    hedgehog_fabric_list: list[HedgehogFabricType] = strawberry_django.field()

    hedgehog_vlan_namespace: VLANNamespaceType = strawberry_django.field()
    hedgehog_vlan_namespace_list: list[VLANNamespaceType] = strawberry_django.field()

    hedgehog_ipv4_namespace: IPv4NamespaceType = strawberry_django.field()
    hedgehog_ipv4_namespace_list: list[IPv4NamespaceType] = strawberry_django.field()

    hedgehog_switch_group: SwitchGroupType = strawberry_django.field()
    hedgehog_switch_group_list: list[SwitchGroupType] = strawberry_django.field()

    hedgehog_switch_profile: SwitchProfileType = strawberry_django.field()
    hedgehog_switch_profile_list: list[SwitchProfileType] = strawberry_django.field()

    hedgehog_server_profile: ServerProfileType = strawberry_django.field()
    hedgehog_server_profile_list: list[ServerProfileType] = strawberry_django.field()

    hedgehog_switch: SwitchType = strawberry_django.field()
    hedgehog_switch_list: list[SwitchType] = strawberry_django.field()

    hedgehog_server: ServerType = strawberry_django.field()
    hedgehog_server_list: list[ServerType] = strawberry_django.field()

    hedgehog_gateway_group: GatewayGroupType = strawberry_django.field()
    hedgehog_gateway_group_list: list[GatewayGroupType] = strawberry_django.field()

    hedgehog_gateway: GatewayType = strawberry_django.field()
    hedgehog_gateway_list: list[GatewayType] = strawberry_django.field()

    hedgehog_connection: ConnectionType = strawberry_django.field()
    hedgehog_connection_list: list[ConnectionType] = strawberry_django.field()

    hedgehog_vpc: VPCType = strawberry_django.field()
    hedgehog_vpc_list: list[VPCType] = strawberry_django.field()

    hedgehog_vpc_attachment: VPCAttachmentType = strawberry_django.field()
    hedgehog_vpc_attachment_list: list[VPCAttachmentType] = strawberry_django.field()

    hedgehog_vpc_peering: VPCPeeringType = strawberry_django.field()
    hedgehog_vpc_peering_list: list[VPCPeeringType] = strawberry_django.field()

    hedgehog_external: ExternalType = strawberry_django.field()
    hedgehog_external_list: list[ExternalType] = strawberry_django.field()

    hedgehog_external_attachment: ExternalAttachmentType = strawberry_django.field()
    hedgehog_external_attachment_list: list[ExternalAttachmentType] = strawberry_django.field()

    hedgehog_external_peering: ExternalPeeringType = strawberry_django.field()
    hedgehog_external_peering_list: list[ExternalPeeringType] = strawberry_django.field()


schema = [HedgehogQuery]
