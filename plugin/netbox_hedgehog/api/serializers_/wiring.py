from rest_framework import serializers

from ...models import Connection, Server, ServerProfile, Switch, SwitchGroup, SwitchProfile, VLANNamespace
from .base import BRIEF_FIELDS, HedgehogObjectSerializer

__all__ = ("ConnectionSerializer", "ServerProfileSerializer", "ServerSerializer", "SwitchGroupSerializer",
           "SwitchProfileSerializer", "SwitchSerializer", "VLANNamespaceSerializer")

fields_for = HedgehogObjectSerializer.fields_for


class VLANNamespaceSerializer(HedgehogObjectSerializer):
    class Meta:
        model = VLANNamespace
        fields = fields_for()
        brief_fields = BRIEF_FIELDS


class SwitchGroupSerializer(HedgehogObjectSerializer):
    class Meta:
        model = SwitchGroup
        fields = fields_for()
        brief_fields = BRIEF_FIELDS


class SwitchProfileSerializer(HedgehogObjectSerializer):
    class Meta:
        model = SwitchProfile
        fields = fields_for("display_name", "switch_silicon", "platform", "nos_type", "port_count")
        brief_fields = (*BRIEF_FIELDS, "display_name")


class ServerProfileSerializer(HedgehogObjectSerializer):
    class Meta:
        model = ServerProfile
        fields = fields_for("nics", "nic_count", "port_count")
        brief_fields = BRIEF_FIELDS


class SwitchSerializer(HedgehogObjectSerializer):
    agent_alive = serializers.BooleanField(read_only=True, allow_null=True)
    agent_applied_current = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Switch
        fields = fields_for("role", "asn", "profile", "redundancy_group", "redundancy_type", "description",
                            "agent_heartbeat", "agent_applied_generation", "agent_alive", "agent_applied_current",
                            "agent_interfaces")
        brief_fields = (*BRIEF_FIELDS, "role")


class ServerSerializer(HedgehogObjectSerializer):
    class Meta:
        model = Server
        fields = fields_for("profile", "description")
        brief_fields = BRIEF_FIELDS


class ConnectionSerializer(HedgehogObjectSerializer):
    class Meta:
        model = Connection
        fields = fields_for("connection_type", "endpoints", "devices")
        brief_fields = (*BRIEF_FIELDS, "connection_type")
