import django_filters
from django.utils.translation import gettext_lazy as _

from netbox.filtersets import NetBoxModelFilterSet
from utilities.filters import MultiValueCharFilter

from ..choices import DriftChoices, OriginChoices
from ..models import HedgehogFabric

__all__ = ("COMMON_FIELDS", "ArrayOverlapFilter", "HedgehogObjectFilterSet")

# Model fields every kind's filterset offers with NetBox's generated lookups (name__ic, namespace__n, ...).
COMMON_FIELDS = ("id", "name", "namespace", "uid", "resource_version", "generation", "git_file", "git_commit")


class ArrayOverlapFilter(MultiValueCharFilter):
    """Matches objects whose array field holds any of the given values (?endpoint=a&endpoint=b)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__overlap": list(value)})


class HedgehogObjectFilterSet(NetBoxModelFilterSet):
    """Filters shared by the Hedgehog kinds; each kind's filterset adds its own columns."""

    fabric_id = django_filters.ModelMultipleChoiceFilter(
        queryset=HedgehogFabric.objects.all(), distinct=False, label=_("Fabric (ID)"),
    )
    fabric = django_filters.ModelMultipleChoiceFilter(
        field_name="fabric__name", queryset=HedgehogFabric.objects.all(), distinct=False, to_field_name="name",
        label=_("Fabric (name)"),
    )
    origin = django_filters.MultipleChoiceFilter(choices=OriginChoices, distinct=False)
    drift = django_filters.MultipleChoiceFilter(choices=DriftChoices, distinct=False)

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(name__icontains=value.strip())
