from ...models import VPC, External, ExternalAttachment, ExternalPeering, IPv4Namespace, VPCAttachment, VPCPeering
from .base import BRIEF_FIELDS, HedgehogObjectSerializer

__all__ = ("ExternalAttachmentSerializer", "ExternalPeeringSerializer", "ExternalSerializer",
           "IPv4NamespaceSerializer", "VPCAttachmentSerializer", "VPCPeeringSerializer", "VPCSerializer")

fields_for = HedgehogObjectSerializer.fields_for


class IPv4NamespaceSerializer(HedgehogObjectSerializer):
    class Meta:
        model = IPv4Namespace
        fields = fields_for("subnets")
        brief_fields = BRIEF_FIELDS


class VPCSerializer(HedgehogObjectSerializer):
    class Meta:
        model = VPC
        fields = fields_for("mode", "ipv4_namespace", "vlan_namespace", "subnet_count", "subnets")
        brief_fields = BRIEF_FIELDS


class VPCAttachmentSerializer(HedgehogObjectSerializer):
    class Meta:
        model = VPCAttachment
        fields = fields_for("vpc", "subnet", "connection")
        brief_fields = BRIEF_FIELDS


class VPCPeeringSerializer(HedgehogObjectSerializer):
    class Meta:
        model = VPCPeering
        fields = fields_for("vpcs")
        brief_fields = BRIEF_FIELDS


class ExternalSerializer(HedgehogObjectSerializer):
    class Meta:
        model = External
        fields = fields_for("ipv4_namespace", "inbound_community", "outbound_community")
        brief_fields = BRIEF_FIELDS


class ExternalAttachmentSerializer(HedgehogObjectSerializer):
    class Meta:
        model = ExternalAttachment
        fields = fields_for("external", "connection", "is_static")
        brief_fields = BRIEF_FIELDS


class ExternalPeeringSerializer(HedgehogObjectSerializer):
    class Meta:
        model = ExternalPeering
        fields = fields_for("vpc", "external")
        brief_fields = BRIEF_FIELDS
