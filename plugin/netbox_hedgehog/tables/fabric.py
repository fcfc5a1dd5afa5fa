import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from netbox.tables import NetBoxTable, columns

from ..models import HedgehogFabric

__all__ = ("HedgehogFabricTable",)


class HedgehogFabricTable(NetBoxTable):
    """The secret fields (models.fabric.SECRET_FIELDS) are deliberately not columns, so never exported."""

    name = tables.Column(verbose_name=_("Name"), linkify=True)
    status = columns.ChoiceFieldColumn(verbose_name=_("Status"))
    sync_status = columns.ChoiceFieldColumn(verbose_name=_("Sync status"))
    connection_status = columns.ChoiceFieldColumn(verbose_name=_("Connection"))
    kubernetes_verify_tls = columns.BooleanColumn(verbose_name=_("Verify TLS"))
    sync_enabled = columns.BooleanColumn(verbose_name=_("Sync enabled"))
    scheduler_enabled = columns.BooleanColumn(verbose_name=_("Scheduled"))
    skip_invalid_objects = columns.BooleanColumn(verbose_name=_("Skip invalid"))
    last_sync = columns.DateTimeColumn(verbose_name=_("Last sync"))
    last_sync_attempt = columns.DateTimeColumn(verbose_name=_("Last attempt"))
    comments = columns.MarkdownColumn()
    tags = columns.TagColumn(url_name="plugins:netbox_hedgehog:hedgehogfabric_list")

    class Meta(NetBoxTable.Meta):
        model = HedgehogFabric
        fields = (
            "pk", "id", "name", "description", "status", "kubernetes_server", "kubernetes_namespace",
            "kubernetes_verify_tls", "kubernetes_context", "git_url", "git_branch", "git_path", "git_username",
            "sync_enabled",
            "scheduler_enabled", "sync_interval", "skip_invalid_objects", "sync_status", "connection_status",
            "last_sync", "last_sync_attempt", "sync_error", "connection_error", "comments", "tags", "created",
            "last_updated", "actions",
        )
        default_columns = ("pk", "name", "status", "kubernetes_server", "git_url", "sync_status", "connection_status",
                           "last_sync")
