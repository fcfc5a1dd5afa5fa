import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from netbox.tables import columns

from ..models import Gateway, GatewayGroup
from .base import COMMON_COLUMNS, DEFAULT_COLUMNS, HedgehogObjectTable

__all__ = ("GatewayGroupTable", "GatewayTable")


class GatewayGroupTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:gatewaygroup_list")

    class Meta(HedgehogObjectTable.Meta):
        model = GatewayGroup


class GatewayTable(HedgehogObjectTable):
    groups = columns.ArrayColumn(verbose_name=_("Groups"), orderable=False)
    interface_count = tables.Column(verbose_name=_("Interfaces"))
    asn = tables.Column(verbose_name=_("ASN"))
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:gateway_list")

    class Meta(HedgehogObjectTable.Meta):
        model = Gateway
        fields = (*COMMON_COLUMNS, "groups", "interface_count", "asn", "protocol_ip", "vtep_ip")
        default_columns = (*DEFAULT_COLUMNS, "groups", "interface_count", "asn", "protocol_ip")
