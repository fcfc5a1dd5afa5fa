"""Django settings for pytest: NetBox's own settings, read with the test configuration."""
import os

os.environ.setdefault("NETBOX_CONFIGURATION", "tests.netbox_configuration")

from netbox.settings import *  # noqa: E402,F401,F403
