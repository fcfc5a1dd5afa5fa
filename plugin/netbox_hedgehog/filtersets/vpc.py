from utilities.filtersets import register_filterset

from ..models import VPC, External, ExternalAttachment, ExternalPeering, IPv4Namespace, VPCAttachment, VPCPeering
from .base import COMMON_FIELDS, ArrayOverlapFilter, HedgehogObjectFilterSet

__all__ = ("ExternalAttachmentFilterSet", "ExternalFilterSet", "ExternalPeeringFilterSet", "IPv4NamespaceFilterSet",
           "VPCAttachmentFilterSet", "VPCFilterSet", "VPCPeeringFilterSet")


@register_filterset
class IPv4NamespaceFilterSet(HedgehogObjectFilterSet):
    subnet = ArrayOverlapFilter(field_name="subnets", label="Subnet")

    class Meta:
        model = IPv4Namespace
        fields = COMMON_FIELDS


@register_filterset
class VPCFilterSet(HedgehogObjectFilterSet):
    subnet = ArrayOverlapFilter(field_name="subnets", label="Subnet prefix")

    class Meta:
        model = VPC
        fields = (*COMMON_FIELDS, "mode", "ipv4_namespace", "vlan_namespace", "subnet_count")


@register_filterset
class VPCAttachmentFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = VPCAttachment
        fields = (*COMMON_FIELDS, "vpc", "subnet", "connection")


@register_filterset
class VPCPeeringFilterSet(HedgehogObjectFilterSet):
    vpc = ArrayOverlapFilter(field_name="vpcs", label="VPC")

    class Meta:
        model = VPCPeering
        fields = COMMON_FIELDS


@register_filterset
class ExternalFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = External
        fields = (*COMMON_FIELDS, "ipv4_namespace", "inbound_community", "outbound_community")


@register_filterset
class ExternalAttachmentFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = ExternalAttachment
        fields = (*COMMON_FIELDS, "external", "connection", "is_static")


@register_filterset
class ExternalPeeringFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = ExternalPeering
        fields = (*COMMON_FIELDS, "vpc", "external")
