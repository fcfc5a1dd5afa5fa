from django.utils.translation import gettext_lazy as _

from utilities.choices import ChoiceSet


class FabricStatusChoices(ChoiceSet):
    key = "HedgehogFabric.status"

    STATUS_PLANNED = "planned"
    STATUS_ACTIVE = "active"
    STATUS_DECOMMISSIONING = "decommissioning"

    CHOICES = [
        (STATUS_PLANNED, _("Planned"), "cyan"),
        (STATUS_ACTIVE, _("Active"), "green"),
        (STATUS_DECOMMISSIONING, _("Decommissioning"), "yellow"),
    ]


class SyncStatusChoices(ChoiceSet):
    NEVER_SYNCED = "never_synced"
    SYNCING = "syncing"
    IN_SYNC = "in_sync"
    OUT_OF_SYNC = "out_of_sync"
    ERROR = "error"

    CHOICES = [
        (NEVER_SYNCED, _("Never synced"), "gray"),
        (SYNCING, _("Syncing"), "blue"),
        (IN_SYNC, _("In sync"), "green"),
        (OUT_OF_SYNC, _("Out of sync"), "orange"),
        (ERROR, _("Error"), "red"),
    ]


class ConnectionStatusChoices(ChoiceSet):
    UNKNOWN = "unknown"
    CONNECTED = "connected"
    ERROR = "error"

    CHOICES = [
        (UNKNOWN, _("Unknown"), "gray"),
        (CONNECTED, _("Connected"), "green"),
        (ERROR, _("Error"), "red"),
    ]


class OriginChoices(ChoiceSet):
    GIT = "git"
    CLUSTER = "cluster"
    BOTH = "both"

    CHOICES = [
        (GIT, _("Git"), "purple"),
        (CLUSTER, _("Cluster"), "blue"),
        (BOTH, _("Git and cluster"), "teal"),
    ]


class DriftChoices(ChoiceSet):
    """Drift between the Git copy (desired) and the cluster copy (actual); blank for a single-source fabric."""

    IN_SYNC = "in_sync"
    ONLY_IN_GIT = "only_in_git"
    ONLY_IN_CLUSTER = "only_in_cluster"
    DIFFERS = "differs"

    # The values that count as drift.
    DRIFTED = (DIFFERS, ONLY_IN_GIT, ONLY_IN_CLUSTER)

    CHOICES = [
        (IN_SYNC, _("In sync"), "green"),
        (ONLY_IN_GIT, _("Only in Git"), "orange"),
        (ONLY_IN_CLUSTER, _("Only in cluster"), "orange"),
        (DIFFERS, _("Differs"), "red"),
    ]


class SyncOutcomeChoices(ChoiceSet):
    """How a sync run ended, as its job's data (`outcome`) records it."""

    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"
    SKIPPED = "skipped"

    CHOICES = [
        (SUCCESS, _("Success"), "green"),
        (PARTIAL, _("Partial"), "orange"),
        (FAILED, _("Failed"), "red"),
        (SKIPPED, _("Skipped"), "gray"),
    ]
