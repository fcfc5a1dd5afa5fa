from utilities.filtersets import register_filterset

from ..models import Connection, Server, ServerProfile, Switch, SwitchGroup, SwitchProfile, VLANNamespace
from .base import COMMON_FIELDS, ArrayOverlapFilter, HedgehogObjectFilterSet

__all__ = ("ConnectionFilterSet", "ServerFilterSet", "ServerProfileFilterSet", "SwitchFilterSet",
           "SwitchGroupFilterSet", "SwitchProfileFilterSet", "VLANNamespaceFilterSet")


@register_filterset
class VLANNamespaceFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = VLANNamespace
        fields = COMMON_FIELDS


@register_filterset
class SwitchGroupFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = SwitchGroup
        fields = COMMON_FIELDS


@register_filterset
class SwitchProfileFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = SwitchProfile
        fields = (*COMMON_FIELDS, "display_name", "switch_silicon", "platform", "nos_type", "port_count")


@register_filterset
class ServerProfileFilterSet(HedgehogObjectFilterSet):
    nic = ArrayOverlapFilter(field_name="nics", label="NIC")

    class Meta:
        model = ServerProfile
        fields = (*COMMON_FIELDS, "nic_count", "port_count")


@register_filterset
class SwitchFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = Switch
        fields = (*COMMON_FIELDS, "role", "asn", "profile", "redundancy_group", "redundancy_type", "description",
                  "agent_applied_generation")


@register_filterset
class ServerFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = Server
        fields = (*COMMON_FIELDS, "profile", "description")


@register_filterset
class ConnectionFilterSet(HedgehogObjectFilterSet):
    endpoint = ArrayOverlapFilter(field_name="endpoints", label="Endpoint (device/port)")
    device = ArrayOverlapFilter(field_name="devices", label="Device")

    class Meta:
        model = Connection
        fields = (*COMMON_FIELDS, "connection_type")
