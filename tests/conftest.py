"""Shared test setup. The database is NetBox's real PostgreSQL test database (kept between runs
with --reuse-db); Redis is the real server, on the databases the test configuration names."""
import os

os.environ.setdefault("NETBOX_CONFIGURATION", "tests.netbox_configuration")
