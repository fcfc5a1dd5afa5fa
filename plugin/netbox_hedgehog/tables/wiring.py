import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from netbox.tables import columns

from ..models import Connection, Server, Switch, SwitchGroup, VLANNamespace
from .base import COMMON_COLUMNS, HedgehogObjectTable

__all__ = ("ConnectionTable", "ServerTable", "SwitchGroupTable", "SwitchTable", "VLANNamespaceTable")

DEFAULT = ("name", "fabric", "namespace", "origin", "drift")


class VLANNamespaceTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:vlannamespace_list")

    class Meta(HedgehogObjectTable.Meta):
        model = VLANNamespace


class SwitchGroupTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:switchgroup_list")

    class Meta(HedgehogObjectTable.Meta):
        model = SwitchGroup


class SwitchTable(HedgehogObjectTable):
    asn = tables.Column(verbose_name=_("ASN"))
    agent_alive = columns.BooleanColumn(verbose_name=_("Agent alive"), orderable=False)
    agent_applied_current = columns.BooleanColumn(verbose_name=_("Applied current generation"), orderable=False)
    agent_heartbeat = columns.DateTimeColumn(verbose_name=_("Agent heartbeat"))
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:switch_list")

    class Meta(HedgehogObjectTable.Meta):
        model = Switch
        fields = (*COMMON_COLUMNS, "role", "asn", "profile", "redundancy_group", "redundancy_type", "description",
                  "agent_alive", "agent_applied_current", "agent_heartbeat", "agent_applied_generation")
        default_columns = (*DEFAULT, "role", "asn", "profile", "redundancy_group", "redundancy_type", "agent_alive")


class ServerTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:server_list")

    class Meta(HedgehogObjectTable.Meta):
        model = Server
        fields = (*COMMON_COLUMNS, "profile", "description")
        default_columns = (*DEFAULT, "profile", "description")


class ConnectionTable(HedgehogObjectTable):
    connection_type = tables.Column(verbose_name=_("Type"))
    endpoints = columns.ArrayColumn(verbose_name=_("Endpoints"), orderable=False)
    devices = columns.ArrayColumn(verbose_name=_("Devices"), orderable=False)
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:connection_list")

    class Meta(HedgehogObjectTable.Meta):
        model = Connection
        fields = (*COMMON_COLUMNS, "connection_type", "endpoints", "devices")
        default_columns = (*DEFAULT, "connection_type", "endpoints", "devices")
