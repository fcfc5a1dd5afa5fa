"""
The predecessor's database layouts, for the upgrade tests: its tables in each of its two lines, declared as
Django models (Django created them the same way, so tables, indexes, sequences and constraints get the same
names), and its migration records as it left them.

Origin: the public repository afewell-hh/hh-netbox-plugin, models as declared on branch `flowtest` @ 705549aa70a1
(2025-08-15) and branch `main` @ 607a7287b875 (2026-05-14); the concrete kinds of its BaseCRD (VPC, Switch,
Connection, Server) from its 0001_initial / 0002_remaining_models; the planner's marker custom field and tag from
its services/device_generator.py. Field names, types and options are transcribed as facts; no code of it is copied.

`build()` runs inside `netbox shell` against a scratch copy of the test database: it drops this plugin's tables
and migration records and creates the predecessor's layout with a few rows (see tests/test_legacy_upgrade.py).
"""
import base64
import json
from datetime import timedelta
from pathlib import Path

from django.apps.registry import Apps
from django.db import connection, models
from django.utils import timezone

__all__ = ("ARGOCD_PASSWORD", "ENCRYPTED_GIT_TOKEN", "KUBERNETES_TOKEN", "LEGACY_SWITCH_ID",
           "PLAIN_GIT_TOKEN", "URL_PASSWORD", "build", "encrypt_credentials", "legacy_migrations", "legacy_models")

DATA = Path(__file__).resolve().parent / "data" / "legacy"

PLAIN_GIT_TOKEN = "plain-git-token-SECRET-1"
ENCRYPTED_GIT_TOKEN = "encrypted-git-token-SECRET-2"
KUBERNETES_TOKEN = "kubernetes-token-SECRET-3"
ARGOCD_PASSWORD = "argocd-admin-SECRET-4"
URL_PASSWORD = "url-password-SECRET-5"
# Legacy ids of synced objects, far above anything a test sync creates.
LEGACY_SWITCH_ID = 5000


# When the predecessor created the rows.
CREATED = timezone.now() - timedelta(days=400)


def _netbox(fields):
    """NetBoxModel's columns (its tags go through extras_taggeditem: no column)."""
    return {"id": models.BigAutoField(primary_key=True), "created": models.DateTimeField(null=True, default=CREATED),
            "last_updated": models.DateTimeField(null=True), "custom_field_data": models.JSONField(default=dict),
            **fields}


def _stubs(registry):
    """NetBox's own tables the predecessor's foreign keys point at (existing tables: never created here)."""
    stubs = {}
    for app_label, name, table, pk in (("users", "User", "users_user", models.BigAutoField),
                                       ("contenttypes", "ContentType", "django_content_type", models.AutoField),
                                       ("core", "Job", "core_job", models.BigAutoField),
                                       ("dcim", "DeviceType", "dcim_devicetype", models.BigAutoField),
                                       ("dcim", "ModuleType", "dcim_moduletype", models.BigAutoField)):
        meta = type("Meta", (), {"app_label": app_label, "db_table": table, "managed": False, "apps": registry})
        stubs[name] = type(name, (models.Model,), {"__module__": __name__, "Meta": meta,
                                                   "id": pk(primary_key=True)})
    return stubs


def _model(registry, name, fields, m2m_self=()):
    meta = type("Meta", (), {"app_label": "netbox_hedgehog", "apps": registry})
    attrs = {"__module__": __name__, "Meta": meta, **fields}
    for m2m in m2m_self:
        attrs[m2m] = models.ManyToManyField("self", blank=True, symmetrical=False)
    return type(name, (models.Model,), attrs)


def _fk(to, **options):
    return models.ForeignKey(to, on_delete=options.pop("on_delete", models.CASCADE), related_name="+", **options)


def _set_null(to):
    return models.ForeignKey(to, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")


def _text(**options):
    return models.TextField(blank=True, **options)


def _char(length, **options):
    return models.CharField(max_length=length, **options)


def _base_crd(flowtest):
    fields = {
        "fabric": _fk("netbox_hedgehog.HedgehogFabric"), "name": _char(253),
        "namespace": _char(253, default="default"), "spec": models.JSONField(),
        "labels": models.JSONField(default=dict), "annotations": models.JSONField(default=dict),
        "kubernetes_status": _char(20, default="unknown"), "kubernetes_uid": _char(36, blank=True),
        "kubernetes_resource_version": _char(50, blank=True), "last_applied": models.DateTimeField(null=True),
        "last_synced": models.DateTimeField(null=True), "sync_error": _text(),
        "auto_sync": models.BooleanField(default=True),
    }
    if flowtest:
        fields.update(raw_spec=models.JSONField(default=dict), git_file_path=_char(500, blank=True))
    return fields


def _fabric_fields(flowtest):
    fields = {
        "name": _char(100, unique=True), "description": _text(), "status": _char(20, default="planned"),
        "connection_status": _char(20, default="unknown"), "sync_status": _char(20, default="never_synced"),
        "kubernetes_server": models.URLField(blank=True), "kubernetes_token": _text(), "kubernetes_ca_cert": _text(),
        "kubernetes_namespace": _char(253, default="default"), "sync_enabled": models.BooleanField(default=True),
        "sync_interval": models.PositiveIntegerField(default=300), "last_sync": models.DateTimeField(null=True),
        "sync_error": _text(), "connection_error": _text(),
        **{name: models.PositiveIntegerField(default=0) for name in (
            "cached_crd_count", "cached_vpc_count", "cached_connection_count", "connections_count", "servers_count",
            "switches_count", "vpcs_count")},
    }
    if not flowtest:
        return fields
    integer, boolean, moment, json_field = (models.PositiveIntegerField, models.BooleanField,
                                            lambda: models.DateTimeField(null=True), models.JSONField)
    fields.update({
        "git_repository": _set_null("netbox_hedgehog.GitRepository"), "gitops_directory": _char(500, default="/"),
        "git_repository_url": models.URLField(blank=True, null=True), "git_branch": _char(100, default="main"),
        "git_path": _char(255, default="hedgehog/"), "git_username": _char(100, blank=True),
        "git_token": _char(255, blank=True), "desired_state_commit": _char(40, blank=True),
        "drift_status": _char(20, default="in_sync"), "drift_count": integer(default=0), "last_git_sync": moment(),
        "gitops_tool": _char(20, default="manual"), "gitops_app_name": _char(255, blank=True),
        "gitops_namespace": _char(255, blank=True), "argocd_installed": boolean(default=False),
        "argocd_version": _char(50, blank=True), "argocd_server_url": models.URLField(blank=True),
        "argocd_health_status": _char(20, default="unknown"), "argocd_installation_date": moment(),
        "argocd_admin_password": _char(255, blank=True), "gitops_setup_status": _char(30, default="not_configured"),
        "gitops_setup_error": _text(), "auto_sync_enabled": boolean(default=True),
        "prune_enabled": boolean(default=False), "self_heal_enabled": boolean(default=True),
        "scheduler_enabled": boolean(default=True), "scheduler_priority": _char(20, default="medium"),
        "sync_plan_version": integer(default=1), "last_scheduler_run": moment(),
        "sync_health_score": models.FloatField(default=1.0), "scheduler_metadata": json_field(default=dict),
        "active_sync_tasks": json_field(default=list), "last_task_execution": moment(),
        "task_execution_count": integer(default=0), "failed_task_count": integer(default=0),
        "watch_enabled": boolean(default=True), "watch_crd_types": json_field(default=list),
        "watch_status": _char(20, default="inactive"), "watch_started_at": moment(), "watch_last_event": moment(),
        "watch_event_count": integer(default=0), "watch_error_message": _text(),
        "gitops_initialized": boolean(default=False), "archive_strategy": _char(30, default="rename_with_extension"),
        "raw_directory_path": _char(500, blank=True), "managed_directory_path": _char(500, blank=True),
    })
    return fields


def _flowtest_models(registry, stubs):
    user = stubs["User"]
    git_repository = _model(registry, "GitRepository", _netbox({
        "name": _char(200), "url": models.URLField(max_length=500), "provider": _char(20, default="generic"),
        "authentication_type": _char(20, default="token"), "encrypted_credentials": _text(),
        "connection_status": _char(20, default="pending"), "last_validated": models.DateTimeField(null=True),
        "validation_error": _text(), "default_branch": _char(100, default="main"),
        "is_private": models.BooleanField(default=False), "fabric_count": models.PositiveIntegerField(default=0),
        "created_by": _set_null(user), "description": _text(), "validate_ssl": models.BooleanField(default=True),
        "timeout_seconds": models.PositiveIntegerField(default=30),
    }))
    fabric = _model(registry, "HedgehogFabric", _netbox(_fabric_fields(True)))
    resource = _model(registry, "HedgehogResource", _netbox({
        "fabric": _fk(fabric), "name": _char(253), "namespace": _char(253, default="default"), "kind": _char(50),
        "api_version": _char(100, default="unknown/v1"),
        "content_type": _fk(stubs["ContentType"], null=True, blank=True),
        "object_id": models.PositiveIntegerField(null=True), "desired_spec": models.JSONField(null=True),
        "desired_commit": _char(40, blank=True), "desired_file_path": _char(500, blank=True),
        "desired_updated": models.DateTimeField(null=True), "draft_spec": models.JSONField(null=True),
        "draft_updated": models.DateTimeField(null=True), "draft_updated_by": _set_null(user),
        "actual_spec": models.JSONField(null=True), "actual_status": models.JSONField(null=True),
        "actual_resource_version": _char(50, blank=True), "actual_updated": models.DateTimeField(null=True),
        "resource_state": _char(20, default="draft"), "last_state_change": models.DateTimeField(),
        "state_change_reason": _text(), "drift_status": _char(20, default="in_sync"),
        "drift_details": models.JSONField(default=dict), "drift_score": models.FloatField(default=0.0),
        "drift_severity": _char(20, blank=True), "last_reconciliation": models.DateTimeField(null=True),
        "reconciliation_attempts": models.PositiveIntegerField(default=0),
        "dependency_score": models.FloatField(default=0.0), "relationship_metadata": models.JSONField(default=dict),
        "last_synced_commit": _char(40, blank=True), "sync_attempts": models.PositiveIntegerField(default=0),
        "last_sync_error": _text(), "labels": models.JSONField(default=dict),
        "annotations": models.JSONField(default=dict), "first_seen": models.DateTimeField(),
        "last_drift_check": models.DateTimeField(null=True), "created_by": _set_null(user),
        "last_modified_by": _set_null(user),
    }), m2m_self=("dependent_resources",))
    history = _model(registry, "StateTransitionHistory", _netbox({
        "resource": _fk(resource), "from_state": _char(20), "to_state": _char(20), "trigger": _char(50),
        "reason": _text(), "context": models.JSONField(default=dict), "timestamp": models.DateTimeField(),
        "user": _set_null(user),
    }))
    alert = _model(registry, "ReconciliationAlert", _netbox({
        "fabric": _fk(fabric), "resource": _fk(resource), "alert_type": _char(50),
        "severity": _char(20, default="medium"), "status": _char(20, default="active"), "title": _char(200),
        "message": models.TextField(), "alert_context": models.JSONField(default=dict),
        "drift_details": models.JSONField(default=dict), "suggested_action": _char(30, default="manual_review"),
        "resolved_action": _char(30, blank=True), "resolution_metadata": models.JSONField(default=dict),
        "acknowledged_at": models.DateTimeField(null=True), "resolved_at": models.DateTimeField(null=True),
        "expires_at": models.DateTimeField(null=True), "created_by": _set_null(user),
        "acknowledged_by": _set_null(user), "resolved_by": _set_null(user),
        "queue_priority": models.PositiveIntegerField(default=100),
        "processing_attempts": models.PositiveIntegerField(default=0),
        "last_processing_attempt": models.DateTimeField(null=True), "processing_error": _text(),
        "batch_id": _char(100, blank=True),
    }), m2m_self=("related_alerts",))
    return [git_repository, fabric, resource, history, alert]


def _main_models(registry, stubs):
    fabric = _model(registry, "HedgehogFabric", _netbox(_fabric_fields(False)))
    plan = _model(registry, "TopologyPlan", _netbox({
        "name": _char(200), "customer_name": _char(200, blank=True), "description": _text(),
        "status": _char(50, default="draft"), "created_by": _set_null(stubs["User"]), "notes": _text(),
    }))
    breakout = _model(registry, "BreakoutOption", _netbox({
        "breakout_id": _char(50, unique=True), "from_speed": models.IntegerField(),
        "logical_ports": models.IntegerField(), "logical_speed": models.IntegerField(),
    }))
    extension = _model(registry, "DeviceTypeExtension", _netbox({
        "device_type": models.OneToOneField(stubs["DeviceType"], on_delete=models.CASCADE, related_name="+"),
        "mclag_capable": models.BooleanField(default=False), "hedgehog_roles": models.JSONField(default=list),
        "supported_breakouts": models.JSONField(default=list), "native_speed": models.IntegerField(null=True),
        "uplink_ports": models.IntegerField(null=True), "notes": _text(),
        "hedgehog_profile_name": _char(100, blank=True, null=True),
    }))
    server_class = _model(registry, "PlanServerClass", _netbox({
        "plan": _fk(plan), "server_class_id": _char(100), "description": _text(), "category": _char(50, blank=True),
        "server_device_type": _fk(stubs["DeviceType"], on_delete=models.PROTECT), "quantity": models.IntegerField(),
        "gpus_per_server": models.IntegerField(default=0), "notes": _text(),
    }))
    server_nic = _model(registry, "PlanServerNIC", _netbox({
        "server_class": _fk(server_class), "nic_id": _char(100),
        "module_type": _fk(stubs["ModuleType"], on_delete=models.PROTECT), "description": _text(),
    }))
    switch_class = _model(registry, "PlanSwitchClass", _netbox({
        "plan": _fk(plan), "switch_class_id": _char(100), "fabric_name": _char(50),
        "fabric_class": _char(16, default="managed"), "hedgehog_role": _char(50, blank=True),
        "device_type_extension": _fk(extension, on_delete=models.PROTECT),
        "uplink_ports_per_switch": models.IntegerField(null=True), "mclag_pair": models.BooleanField(default=False),
        "calculated_quantity": models.IntegerField(null=True), "override_quantity": models.IntegerField(null=True),
        "notes": _text(), "topology_mode": _char(20, default="spine_leaf", blank=True),
        "groups": models.JSONField(default=list), "redundancy_type": _char(50, blank=True, null=True),
        "redundancy_group": _char(100, blank=True, null=True),
    }))
    zone = _model(registry, "SwitchPortZone", _netbox({
        "switch_class": _fk(switch_class), "zone_name": _char(100), "zone_type": _char(50), "port_spec": _char(200),
        "breakout_option": _fk(breakout, on_delete=models.PROTECT, null=True, blank=True),
        "allocation_strategy": _char(50, default="sequential"), "allocation_order": models.JSONField(null=True),
        "priority": models.PositiveIntegerField(default=100),
        "transceiver_module_type": _set_null(stubs["ModuleType"]), "peer_zone": _set_null("self"),
    }))
    return [fabric, plan, breakout, extension, server_class, server_nic, switch_class, zone,
            _model(registry, "GenerationState", {
                "id": models.BigAutoField(primary_key=True),
                "plan": models.OneToOneField(plan, on_delete=models.CASCADE, related_name="+"),
                "generated_at": models.DateTimeField(), "device_count": models.IntegerField(),
                "interface_count": models.IntegerField(), "cable_count": models.IntegerField(),
                "snapshot": models.JSONField(), "status": _char(50, default="generated"),
                "job": _set_null(stubs["Job"]), "mismatch_report": models.JSONField(null=True, default=None),
            }),
            _model(registry, "NamingTemplate", _netbox({
                "plan": _fk(plan, null=True, blank=True), "device_category": _char(50), "pattern": _char(200),
                "description": _text(),
            })),
            _model(registry, "PlanMeshLink", {
                "id": models.BigAutoField(primary_key=True), "plan": _fk(plan), "fabric_name": _char(50, blank=True),
                "switch_class_a": _fk(switch_class), "switch_class_b": _fk(switch_class),
                "subnet": _char(20, blank=True), "link_index": models.IntegerField(default=0),
                "leaf1_port": _char(50, blank=True), "leaf2_port": _char(50, blank=True),
                "leaf1_name": _char(200, blank=True), "leaf2_name": _char(200, blank=True),
            }),
            _model(registry, "PlanServerConnection", _netbox({
                "server_class": _fk(server_class), "connection_id": _char(100),
                "nic": _fk(server_nic, on_delete=models.PROTECT), "port_index": models.IntegerField(default=0),
                "connection_name": _char(100, blank=True), "ports_per_connection": models.IntegerField(),
                "hedgehog_conn_type": _char(50, default="unbundled"), "distribution": _char(50, blank=True),
                "target_zone": _fk(zone, on_delete=models.PROTECT), "speed": models.IntegerField(),
                "rail": models.IntegerField(null=True), "port_type": _char(50, blank=True),
                "transceiver_module_type": _set_null(stubs["ModuleType"]),
            })),
            _model(registry, "PlanMCLAGDomain", _netbox({
                "plan": _fk(plan), "domain_id": _char(100), "switch_class": _fk(switch_class),
                "peer_link_count": models.IntegerField(), "session_link_count": models.IntegerField(),
                "peer_start_port": models.IntegerField(default=0), "session_start_port": models.IntegerField(default=0),
                "switch_group_name": _char(100), "redundancy_type": _char(50, default="mclag"),
            }))]


def legacy_migrations(line):
    """The predecessor's migration records of `line`, in the order it applied them (tests/data/legacy/)."""
    return (DATA / f"{line}-migrations.txt").read_text().split()


def legacy_models(line):
    """The predecessor's models of `line`, in an app registry of their own (so ours are untouched)."""
    registry = Apps()
    stubs = _stubs(registry)
    flowtest = line == "flowtest"
    declared = _flowtest_models(registry, stubs) if flowtest else _main_models(registry, stubs)
    kinds = [_model(registry, kind, _netbox(_base_crd(flowtest))) for kind in ("VPC", "Switch", "Connection", "Server")]
    return {model.__name__: model for model in declared + kinds}


def encrypt_credentials(credentials, secret_key):
    """What the predecessor stored in GitRepository.encrypted_credentials."""
    from cryptography.fernet import Fernet

    key = base64.urlsafe_b64encode(secret_key.encode("utf-8")[:32].ljust(32, b"\0"))
    return base64.b64encode(Fernet(key).encrypt(json.dumps(credentials).encode())).decode()


def _replace_our_schema():
    from netbox_hedgehog.models import HEDGEHOG_MODELS, HedgehogFabric

    with connection.schema_editor() as editor:
        for model in [*HEDGEHOG_MODELS, HedgehogFabric]:
            editor.delete_model(model)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'netbox_hedgehog'")


def _record_migrations(names):
    applied = CREATED
    with connection.cursor() as cursor:
        for index, name in enumerate(names):
            cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('netbox_hedgehog', %s, %s)",
                           [name, applied + timedelta(minutes=index)])


def _tag_fabric(fabric_id, slug):
    from django.contrib.contenttypes.models import ContentType

    from extras.models import Tag, TaggedItem

    tag, _ = Tag.objects.get_or_create(slug=slug, defaults={"name": slug})
    content_type = ContentType.objects.get(app_label="netbox_hedgehog", model="hedgehogfabric")
    TaggedItem.objects.create(tag=tag, content_type=content_type, object_id=fabric_id)


def _fabric_custom_field():
    """A custom field on fabrics (made while this plugin's fabric table is still there: NetBox fills it in)."""
    from core.models import ObjectType
    from extras.models import CustomField

    field = CustomField.objects.create(name="site_code", type="text", label="Site code")
    field.object_types.set([ObjectType.objects.get(app_label="netbox_hedgehog", model="hedgehogfabric")])


def _flowtest_rows(declared, git_url, secret_key):
    repository = declared["GitRepository"].objects.create(
        id=2, name="lab repository", url=git_url,
        encrypted_credentials=encrypt_credentials({"token": ENCRYPTED_GIT_TOKEN}, secret_key))
    stale = declared["GitRepository"].objects.create(
        id=4, name="old repository", url="https://git.example.com/old.git", validate_ssl=False,
        encrypted_credentials=encrypt_credentials({"token": "lost"}, "another-installation's-secret-key-0123456789"))
    fabric = declared["HedgehogFabric"].objects
    fabric.create(id=3, name="prod", description="Production fabric. " * 20, status="active",
                  kubernetes_server="https://prod-control:6443", kubernetes_token=KUBERNETES_TOKEN,
                  git_repository_url="https://git.example.com/fabrics.git", git_token=PLAIN_GIT_TOKEN,
                  git_path="hedgehog/", sync_interval=600, gitops_tool="argocd",
                  argocd_admin_password=ARGOCD_PASSWORD)
    fabric.create(id=7, name="gitops-lab", status="active", git_repository=repository, gitops_directory="/",
                  sync_interval=5, scheduler_priority="high")
    fabric.create(id=12, name="edge", status="planned", kubernetes_server="https://edge-control:6443",
                  git_repository_url="http://git.example.com/edge.git", sync_interval=120)
    fabric.create(id=15, name="archive", git_repository=stale, gitops_directory="/fabrics/archive/")
    fabric.create(id=18, name="insecure-only", git_repository_url="http://git.example.com/insecure.git")
    fabric.create(id=21, name="with-creds", git_path="",
                  git_repository_url=f"https://deployer:{URL_PASSWORD}@git.example.com/with-creds.git",
                  custom_field_data={"site_code": "AMS", "predecessor_only": "x"})
    _tag_fabric(7, "legacy-tag")
    switch = declared["Switch"].objects
    switch.create(id=LEGACY_SWITCH_ID, fabric_id=7, name="leaf-legacy", spec={"role": "server-leaf"})


def _main_rows(declared):
    from core.models import ObjectType
    from dcim.models import Cable, Device, DeviceRole, DeviceType, Interface, Manufacturer, Site
    from extras.models import CustomField, Tag

    fabric = declared["HedgehogFabric"].objects
    fabric.create(id=2, name="dc1", status="active", kubernetes_server="https://dc1-control:6443",
                  kubernetes_token=KUBERNETES_TOKEN, sync_interval=0)
    fabric.create(id=5, name="plan-only", status="planned")
    fabric.create(id=9, name="dc2", status="active", kubernetes_server="https://dc2-control:6443", sync_interval=3)
    plan = declared["TopologyPlan"].objects.create(id=1, name="Rack A design")

    # What the predecessor's planner leaves in NetBox: devices, interfaces and a cable, each with the plan's id in
    # its custom field and the generator's tag.
    field = CustomField.objects.create(name="hedgehog_plan_id", type="text", label="Hedgehog Plan ID")
    field.object_types.set(ObjectType.objects.filter(app_label="dcim", model__in=("device", "interface", "cable")))
    tag = Tag.objects.create(name="hedgehog-generated", slug="hedgehog-generated")
    site = Site.objects.create(name="Hedgehog", slug="hedgehog")
    manufacturer = Manufacturer.objects.create(name="Celestica", slug="celestica")
    device_type = DeviceType.objects.create(manufacturer=manufacturer, model="DS3000", slug="ds3000")
    role = DeviceRole.objects.create(name="Leaf", slug="leaf")
    marker = {"hedgehog_plan_id": str(plan.pk)}
    interfaces = []
    for name in ("leaf-01", "leaf-02"):
        device = Device.objects.create(name=name, site=site, device_type=device_type, role=role,
                                       custom_field_data=marker)
        device.tags.add(tag)
        interface = Interface.objects.create(device=device, name="E1/1", type="100gbase-x-qsfp28",
                                             custom_field_data=marker)
        interface.tags.add(tag)
        interfaces.append(interface)
    cable = Cable(a_terminations=[interfaces[0]], b_terminations=[interfaces[1]], label="leaf-01--leaf-02",
                  custom_field_data=marker)
    cable.save()
    cable.tags.add(tag)
    Device.objects.create(name="unrelated", site=site, device_type=device_type, role=role)


def build(line, *, git_url=""):
    """Turn this database (a copy of the test database) into one the predecessor's `line` left."""
    from django.conf import settings

    if line == "flowtest":
        _fabric_custom_field()
    _replace_our_schema()
    declared = legacy_models(line)
    with connection.schema_editor() as editor:
        for model in declared.values():
            editor.create_model(model)
    _record_migrations(legacy_migrations(line))
    if line == "flowtest":
        _flowtest_rows(declared, git_url, settings.SECRET_KEY)
    else:
        _main_rows(declared)
