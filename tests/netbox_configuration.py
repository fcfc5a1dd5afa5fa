"""NetBox configuration for the test suite. Processes the tests start (rqworker, the sidecar,
runserver) read the same module, pointed at the test database through HEDGEHOG_DB_NAME."""
import os

ALLOWED_HOSTS = ["*"]
DEBUG = True
DEVELOPER = True
SECRET_KEY = "hedgehog-tests-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"
API_TOKEN_PEPPERS = {1: "hedgehog-tests-only-pepper-0123456789-abcdefghijklmnopqrstuvwxyz"}

DATABASES = {
    "default": {
        "NAME": os.environ.get("HEDGEHOG_DB_NAME", "netbox_hedgehog"),
        "USER": os.environ.get("HEDGEHOG_DB_USER", "postgres"),
        "PASSWORD": "",
        "HOST": os.environ.get("HEDGEHOG_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("HEDGEHOG_DB_PORT", "5432"),
        "CONN_MAX_AGE": 0,
    }
}

_REDIS_HOST = os.environ.get("HEDGEHOG_REDIS_HOST", "127.0.0.1")
_REDIS_PORT = int(os.environ.get("HEDGEHOG_REDIS_PORT", "6379"))
REDIS = {
    "tasks": {"HOST": _REDIS_HOST, "PORT": _REDIS_PORT, "DATABASE": int(os.environ.get("HEDGEHOG_REDIS_DB", "12")),
              "SSL": False, "USERNAME": "", "PASSWORD": ""},
    "caching": {"HOST": _REDIS_HOST, "PORT": _REDIS_PORT,
                "DATABASE": int(os.environ.get("HEDGEHOG_REDIS_CACHE_DB", "13")),
                "SSL": False, "USERNAME": "", "PASSWORD": ""},
}

PLUGINS = ["netbox_hedgehog"]
PLUGINS_CONFIG = {
    "netbox_hedgehog": {
        "git_allowed_schemes": ["https", "ssh", "file"],
        "git_cache_dir": os.environ.get("HEDGEHOG_GIT_CACHE_DIR", "/tmp/netbox-hedgehog-tests/git-cache"),
    }
}

METRICS_ENABLED = True
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Short scheduler periods so the process tests see reconciles, takeovers and housekeeping within seconds.
PLUGINS_CONFIG["netbox_hedgehog"].update({
    "scheduler_heartbeat_interval": 1,
    "scheduler_reconcile_interval": 3,
    "housekeeping_interval": 2,
})
