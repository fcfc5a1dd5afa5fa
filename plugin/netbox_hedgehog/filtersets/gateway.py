from utilities.filtersets import register_filterset

from ..models import Gateway, GatewayGroup
from .base import COMMON_FIELDS, ArrayOverlapFilter, HedgehogObjectFilterSet

__all__ = ("GatewayFilterSet", "GatewayGroupFilterSet")


@register_filterset
class GatewayGroupFilterSet(HedgehogObjectFilterSet):
    class Meta:
        model = GatewayGroup
        fields = COMMON_FIELDS


@register_filterset
class GatewayFilterSet(HedgehogObjectFilterSet):
    group = ArrayOverlapFilter(field_name="groups", label="Gateway group")

    class Meta:
        model = Gateway
        fields = (*COMMON_FIELDS, "interface_count", "asn", "protocol_ip", "vtep_ip")
