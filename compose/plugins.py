# netbox-hedgehog for netbox-docker: copy to netbox-docker/configuration/plugins.py.
# Every setting and its default is described in the plugin's README ("Configuration").
PLUGINS = ["netbox_hedgehog"]

PLUGINS_CONFIG = {
    "netbox_hedgehog": {
        # Git URL schemes a fabric may use ("file" is for tests and the demo only).
        "git_allowed_schemes": ["https", "ssh"],
        # Clones of the fabrics' Git repositories; a cache, rebuilt when missing.
        "git_cache_dir": "/tmp/netbox-hedgehog/git-cache",
        # Seconds a sync run may take before RQ stops it.
        "sync_job_timeout": 1800,
        # Seconds between the scheduler sidecar's full reconciles and heartbeats.
        "scheduler_reconcile_interval": 60,
        "scheduler_heartbeat_interval": 5,
        # Username scheduled runs are attributed to in the change log ("" = none).
        "sync_user": "",
    },
}
