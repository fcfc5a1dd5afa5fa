from .. import filtersets, forms, tables
from ..models import Connection, Server, ServerProfile, Switch, SwitchGroup, SwitchProfile, VLANNamespace
from .base import register_kind_views

__all__ = (
    "ConnectionListView", "ConnectionView", "ServerListView", "ServerProfileListView", "ServerProfileView",
    "ServerView", "SwitchGroupListView", "SwitchGroupView", "SwitchListView", "SwitchProfileListView",
    "SwitchProfileView", "SwitchView", "VLANNamespaceListView", "VLANNamespaceView",
)

VLANNamespaceListView, VLANNamespaceView = register_kind_views(
    VLANNamespace, tables.VLANNamespaceTable, filtersets.VLANNamespaceFilterSet, forms.VLANNamespaceFilterForm)
SwitchGroupListView, SwitchGroupView = register_kind_views(
    SwitchGroup, tables.SwitchGroupTable, filtersets.SwitchGroupFilterSet, forms.SwitchGroupFilterForm)
SwitchProfileListView, SwitchProfileView = register_kind_views(
    SwitchProfile, tables.SwitchProfileTable, filtersets.SwitchProfileFilterSet, forms.SwitchProfileFilterForm)
ServerProfileListView, ServerProfileView = register_kind_views(
    ServerProfile, tables.ServerProfileTable, filtersets.ServerProfileFilterSet, forms.ServerProfileFilterForm)
SwitchListView, SwitchView = register_kind_views(
    Switch, tables.SwitchTable, filtersets.SwitchFilterSet, forms.SwitchFilterForm)
ServerListView, ServerView = register_kind_views(
    Server, tables.ServerTable, filtersets.ServerFilterSet, forms.ServerFilterForm)
ConnectionListView, ConnectionView = register_kind_views(
    Connection, tables.ConnectionTable, filtersets.ConnectionFilterSet, forms.ConnectionFilterForm)
