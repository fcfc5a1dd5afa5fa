"""netbox_hedgehog: keep NetBox in step with Hedgehog Open Network Fabric installations."""
from django.core.exceptions import ImproperlyConfigured

from netbox.plugins import PluginConfig, get_plugin_config

__version__ = "0.1.0"

GIT_SCHEMES = ("https", "ssh", "file")


class HedgehogConfig(PluginConfig):
    name = "netbox_hedgehog"
    verbose_name = "Hedgehog"
    description = "Sync Hedgehog Open Network Fabric objects into NetBox"
    version = __version__
    author = "netbox-hedgehog developers"
    base_url = "hedgehog"
    min_version = "4.7.0"
    # Ahead of django_rq, so `netbox rqstats` is the plugin's extended version (see rqstats/__init__.py).
    django_apps = ["netbox_hedgehog.rqstats", "django_rq"]
    # The plugin's pages explain, instead of failing, while the database holds the predecessor's schema.
    middleware = ["netbox_hedgehog.middleware.LegacySchemaMiddleware"]
    # Every setting is documented in the README ("Configuration").
    default_settings = {
        # Git URL schemes a fabric may use. "file" is for tests and the demo only.
        "git_allowed_schemes": ["https", "ssh"],
        # Where Git sources are cloned, one folder per fabric.
        "git_cache_dir": "/tmp/netbox-hedgehog/git-cache",
        # Largest YAML file a Git source reads, in bytes.
        "git_max_file_size": 10 * 1024 * 1024,
        # Limits of one Git load (README, "Security"; sync/documents.py Limits): bytes of all YAML files, YAML
        # documents per file, YAML nodes (aliases expanded) of all files, objects.
        "git_max_bytes": 64 * 1024 * 1024,
        "git_max_documents": 10_000,
        "git_max_nodes": 10_000_000,
        "git_max_objects": 100_000,
        # Nesting levels and nodes (aliases expanded) of one YAML document.
        "yaml_max_depth": 64,
        "yaml_max_document_nodes": 100_000,
        # Smallest sync interval a fabric may be given, in seconds.
        "min_sync_interval": 10,
        # Seconds a whole load of one source (every request, git process and file read) may take.
        "source_timeout": 60,
        # Objects per page when listing from the Kubernetes API.
        "kubernetes_page_size": 500,
        # Limits of one Kubernetes load (sync/kubernetes.py KubernetesLimits): list pages and objects per kind,
        # bytes of one answer.
        "kubernetes_max_pages": 1000,
        "kubernetes_max_objects": 100_000,
        "kubernetes_max_response_size": 32 * 1024 * 1024,
        # Seconds a sync job may run before RQ stops it.
        "sync_job_timeout": 1800,
        # Seconds between the scheduler sidecar's full reconciles.
        "scheduler_reconcile_interval": 60,
        # Seconds between the scheduler sidecar's heartbeats.
        "scheduler_heartbeat_interval": 5,
        # Seconds between housekeeping runs (the sidecar's registration, on queue `low`): a run whose worker died
        # is closed within RQ's 90 s heartbeat expiry plus this.
        "housekeeping_interval": 20,
        # Username that scheduled runs are attributed to in the change log ("" = no user).
        "sync_user": "",
    }

    def ready(self):
        super().ready()
        validate_settings(get_plugin_config)
        from django.db.models.signals import pre_migrate

        from .legacy import refuse_legacy_migrate

        # Before any migration of a plan runs; management/commands/migrate.py checks even earlier.
        pre_migrate.connect(refuse_legacy_migrate, sender=self, dispatch_uid="netbox_hedgehog_legacy_schema")
        # Registers the housekeeping system job with NetBox's worker, and connects the receivers.
        from . import jobs, signals, widgets  # noqa: F401
        from .metrics import register_metrics
        from .notifications import register_event_types

        register_event_types()
        register_metrics()


def validate_settings(get):
    """Raise ImproperlyConfigured naming the first bad setting."""
    def bad(name, why):
        raise ImproperlyConfigured(f"PLUGINS_CONFIG['netbox_hedgehog']['{name}'] {why}")

    schemes = get("netbox_hedgehog", "git_allowed_schemes")
    if not isinstance(schemes, (list, tuple)) or not schemes:
        bad("git_allowed_schemes", "must be a non-empty list")
    for scheme in schemes:
        if scheme not in GIT_SCHEMES:
            bad("git_allowed_schemes", f"contains {scheme!r}; allowed values are {', '.join(GIT_SCHEMES)}")
    if not isinstance(get("netbox_hedgehog", "git_cache_dir"), str) or not get("netbox_hedgehog", "git_cache_dir"):
        bad("git_cache_dir", "must be a non-empty path")
    minimums = (("min_sync_interval", 1), ("git_max_file_size", 1), ("git_max_bytes", 1), ("git_max_documents", 1),
                ("git_max_nodes", 1), ("git_max_objects", 1), ("yaml_max_depth", 1), ("yaml_max_document_nodes", 1),
                ("source_timeout", 1), ("kubernetes_page_size", 1), ("kubernetes_max_pages", 1),
                ("kubernetes_max_objects", 1), ("kubernetes_max_response_size", 1024), ("sync_job_timeout", 10),
                ("scheduler_reconcile_interval", 1), ("scheduler_heartbeat_interval", 1), ("housekeeping_interval", 1))
    for name, minimum in minimums:
        value = get("netbox_hedgehog", name)
        if type(value) is not int or value < minimum:
            bad(name, f"must be an integer of at least {minimum}, not {value!r}")
    if not isinstance(get("netbox_hedgehog", "sync_user"), str):
        bad("sync_user", "must be a username string")


config = HedgehogConfig
