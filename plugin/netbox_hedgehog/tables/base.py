import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from netbox.tables import NetBoxTable, columns

__all__ = ("COMMON_COLUMNS", "DEFAULT_COLUMNS", "HedgehogObjectTable")

COMMON_COLUMNS = ("pk", "id", "name", "fabric", "namespace", "origin", "drift", "uid", "resource_version",
                  "generation", "git_file", "git_commit", "tags", "created", "last_updated", "actions")
# Columns every kind's table shows by default; each kind adds its own.
DEFAULT_COLUMNS = ("name", "fabric", "namespace", "origin", "drift")


class HedgehogObjectTable(NetBoxTable):
    """Kinds are owned by the sync: rows offer the change log only, never edit or delete."""

    name = tables.Column(verbose_name=_("Name"), linkify=True)
    fabric = tables.Column(verbose_name=_("Fabric"), linkify=True)
    origin = columns.ChoiceFieldColumn(verbose_name=_("Origin"))
    drift = columns.ChoiceFieldColumn(verbose_name=_("Drift"))
    actions = columns.ActionsColumn(actions=("changelog",))

    class Meta(NetBoxTable.Meta):
        fields = COMMON_COLUMNS
        default_columns = DEFAULT_COLUMNS
