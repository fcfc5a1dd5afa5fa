from ...models import Gateway, GatewayGroup
from .base import BRIEF_FIELDS, HedgehogObjectSerializer

__all__ = ("GatewayGroupSerializer", "GatewaySerializer")

fields_for = HedgehogObjectSerializer.fields_for


class GatewayGroupSerializer(HedgehogObjectSerializer):
    class Meta:
        model = GatewayGroup
        fields = fields_for()
        brief_fields = BRIEF_FIELDS


class GatewaySerializer(HedgehogObjectSerializer):
    class Meta:
        model = Gateway
        fields = fields_for("groups", "interface_count", "asn", "protocol_ip", "vtep_ip")
        brief_fields = BRIEF_FIELDS
