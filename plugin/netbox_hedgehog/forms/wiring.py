from django import forms
from django.utils.translation import gettext_lazy as _

from utilities.forms.fields import TagFilterField
from utilities.forms.rendering import FieldSet

from ..models import Connection, Server, ServerProfile, Switch, SwitchGroup, SwitchProfile, VLANNamespace
from .base import COMMON_FIELDSET, HedgehogObjectFilterForm

__all__ = ("ConnectionFilterForm", "ServerFilterForm", "ServerProfileFilterForm", "SwitchFilterForm",
           "SwitchGroupFilterForm", "SwitchProfileFilterForm", "VLANNamespaceFilterForm")


class VLANNamespaceFilterForm(HedgehogObjectFilterForm):
    model = VLANNamespace
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET)
    tag = TagFilterField(model)


class SwitchGroupFilterForm(HedgehogObjectFilterForm):
    model = SwitchGroup
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET)
    tag = TagFilterField(model)


class SwitchProfileFilterForm(HedgehogObjectFilterForm):
    model = SwitchProfile
    fieldsets = (
        FieldSet("q", "filter_id", "tag"),
        COMMON_FIELDSET,
        FieldSet("display_name", "switch_silicon", "platform", "nos_type", "port_count", name=_("Switch profile")),
    )
    display_name = forms.CharField(label=_("Display name"), required=False)
    switch_silicon = forms.CharField(label=_("Switch silicon"), required=False)
    platform = forms.CharField(label=_("Platform"), required=False)
    nos_type = forms.CharField(label=_("NOS type"), required=False)
    port_count = forms.IntegerField(label=_("Ports"), required=False, min_value=0)
    tag = TagFilterField(model)


class ServerProfileFilterForm(HedgehogObjectFilterForm):
    model = ServerProfile
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET,
                 FieldSet("nic", "nic_count", "port_count", name=_("Server profile")))
    nic = forms.CharField(label=_("NIC"), required=False)
    nic_count = forms.IntegerField(label=_("NIC count"), required=False, min_value=0)
    port_count = forms.IntegerField(label=_("Ports"), required=False, min_value=0)
    tag = TagFilterField(model)


class SwitchFilterForm(HedgehogObjectFilterForm):
    model = Switch
    fieldsets = (
        FieldSet("q", "filter_id", "tag"),
        COMMON_FIELDSET,
        FieldSet("role", "asn", "profile", "redundancy_group", "redundancy_type", name=_("Switch")),
    )
    role = forms.CharField(label=_("Role"), required=False)
    asn = forms.IntegerField(label=_("ASN"), required=False)
    profile = forms.CharField(label=_("Profile"), required=False)
    redundancy_group = forms.CharField(label=_("Redundancy group"), required=False)
    redundancy_type = forms.CharField(label=_("Redundancy type"), required=False)
    tag = TagFilterField(model)


class ServerFilterForm(HedgehogObjectFilterForm):
    model = Server
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET, FieldSet("profile", name=_("Server")))
    profile = forms.CharField(label=_("Profile"), required=False)
    tag = TagFilterField(model)


class ConnectionFilterForm(HedgehogObjectFilterForm):
    model = Connection
    fieldsets = (
        FieldSet("q", "filter_id", "tag"),
        COMMON_FIELDSET,
        FieldSet("connection_type", "device", "endpoint", name=_("Connection")),
    )
    connection_type = forms.CharField(label=_("Type"), required=False)
    device = forms.CharField(label=_("Device"), required=False)
    endpoint = forms.CharField(label=_("Endpoint"), required=False, help_text=_("device/port, e.g. leaf-01/E1/1"))
    tag = TagFilterField(model)
