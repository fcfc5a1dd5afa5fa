import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from netbox.tables import columns

from ..models import VPC, External, ExternalAttachment, ExternalPeering, IPv4Namespace, VPCAttachment, VPCPeering
from .base import COMMON_COLUMNS, DEFAULT_COLUMNS, HedgehogObjectTable

__all__ = ("ExternalAttachmentTable", "ExternalPeeringTable", "ExternalTable", "IPv4NamespaceTable",
           "VPCAttachmentTable", "VPCPeeringTable", "VPCTable")


class IPv4NamespaceTable(HedgehogObjectTable):
    subnets = columns.ArrayColumn(verbose_name=_("Subnets"), orderable=False)
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:ipv4namespace_list")

    class Meta(HedgehogObjectTable.Meta):
        model = IPv4Namespace
        fields = (*COMMON_COLUMNS, "subnets")
        default_columns = (*DEFAULT_COLUMNS, "subnets")


class VPCTable(HedgehogObjectTable):
    subnet_count = tables.Column(verbose_name=_("Subnet count"))
    subnets = columns.ArrayColumn(verbose_name=_("Subnets"), orderable=False)
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:vpc_list")

    class Meta(HedgehogObjectTable.Meta):
        model = VPC
        fields = (*COMMON_COLUMNS, "mode", "ipv4_namespace", "vlan_namespace", "subnet_count", "subnets")
        default_columns = (*DEFAULT_COLUMNS, "mode", "subnet_count", "subnets")


class VPCAttachmentTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:vpcattachment_list")

    class Meta(HedgehogObjectTable.Meta):
        model = VPCAttachment
        fields = (*COMMON_COLUMNS, "vpc", "subnet", "connection")
        default_columns = (*DEFAULT_COLUMNS, "vpc", "subnet", "connection")


class VPCPeeringTable(HedgehogObjectTable):
    vpcs = columns.ArrayColumn(verbose_name=_("VPCs"), orderable=False)
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:vpcpeering_list")

    class Meta(HedgehogObjectTable.Meta):
        model = VPCPeering
        fields = (*COMMON_COLUMNS, "vpcs")
        default_columns = (*DEFAULT_COLUMNS, "vpcs")


class ExternalTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:external_list")

    class Meta(HedgehogObjectTable.Meta):
        model = External
        fields = (*COMMON_COLUMNS, "ipv4_namespace", "inbound_community", "outbound_community")
        default_columns = (*DEFAULT_COLUMNS, "ipv4_namespace", "inbound_community", "outbound_community")


class ExternalAttachmentTable(HedgehogObjectTable):
    is_static = columns.BooleanColumn(verbose_name=_("Static"))
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:externalattachment_list")

    class Meta(HedgehogObjectTable.Meta):
        model = ExternalAttachment
        fields = (*COMMON_COLUMNS, "external", "connection", "is_static")
        default_columns = (*DEFAULT_COLUMNS, "external", "connection", "is_static")


class ExternalPeeringTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:externalpeering_list")

    class Meta(HedgehogObjectTable.Meta):
        model = ExternalPeering
        fields = (*COMMON_COLUMNS, "vpc", "external")
        default_columns = (*DEFAULT_COLUMNS, "vpc", "external")
