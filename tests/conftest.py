"""
Fixtures the test modules share. The database is NetBox's real PostgreSQL test database (kept between runs
with --reuse-db); Redis is the session's own redis-server (tests/settings.py starts it, tests/processes.py
has the harness), on the databases the test configuration names. Plain helpers are in tests/helpers.py.
"""
import pytest

from tests.helpers import CLUSTER_TOKEN, LAB_WIRING, lab_objects


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

    def start(*args, name=None, env=None):
        process = NetBoxProcess(*args, log_dir=tmp_path, name=name, env=env).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def operator():
    """(a user, a notification group holding them): subscribe the group to an event with helpers.subscribe()."""
    from extras.models import NotificationGroup
    from users.models import User

    user = User.objects.create_user(username="operator")
    group = NotificationGroup.objects.create(name="fabric operators")
    group.users.add(user)
    return user, group


@pytest.fixture
def remote(tmp_path):
    """A real Git repository (bare, the user's) with a working clone to commit from (tests/gitrepo.py)."""
    from tests.gitrepo import Remote

    return Remote(tmp_path)


@pytest.fixture
def lab_repo(remote):
    """A real Git repository holding the lab-ci sample wiring."""
    remote.write("wiring.yaml", LAB_WIRING.read_text())
    remote.commit("lab")
    return remote


@pytest.fixture
def kube_emulator():
    """
    Start Kubernetes API emulators (tests/kube_emulator); all are stopped when the test ends. By default one
    serves the lab sample over TLS and wants CLUSTER_TOKEN; keyword arguments are KubeEmulator's.
    """
    from tests.kube_emulator import KubeEmulator

    started = []

    def start(objects=None, **options):
        options.setdefault("token", CLUSTER_TOKEN)
        options.setdefault("tls", True)
        emulator = KubeEmulator(lab_objects() if objects is None else objects, **options).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def cluster(kube_emulator):
    """The lab sample served over TLS by a Kubernetes API emulator that wants CLUSTER_TOKEN."""
    return kube_emulator()
