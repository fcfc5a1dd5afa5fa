"""Shared test setup. The database is NetBox's real PostgreSQL test database (kept between runs
with --reuse-db); Redis is the real server, on the databases the test configuration names."""
import os

os.environ.setdefault("NETBOX_CONFIGURATION", "tests.netbox_configuration")

import pytest  # noqa: E402


@pytest.fixture
def clean_redis():
    """Empty queues, registrations and heartbeats before and after the test (the test configuration's Redis db)."""
    from netbox_hedgehog.queues import redis_connection

    redis_connection().flushdb()
    yield
    redis_connection().flushdb()


@pytest.fixture
def processes(tmp_path):
    """Start `netbox <args>` processes (see tests/processes.py); all are stopped when the test ends."""
    from tests.processes import NetBoxProcess

    started = []

    def start(*args, name=None):
        process = NetBoxProcess(*args, log_dir=tmp_path, name=name).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def lab_repo(tmp_path):
    """A real Git repository holding the lab-ci sample wiring."""
    from tests.gitrepo import Remote
    from tests.hedgehog_data import HEDGEHOG_DATA

    remote = Remote(tmp_path)
    remote.write("wiring.yaml", (HEDGEHOG_DATA / "samples" / "lab-ci_env-ci-1_wiring.yaml").read_text())
    remote.commit("lab")
    return remote
