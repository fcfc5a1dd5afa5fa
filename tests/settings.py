"""
Django settings for pytest: NetBox's own settings, read with the test configuration, against a
redis-server of the session's own (started here, before the configuration reads its port).
"""
import os

from tests.processes import session_redis

os.environ.setdefault("NETBOX_CONFIGURATION", "tests.netbox_configuration")
session_redis()

from netbox.settings import *  # noqa: E402,F401,F403
