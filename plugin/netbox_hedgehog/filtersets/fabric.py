import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netbox.filtersets import NetBoxModelFilterSet
from utilities.filtersets import register_filterset

from ..choices import ConnectionStatusChoices, FabricStatusChoices, SyncStatusChoices
from ..models import HedgehogFabric

__all__ = ("HedgehogFabricFilterSet",)


@register_filterset
class HedgehogFabricFilterSet(NetBoxModelFilterSet):
    """Never offers a filter on a secret field: a filter would let a reader guess the secret."""

    status = django_filters.MultipleChoiceFilter(choices=FabricStatusChoices, distinct=False)
    sync_status = django_filters.MultipleChoiceFilter(choices=SyncStatusChoices, distinct=False)
    connection_status = django_filters.MultipleChoiceFilter(choices=ConnectionStatusChoices, distinct=False)
    has_kubernetes = django_filters.BooleanFilter(method="filter_has_kubernetes", label=_("Has a Kubernetes source"))
    has_git = django_filters.BooleanFilter(method="filter_has_git", label=_("Has a Git source"))

    class Meta:
        model = HedgehogFabric
        fields = ("id", "name", "description", "kubernetes_server", "kubernetes_namespace", "kubernetes_verify_tls",
                  "kubernetes_context", "git_url", "git_branch", "git_path", "git_username", "sync_enabled",
                  "scheduler_enabled", "sync_interval", "skip_invalid_objects", "last_sync", "last_sync_attempt")

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(description__icontains=value) | Q(comments__icontains=value)
            | Q(kubernetes_server__icontains=value) | Q(git_url__icontains=value)
        )

    def filter_has_kubernetes(self, queryset, name, value):
        without = Q(kubernetes_server="", kubernetes_kubeconfig="")
        return queryset.exclude(without) if value else queryset.filter(without)

    def filter_has_git(self, queryset, name, value):
        return queryset.exclude(git_url="") if value else queryset.filter(git_url="")
