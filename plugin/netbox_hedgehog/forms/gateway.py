from django import forms
from django.utils.translation import gettext_lazy as _

from utilities.forms.fields import TagFilterField
from utilities.forms.rendering import FieldSet

from ..models import Gateway, GatewayGroup
from .base import COMMON_FIELDSET, HedgehogObjectFilterForm

__all__ = ("GatewayFilterForm", "GatewayGroupFilterForm")


class GatewayGroupFilterForm(HedgehogObjectFilterForm):
    model = GatewayGroup
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET)
    tag = TagFilterField(model)


class GatewayFilterForm(HedgehogObjectFilterForm):
    model = Gateway
    fieldsets = (
        FieldSet("q", "filter_id", "tag"),
        COMMON_FIELDSET,
        FieldSet("group", "asn", "protocol_ip", "vtep_ip", "interface_count", name=_("Gateway")),
    )
    group = forms.CharField(label=_("Gateway group"), required=False)
    asn = forms.IntegerField(label=_("ASN"), required=False)
    protocol_ip = forms.CharField(label=_("Protocol IP"), required=False)
    vtep_ip = forms.CharField(label=_("VTEP IP"), required=False)
    interface_count = forms.IntegerField(label=_("Interfaces"), required=False, min_value=0)
    tag = TagFilterField(model)
