from django import forms
from django.utils.translation import gettext_lazy as _

from utilities.forms.fields import TagFilterField
from utilities.forms.rendering import FieldSet

from ..models import VPC, External, ExternalAttachment, ExternalPeering, IPv4Namespace, VPCAttachment, VPCPeering
from .base import COMMON_FIELDSET, HedgehogObjectFilterForm

__all__ = ("ExternalAttachmentFilterForm", "ExternalFilterForm", "ExternalPeeringFilterForm",
           "IPv4NamespaceFilterForm", "VPCAttachmentFilterForm", "VPCFilterForm", "VPCPeeringFilterForm")


class IPv4NamespaceFilterForm(HedgehogObjectFilterForm):
    model = IPv4Namespace
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET, FieldSet("subnet", name=_("IPv4 namespace")))
    subnet = forms.CharField(label=_("Subnet"), required=False)
    tag = TagFilterField(model)


class VPCFilterForm(HedgehogObjectFilterForm):
    model = VPC
    fieldsets = (
        FieldSet("q", "filter_id", "tag"),
        COMMON_FIELDSET,
        FieldSet("mode", "ipv4_namespace", "vlan_namespace", "subnet", name=_("VPC")),
    )
    mode = forms.CharField(label=_("Mode"), required=False)
    ipv4_namespace = forms.CharField(label=_("IPv4 namespace"), required=False)
    vlan_namespace = forms.CharField(label=_("VLAN namespace"), required=False)
    subnet = forms.CharField(label=_("Subnet prefix"), required=False)
    tag = TagFilterField(model)


class VPCAttachmentFilterForm(HedgehogObjectFilterForm):
    model = VPCAttachment
    fieldsets = (
        FieldSet("q", "filter_id", "tag"),
        COMMON_FIELDSET,
        FieldSet("vpc", "subnet", "connection", name=_("Attachment")),
    )
    vpc = forms.CharField(label=_("VPC"), required=False)
    subnet = forms.CharField(label=_("Subnet"), required=False)
    connection = forms.CharField(label=_("Connection"), required=False)
    tag = TagFilterField(model)


class VPCPeeringFilterForm(HedgehogObjectFilterForm):
    model = VPCPeering
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET, FieldSet("vpc", name=_("Peering")))
    vpc = forms.CharField(label=_("VPC"), required=False)
    tag = TagFilterField(model)


class ExternalFilterForm(HedgehogObjectFilterForm):
    model = External
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET, FieldSet("ipv4_namespace", name=_("External")))
    ipv4_namespace = forms.CharField(label=_("IPv4 namespace"), required=False)
    tag = TagFilterField(model)


class ExternalAttachmentFilterForm(HedgehogObjectFilterForm):
    model = ExternalAttachment
    fieldsets = (
        FieldSet("q", "filter_id", "tag"),
        COMMON_FIELDSET,
        FieldSet("external", "connection", name=_("Attachment")),
    )
    external = forms.CharField(label=_("External"), required=False)
    connection = forms.CharField(label=_("Connection"), required=False)
    tag = TagFilterField(model)


class ExternalPeeringFilterForm(HedgehogObjectFilterForm):
    model = ExternalPeering
    fieldsets = (FieldSet("q", "filter_id", "tag"), COMMON_FIELDSET, FieldSet("vpc", "external", name=_("Peering")))
    vpc = forms.CharField(label=_("VPC"), required=False)
    external = forms.CharField(label=_("External"), required=False)
    tag = TagFilterField(model)
