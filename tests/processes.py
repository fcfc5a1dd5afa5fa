"""
Real NetBox processes for tests: `netbox rqworker`, the scheduler sidecar, `netbox runserver`, all
reading the test configuration and the test database, each in its own process group so a test can
SIGKILL it (and its work horse) like a crashed container.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

__all__ = ("NetBoxProcess", "netbox_env", "wait_for")

REPO = Path(__file__).resolve().parents[1]
NETBOX = shutil.which("netbox", path=os.path.dirname(sys.executable)) or "netbox"


def netbox_env(**extra):
    env = {**os.environ, "NETBOX_CONFIGURATION": "tests.netbox_configuration", "PYTHONPATH": str(REPO),
           "HEDGEHOG_DB_NAME": connection.settings_dict["NAME"], "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    return env


def wait_for(condition, timeout, interval=0.1, message="condition"):
    """Poll `condition` until it returns something truthy; return that, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


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
