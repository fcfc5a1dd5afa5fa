from .. import filtersets, forms, tables
from ..models import Gateway, GatewayGroup
from .base import register_kind_views

__all__ = ("GatewayGroupListView", "GatewayGroupView", "GatewayListView", "GatewayView")

GatewayGroupListView, GatewayGroupView = register_kind_views(
    GatewayGroup, tables.GatewayGroupTable, filtersets.GatewayGroupFilterSet, forms.GatewayGroupFilterForm)
GatewayListView, GatewayView = register_kind_views(
    Gateway, tables.GatewayTable, filtersets.GatewayFilterSet, forms.GatewayFilterForm)
