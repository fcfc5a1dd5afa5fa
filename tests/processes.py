"""
Real processes for tests: `netbox rqworker`, the scheduler sidecar, `netbox runserver`, all reading the
test configuration and the test database, each in its own process group so a test can SIGKILL it (and its
work horse) like a crashed container; and the test session's own `redis-server`, so that no test touches a
Redis it does not own (the shared one on 6379 may hold a demo stack's queues).
"""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

from tests.helpers import wait_for

__all__ = ("NetBoxProcess", "RedisServer", "free_port", "netbox_env", "session_redis")

REPO = Path(__file__).resolve().parents[1]
NETBOX = shutil.which("netbox", path=os.path.dirname(sys.executable)) or "netbox"


def netbox_env(**extra):
    env = {**os.environ, "NETBOX_CONFIGURATION": "tests.netbox_configuration", "PYTHONPATH": str(REPO),
           "HEDGEHOG_DB_NAME": connection.settings_dict["NAME"], "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """In the child, before exec: get SIGTERM when the process that started it dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


class RedisServer:
    """
    A `redis-server` of the tests' own on 127.0.0.1: no persistence (a restart comes back empty, like a
    restarted Redis without a disk), and it dies with the process that started it.
    """

    def __init__(self, port=None):
        self.port = port or free_port()
        self.directory = tempfile.mkdtemp(prefix=f"hedgehog-redis-{self.port}-")
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run `make services` (installs it with apt)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory, "--logfile", os.path.join(self.directory, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        wait_for(self.answers, 10, interval=0.02, message=f"redis-server on port {self.port}")
        return self

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db=0):
        from redis import Redis

        return Redis(host="127.0.0.1", port=self.port, db=db)

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, kill=False):
        """Stop the server (SIGKILL with kill=True, as a crash would); what it held is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            self.process.wait(10)
        self.process = None

    def restart(self, kill=False):
        self.stop(kill=kill)
        return self.start()


_session_redis = None


def session_redis():
    """
    The test session's redis-server, started on first use; its port goes into HEDGEHOG_REDIS_PORT, which the
    test configuration and every process a test starts read.
    """
    global _session_redis
    if _session_redis is None:
        _session_redis = RedisServer().start()
        os.environ["HEDGEHOG_REDIS_PORT"] = str(_session_redis.port)
    return _session_redis


class NetBoxProcess:
    """`netbox <args>` as a child process group; output goes to a log file the test can show on failure."""

    def __init__(self, *args, log_dir, name=None, env=None):
        self.args = args
        self.name = name or args[0]
        self.log_path = Path(log_dir) / f"{self.name}-{time.monotonic_ns()}.log"
        self.env = env or netbox_env()
        self.process = None

    def start(self):
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen([NETBOX, *self.args], cwd=REPO, env=self.env, stdout=self.log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def signal(self, signum):
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    def _children(self):
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    @staticmethod
    def _kill_groups(pids):
        for pid in pids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kill(self):
        """SIGKILL the process, its group, and its children: RQ's work horse runs in a group of its own."""
        horses = self._children()
        self.signal(signal.SIGKILL)
        self._kill_groups(horses)
        self.process.wait(10)

    def stop(self, timeout=15):
        if self.alive():
            horses = self._children()
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
            self._kill_groups(horses)
        self.log_file.close()
        return self.process.returncode

    def wait(self, timeout):
        return self.process.wait(timeout)

    def output(self):
        return self.log_path.read_text(errors="replace")
