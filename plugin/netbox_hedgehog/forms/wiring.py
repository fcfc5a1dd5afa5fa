from django import forms
from django.utils.translation import gettext_lazy as _

from utilities.forms.fields import TagFilterField
from utilities.forms.rendering import FieldSet

from ..models import Connection, Server, Switch, SwitchGroup, VLANNamespace
from .base import COMMON_FIELDSET, HedgehogObjectFilterForm

__all__ = ("ConnectionFilterForm", "ServerFilterForm", "SwitchFilterForm", "SwitchGroupFilterForm",
           "VLANNamespaceFilterForm")


class VLANNamespaceFilterForm(HedgehogObjectFilterForm):
    model = VLANNamespace
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET)
    tag = TagFilterField(model)


class SwitchGroupFilterForm(HedgehogObjectFilterForm):
    model = SwitchGroup
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET)
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
