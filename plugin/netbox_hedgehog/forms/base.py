from django import forms
from django.utils.translation import gettext_lazy as _

from netbox.forms import NetBoxModelFilterSetForm
from utilities.forms.fields import DynamicModelMultipleChoiceField
from utilities.forms.rendering import FieldSet

from ..choices import DriftChoices, OriginChoices
from ..models import HedgehogFabric

__all__ = ("COMMON_FIELDSET", "HedgehogObjectFilterForm")

COMMON_FIELDSET = FieldSet("fabric_id", "namespace", "origin", "drift", name=_("Source"))


class HedgehogObjectFilterForm(NetBoxModelFilterSetForm):
    fabric_id = DynamicModelMultipleChoiceField(queryset=HedgehogFabric.objects.all(), required=False,
                                               label=_("Fabric"))
    namespace = forms.CharField(label=_("Namespace"), required=False)
    origin = forms.MultipleChoiceField(label=_("Origin"), choices=OriginChoices, required=False)
    drift = forms.MultipleChoiceField(label=_("Drift"), choices=DriftChoices, required=False)
