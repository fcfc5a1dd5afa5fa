"""
The predecessor, hh-netbox-plugin (the public repository afewell-hh/hh-netbox-plugin): how to recognise its
schema in a NetBox database. It used the same package and app label, `netbox_hedgehog`, so its tables
(`netbox_hedgehog_<model>`) and its migration records sit where ours go, and its `0001_initial` has our first
migration's name: Django would take ours as applied and run the plugin against tables of another shape.

The facts below are from its two deployed lines: the GitOps line (branch `flowtest` @ 705549aa70a1, 2025-08-15)
and the topology-planning line (branch `main` @ 607a7287b875, 2026-05-14).

`detect()` reads only the catalogue and `django_migrations`. `migrate`, the doctor and the plugin's
commands call it directly; the plugin's pages use `current_legacy_schema()`, which caches the answer.
"""
import pkgutil
import threading
import time
from dataclasses import dataclass

__all__ = ("FABRIC_TABLE", "LEGACY_PREFIX", "LINES", "PREDECESSOR", "UPGRADE_COMMAND", "LegacySchema",
           "current_legacy_schema", "detect", "legacy_copies", "refuse_if_legacy", "refuse_legacy_migrate")

APP = "netbox_hedgehog"
PREDECESSOR = "hh-netbox-plugin"
UPGRADE_COMMAND = "netbox hedgehog_upgrade_legacy"
FABRIC_TABLE = "netbox_hedgehog_hedgehogfabric"
TABLE_PREFIX = "netbox_hedgehog_"
# The upgrade keeps the predecessor's tables under this prefix (until `--drop-legacy`).
LEGACY_PREFIX = "netbox_hedgehog_legacy_"

# Both lines start with these.
_SHARED_MIGRATIONS = (
    "0001_initial", "0002_remaining_models", "0003_add_status_fields", "0004_add_connection_error",
    "0005_add_cached_counts", "0006_missing_crd_models", "0007_add_count_fields",
)


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    migrations: tuple
    # Tables only this line of the predecessor has.
    tables: tuple
    # Fabric columns only this line of the predecessor has.
    fabric_columns: tuple = ()


LINES = {
    "flowtest": Line(
        key="flowtest",
        label="GitOps line (branch flowtest)",
        migrations=_SHARED_MIGRATIONS + (
            "0008_add_gitops_fields", "0009_create_hedgehogresource", "0010_implement_six_state_management",
            "0011_add_reconciliation_alert", "0012_add_genericforeignkey_to_hedgehogresource",
            "0013_add_argocd_tracking_fields", "0014_implement_git_repository_separation", "0015_add_git_sync_fields",
            "0016_add_realtime_monitoring_fields", "0017_performance_optimization_indexes",
            "0018_add_gitops_file_management_fields", "0019_add_remaining_gitops_fields",
            "0020_fix_gitrepository_created_by_field", "0021_bidirectional_sync_extensions",
            "0022_fix_not_null_constraint_violations", "0023_add_scheduler_enabled_field",
            "0024_fix_syncop_index_name_length", "0025_add_scheduler_priority_field",
            "0026_add_scheduler_additional_fields", "0027_add_remaining_task_fields",
            "0028_fix_valid_sync_status_constraint",
        ),
        tables=("netbox_hedgehog_gitrepository", "netbox_hedgehog_hedgehogresource",
                "netbox_hedgehog_statetransitionhistory", "netbox_hedgehog_reconciliationalert"),
        fabric_columns=("git_repository_id", "git_repository_url", "git_token", "gitops_directory",
                        "scheduler_priority"),
    ),
    "main": Line(
        key="main",
        label="topology-planning line (branch main)",
        migrations=_SHARED_MIGRATIONS + (
            "0008_topology_planning_models", "0009_seed_data_hedgehog_devices", "0010_devicetypeextension_fields",
            "0011_update_device_type_extension_data", "0012_topology_plan_models", "0013_seed_reference_data",
            "0014_merge_20251220_1746", "0015_add_custom_fields", "0016_switch_port_zone", "0017_naming_template",
            "0018_generation_state", "0019_generationstate_to_plain_model",
            "0020_make_uplink_ports_per_switch_nullable", "0021_generationstate_job",
            "0022_add_server_interface_template", "0023_backfill_nic_slot_legacy", "0024_add_hedgehog_profile_name",
            "0025_add_boot_mac_custom_field", "0026_add_redundancy_fields", "0027_populate_switch_group_name",
            "0028_make_switch_group_name_required", "0029_seed_nic_module_types", "0030_nic_modeling_clean_break",
            "0031_add_target_zone_nullable", "0032_backfill_target_zone", "0033_finalize_zone_targeted",
            "0034_fabrictype_expand_management_types", "0035_switchportzone_peer_zone",
            "0036_fabric_class_abstraction", "0037_plan_server_nic", "0038_plan_server_nic_finalize",
            "0039_mesh_topology_fields", "0040_mesh_link_nullable_plan", "0041_mesh_link_leaf_names_nonnullable_plan",
            "0042_hedgehog_topology_mode_custom_field", "0043_explicit_mesh_mode", "0044_transceiver_module_type",
            "0045_generationstate_mismatch_report", "0046_remove_transceiver_spec_custom_field",
            "0047_transceiver_metadata_fields", "0048_seed_osfp_transceiver_module_types",
            "0049_remove_osfp_interface_templates", "0050_seed_qsfp112_200gbase_sr2",
            "0051_remove_psc_legacy_flat_fields", "0052_remove_breakoutoption_optic_type",
            "0053_purge_legacy_0009_seed_data",
        ),
        tables=("netbox_hedgehog_topologyplan", "netbox_hedgehog_generationstate", "netbox_hedgehog_breakoutoption",
                "netbox_hedgehog_devicetypeextension", "netbox_hedgehog_planswitchclass",
                "netbox_hedgehog_planserverclass"),
    ),
}
# Fabric columns both lines' later migrations add (cached counts) and this plugin never had.
SHARED_FABRIC_COLUMNS = ("cached_crd_count", "cached_vpc_count", "cached_connection_count", "connections_count",
                         "servers_count", "switches_count", "vpcs_count")
# Columns this plugin's 0001_initial gives the fabric table and no table of the predecessor has. A fabric table
# with none of them is the predecessor's, even when only its `0001_initial` (our first migration's name) is recorded.
OWN_FABRIC_COLUMNS = ("git_url", "git_password", "kubernetes_verify_tls", "skip_invalid_objects")


@dataclass(frozen=True)
class LegacySchema:
    """What `detect()` found: the line (None when the records stop before the lines split), the predecessor's
    migration records, and the evidence as sentences."""

    line: str | None
    migrations: tuple
    evidence: tuple

    @property
    def description(self):
        where = LINES[self.line].label if self.line else "a release from before its two lines split"
        last = f", migrations up to {self.migrations[-1]}" if self.migrations else ""
        return f"{PREDECESSOR}, {where}{last}"

    @property
    def message(self):
        return (f"This database holds the schema of {self.description}: the predecessor of netbox-hedgehog, which "
                f"used the same app label (netbox_hedgehog). Nothing was changed. Run `{UPGRADE_COMMAND}` to see "
                f"what will be carried over, then `{UPGRADE_COMMAND} --apply` (README: \"Upgrading from "
                f"{PREDECESSOR}\").")

    def as_dict(self):
        return {"predecessor": PREDECESSOR, "line": self.line, "migrations": list(self.migrations),
                "evidence": list(self.evidence), "command": UPGRADE_COMMAND}


def own_migration_names():
    """The names of this plugin's migrations, from the file names (nothing is imported)."""
    from . import migrations

    return {module.name for module in pkgutil.iter_modules(migrations.__path__)}


def _sorted_by_number(names):
    return tuple(sorted(names, key=lambda name: (name.split("_", 1)[0], name)))


def detect(connection=None):
    """The predecessor's schema in the database of `connection` (default: Django's), or None."""
    if connection is None:
        from django.db import connection
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        recorded = set()
        if "django_migrations" in tables:
            cursor.execute("SELECT name FROM django_migrations WHERE app = %s", [APP])
            recorded = {name for (name,) in cursor.fetchall()}
        fabric_columns = set()
        if FABRIC_TABLE in tables:
            fabric_columns = {column.name for column in connection.introspection.get_table_description(
                cursor, FABRIC_TABLE)}

    own = own_migration_names()
    known = {name for line in LINES.values() for name in line.migrations}
    legacy_records = recorded & known - own
    evidence = []
    if legacy_records:
        evidence.append(f"migration records only it has ({len(legacy_records)}, up to "
                        f"{_sorted_by_number(legacy_records)[-1]})")
    legacy_tables = sorted(table for line in LINES.values() for table in line.tables if table in tables)
    if legacy_tables:
        evidence.append(f"its table(s) {', '.join(legacy_tables)}")
    legacy_columns = sorted(fabric_columns & {*SHARED_FABRIC_COLUMNS, *(c for line in LINES.values()
                                                                          for c in line.fabric_columns)})
    without_ours = bool(fabric_columns) and not fabric_columns & set(OWN_FABRIC_COLUMNS)
    if legacy_columns:
        evidence.append(f"its fabric column(s) {', '.join(legacy_columns)}")
    elif without_ours:
        evidence.append(f"a fabric table without this plugin's columns ({', '.join(OWN_FABRIC_COLUMNS)})")
    if not evidence:
        return None

    line = None
    for candidate in LINES.values():
        shared = set(_SHARED_MIGRATIONS)
        if (recorded & (set(candidate.migrations) - shared) or set(candidate.tables) & tables
                or fabric_columns & set(candidate.fabric_columns)):
            line = candidate.key
            break
    # The predecessor's 0001_initial carries our first migration's name: it counts as one of its records when the
    # others are there, or when the fabric table is the predecessor's.
    names = recorded & known if line is None else recorded & set(LINES[line].migrations)
    if not legacy_records and not legacy_columns and not without_ours:
        names = set()
    return LegacySchema(line=line, migrations=_sorted_by_number(names), evidence=tuple(evidence))


def refuse_if_legacy(connection=None):
    """Raise CommandError with the upgrade instructions when the database holds the predecessor's schema."""
    from django.core.management.base import CommandError

    schema = detect(connection)
    if schema is not None:
        raise CommandError(schema.message)


def refuse_legacy_migrate(sender, using="default", **kwargs):
    """pre_migrate receiver: no migration runs on the predecessor's schema (the whole `migrate` stops)."""
    from django.db import connections

    refuse_if_legacy(connections[using])


def legacy_copies(connection=None):
    """The predecessor's tables an upgrade kept (renamed to LEGACY_PREFIX...), sorted."""
    if connection is None:
        from django.db import connection
    with connection.cursor() as cursor:
        return sorted(name for name in connection.introspection.table_names(cursor) if name.startswith(LEGACY_PREFIX))


# A database only moves from the predecessor's schema to ours (the upgrade), never back: once it is clean, the
# answer holds for the process; while it is legacy, it is looked at again every RECHECK_SECONDS, so the pages work
# again soon after `--apply` without a restart.
RECHECK_SECONDS = 10
_cache = {"clean": False, "schema": None, "checked": 0.0}
_cache_lock = threading.Lock()


def current_legacy_schema():
    """detect(), cached for the process as above; None when the check itself fails (NetBox reports that)."""
    if _cache["clean"]:
        return None
    with _cache_lock:
        if _cache["schema"] is not None and time.monotonic() - _cache["checked"] < RECHECK_SECONDS:
            return _cache["schema"]
        try:
            schema = detect()
        except Exception:
            return None
        _cache.update(clean=schema is None, schema=schema, checked=time.monotonic())
        return schema
