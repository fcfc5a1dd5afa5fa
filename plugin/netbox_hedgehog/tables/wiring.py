import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from netbox.tables import columns

from ..models import Connection, Server, ServerProfile, Switch, SwitchGroup, SwitchProfile, VLANNamespace
from .base import COMMON_COLUMNS, DEFAULT_COLUMNS, HedgehogObjectTable

__all__ = ("ConnectionTable", "ServerProfileTable", "ServerTable", "SwitchGroupTable", "SwitchProfileTable",
           "SwitchTable", "VLANNamespaceTable")


class VLANNamespaceTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:vlannamespace_list")

    class Meta(HedgehogObjectTable.Meta):
        model = VLANNamespace


class SwitchGroupTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:switchgroup_list")

    class Meta(HedgehogObjectTable.Meta):
        model = SwitchGroup


class SwitchProfileTable(HedgehogObjectTable):
    port_count = tables.Column(verbose_name=_("Ports"))
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:switchprofile_list")

    class Meta(HedgehogObjectTable.Meta):
        model = SwitchProfile
        fields = (*COMMON_COLUMNS, "display_name", "switch_silicon", "platform", "nos_type", "port_count")
        default_columns = (*DEFAULT_COLUMNS, "display_name", "switch_silicon", "port_count")


class ServerProfileTable(HedgehogObjectTable):
    nics = columns.ArrayColumn(verbose_name=_("NICs"), orderable=False)
    port_count = tables.Column(verbose_name=_("Ports"))
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:serverprofile_list")

    class Meta(HedgehogObjectTable.Meta):
        model = ServerProfile
        fields = (*COMMON_COLUMNS, "nics", "nic_count", "port_count")
        default_columns = (*DEFAULT_COLUMNS, "nics", "port_count")


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
        default_columns = (*DEFAULT_COLUMNS, "role", "asn", "profile", "redundancy_group", "redundancy_type",
                           "agent_alive")


class ServerTable(HedgehogObjectTable):
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:server_list")

    class Meta(HedgehogObjectTable.Meta):
        model = Server
        fields = (*COMMON_COLUMNS, "profile", "description")
        default_columns = (*DEFAULT_COLUMNS, "profile", "description")


class ConnectionTable(HedgehogObjectTable):
    connection_type = tables.Column(verbose_name=_("Type"))
    endpoints = columns.ArrayColumn(verbose_name=_("Endpoints"), orderable=False)
    devices = columns.ArrayColumn(verbose_name=_("Devices"), orderable=False)
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:connection_list")

    class Meta(HedgehogObjectTable.Meta):
        model = Connection
        fields = (*COMMON_COLUMNS, "connection_type", "endpoints", "devices")
        default_columns = (*DEFAULT_COLUMNS, "connection_type", "endpoints", "devices")
