"""
Browser tests: the operator's path through the UI, in a real Chromium driven by Playwright.

The session starts its own stack with the machinery of `make demo` (dev/demo.sh) under .local/e2e:
NetBox runserver, a worker and the scheduler sidecar, on database netbox_hedgehog_e2e (copied from the
already migrated test database when it does not exist yet) and Redis databases 4 and 5. It also starts
two Kubernetes API emulators. These tests do not use pytest-django: run them on their own,

    NETBOX_CONFIGURATION=... python -m pytest tests/e2e -p no:django -o addopts=""

Each scenario saves a screenshot of its final page under tests/e2e/artifacts/ (and of the page it
failed on, as FAILED-<test>.png). With HEDGEHOG_E2E_TOUR=1 the screenshots are also copied to
docs/tour/, the pictures of docs/tour.md.
"""
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
import yaml

from tests.helpers import wait_for
from tests.processes import free_port

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Where the stack lives and which databases it uses; the defaults are those of `make e2e`.
STACK_DIR = Path(os.environ.get("HEDGEHOG_E2E_STACK_DIR", REPO / ".local" / "e2e"))
DATABASE = os.environ.get("HEDGEHOG_E2E_DB", "netbox_hedgehog_e2e")
REDIS_DB = int(os.environ.get("HEDGEHOG_E2E_REDIS_DB", "4"))  # and the next one, for the cache
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TOUR = REPO / "docs" / "tour"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CLUSTER_TOKEN = "e2e-cluster-token-3f9a1c7d5b"
VIEWER_USER = "e2e-viewer"
VIEWER_PASSWORD = "e2e-viewer-Password-1"
DRIFT_SWITCH = "spine-01"
DRIFT_DESCRIPTION = "changed by hand on the cluster"
# Each request to the "slow" cluster waits this long, so that a run lasts a few seconds and the page can be seen
# going from queued to running to done.
SLOW_CLUSTER_DELAY = 0.3


def stack_env(port=None):
    """The environment of dev/demo.sh and of `netbox` commands against the e2e stack."""
    env = {**os.environ, "HEDGEHOG_STACK_DIR": str(STACK_DIR), "HEDGEHOG_DEMO_DB": DATABASE,
           "HEDGEHOG_DEMO_REDIS_DB": str(REDIS_DB), "HEDGEHOG_TEMPLATE_DB": "test_netbox_hedgehog",
           "NETBOX_ROOT": str(STACK_DIR / "netbox"), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    if port:
        env["HEDGEHOG_DEMO_PORT"] = str(port)
    # `make e2e` runs pytest with the unit tests' configuration; the stack has its own in $NETBOX_ROOT/conf.
    env.pop("NETBOX_CONFIGURATION", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A child of ours that has exited but not been reaped still answers kill -0.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Stack:
    url: str
    admin_user: str
    admin_password: str
    admin_authorization: str = ""
    viewer_authorization: str = ""
    demo_fabric_id: int = 0
    worker: subprocess.Popen = None  # a worker this session restarted (dev/demo.sh started the first one)
    logs: dict = field(default_factory=dict)

    # --- the REST API, as a script would use it ------------------------------------------------------
    def api(self, method, path, body=None, authorization=None):
        data = json.dumps(body).encode() if body is not None else None
        request = Request(self.url + path, data=data, method=method, headers={
            "Authorization": authorization or self.admin_authorization, "Accept": "application/json",
            "Content-Type": "application/json"})
        try:
            with urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except HTTPError as error:
            payload = error.read()
            try:
                return error.code, json.loads(payload or b"null")
            except ValueError:
                return error.code, payload.decode(errors="replace")

    def fabric_id(self, name):
        status, data = self.api("GET", f"/api/plugins/hedgehog/fabrics/?name={name}")
        assert status == 200 and data["count"] == 1, (status, data)
        return data["results"][0]["id"]

    # --- the worker ----------------------------------------------------------------------------------
    @property
    def worker_pid_file(self):
        return STACK_DIR / "run" / "worker.pid"

    def worker_pid(self):
        try:
            pid = int(self.worker_pid_file.read_text())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def stop_worker(self):
        """SIGTERM the worker's process group (as dev/demo.sh down does) and wait until RQ has forgotten it."""
        pid = self.worker_pid()
        if pid:
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            wait_for(lambda: not pid_alive(pid), 30, message="the worker to stop")
        if self.worker is not None:
            self.worker.wait(10)
            self.worker = None
        self.worker_pid_file.unlink(missing_ok=True)
        wait_for(lambda: self.live_workers() == 0, 15, message="RQ to see no worker")

    def start_worker(self):
        """Start a worker as dev/demo.sh does (own process group, pid file, log in .local/e2e/log)."""
        if self.worker_pid():
            return
        log = open(STACK_DIR / "log" / "worker.log", "ab")
        self.worker = subprocess.Popen([str(BIN / "netbox"), "rqworker", "high", "default", "low"], cwd=REPO,
                                       env=stack_env(), stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.worker_pid_file.write_text(f"{self.worker.pid}\n")
        wait_for(lambda: self.live_workers() > 0, 60, interval=0.5, message="the restarted worker to register")

    def live_workers(self):
        import redis
        from rq import Worker

        connection = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
        try:
            return len(Worker.all(connection=connection))
        finally:
            connection.close()


def run(args, env, timeout, what):
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result.stdout


@pytest.fixture(scope="session")
def stack_lock():
    """One browser-test session per stack directory at a time: a second one waits for the first to finish."""
    import fcntl

    STACK_DIR.mkdir(parents=True, exist_ok=True)
    with open(STACK_DIR / "session.lock", "w") as lock:
        deadline = time.monotonic() + 900
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another browser-test session has held {STACK_DIR} for 15 minutes")
                time.sleep(1)
        yield
        fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def stack(stack_lock):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run dev/browser.sh (installs Debian's chromium)")
    port = free_port()
    env = stack_env(port)
    # Whatever an interrupted session left running goes first: its web server would hold another port.
    run(["dev/demo.sh", "down"], env, 120, "dev/demo.sh down")
    import redis

    for db in (REDIS_DB, REDIS_DB + 1):  # the stack's task and cache databases: queues and registrations of old runs
        connection = redis.Redis(host="127.0.0.1", port=6379, db=db)
        connection.flushdb()
        connection.close()
    stack = None
    try:
        stack = _start_stack(env, port)
        yield stack
    finally:  # also when the start failed half-way: nothing of the stack stays running
        if stack is not None and stack.worker is not None and stack.worker.poll() is None:
            stack.stop_worker()  # the worker a test restarted is our child: stop and reap it
        run(["dev/demo.sh", "down"], env, 120, "dev/demo.sh down")


def _start_stack(env, port):
    output = run(["dev/demo.sh", "up"], env, 1200, "dev/demo.sh up")
    match = re.search(r"password:\s*(\S+)", output)
    password = match.group(1) if match else (STACK_DIR / "admin-password").read_text().strip()
    stack = Stack(url=f"http://127.0.0.1:{port}", admin_user="admin", admin_password=password)
    wait_for(lambda: _answers(stack.url + "/login/"), 60, interval=0.5, message="NetBox to answer")
    setup_env = {**env, "E2E_ADMIN_USER": stack.admin_user, "E2E_VIEWER_USER": VIEWER_USER,
                 "E2E_VIEWER_PASSWORD": VIEWER_PASSWORD}
    output = run([str(BIN / "netbox"), "shell", "--no-imports", "-c",
                  "exec(open('tests/e2e/stack_setup.py').read())"], setup_env, 300, "tests/e2e/stack_setup.py")
    setup = json.loads(next(line for line in output.splitlines() if line.startswith("E2E-SETUP "))[10:])
    stack.admin_authorization = setup["admin_authorization"]
    stack.viewer_authorization = setup["viewer_authorization"]
    stack.demo_fabric_id = setup["demo_fabric_id"]
    wait_for(lambda: stack.live_workers() > 0, 120, interval=0.5, message="the worker to register")
    return stack


def _answers(url):
    try:
        with urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


# --- Hedgehog objects and the Kubernetes emulators -------------------------------------------------------

def _generate(directory):
    subprocess.run([str(BIN / "python"), "-m", "netbox_hedgehog.generator", "--name", "e2e", "--spines", "1",
                    "--leaves", "2", "--servers-per-leaf", "1", "--vpcs", "2", "--externals", "1", "--dir",
                    str(directory)], cwd=REPO, check=True, capture_output=True)
    objects = []
    for path in sorted(Path(directory).rglob("*.yaml")):
        objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return objects


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", *args],
                   check=True, capture_output=True)


@dataclass
class Fabrics:
    objects: list  # the generated fabric: what Git holds, and what the clusters serve
    slow_cluster: str  # emulator URL serving `objects`, each answer delayed
    drift_cluster: str  # emulator URL serving `objects` with DRIFT_SWITCH's description changed
    git_url: str  # file:// repository holding `objects`

    def names(self, kind):
        return sorted(o["metadata"]["name"] for o in self.objects if o["kind"] == kind)


class Emulator:
    def __init__(self, objects_file, token, delay=0.0):
        self.process = subprocess.Popen(
            [str(BIN / "python"), "-m", "tests.e2e.emulator", "--port", "0", "--objects", str(objects_file),
             "--token", token, "--delay", str(delay)],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline().strip() if ready else ""
        if not line.startswith("http"):
            self.stop()
            raise RuntimeError(f"the Kubernetes emulator did not start: {line!r}")
        self.url = line

    def reload(self):
        """Serve what the objects file holds now (see tests/e2e/emulator.py)."""
        self.process.send_signal(signal.SIGHUP)
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline().strip() if ready else ""
        if not line.startswith("reloaded"):
            raise RuntimeError(f"the Kubernetes emulator did not reload: {line!r}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def fabrics(tmp_path_factory):
    base = tmp_path_factory.mktemp("fabric")
    repo = base / "git"
    objects = _generate(repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "e2e fabric wiring")

    plain = base / "cluster.yaml"
    plain.write_text(yaml.safe_dump_all(objects))
    drifted = json.loads(json.dumps(objects))
    switch = next(o for o in drifted if o["kind"] == "Switch" and o["metadata"]["name"] == DRIFT_SWITCH)
    switch["spec"]["description"] = DRIFT_DESCRIPTION
    drifted_file = base / "cluster-drifted.yaml"
    drifted_file.write_text(yaml.safe_dump_all(drifted))

    slow = Emulator(plain, CLUSTER_TOKEN, delay=SLOW_CLUSTER_DELAY)
    drift = Emulator(drifted_file, CLUSTER_TOKEN)
    try:
        yield Fabrics(objects=objects, slow_cluster=slow.url, drift_cluster=drift.url, git_url=f"file://{repo}")
    finally:
        slow.stop()
        drift.stop()


# --- the browser ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    for stale in ARTIFACTS.glob("FAILED-*.png"):  # from an earlier session
        stale.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def login(page, user, password):
    page.goto("/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/login/" not in url, timeout=30_000)


def _context(browser, stack, storage_state=None):
    context = browser.new_context(base_url=stack.url, viewport={"width": 1440, "height": 900},
                                  storage_state=storage_state)
    context.set_default_timeout(20_000)
    return context


@pytest.fixture(scope="session")
def admin_state(browser, stack):
    context = _context(browser, stack)
    page = context.new_page()
    login(page, stack.admin_user, stack.admin_password)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def page(request, browser, stack, admin_state):
    """A page logged in as the admin user."""
    context = _context(browser, stack, admin_state)
    page = context.new_page()
    request.node.e2e_pages = [page]
    yield page
    context.close()


@pytest.fixture
def viewer_page(request, browser, stack):
    """A page logged in as the user who may view Hedgehog objects but not sync them."""
    context = _context(browser, stack)
    page = context.new_page()
    login(page, VIEWER_USER, VIEWER_PASSWORD)
    request.node.e2e_pages = [*getattr(request.node, "e2e_pages", []), page]
    yield page
    context.close()


def screenshot(page, name, keep_messages=False):
    """
    Save the page as tests/e2e/artifacts/<name>.png (and docs/tour/<name>.png with HEDGEHOG_E2E_TOUR=1).
    NetBox's message toasts float over the page; unless the message is the point, they are closed first.
    """
    if keep_messages:  # wait for the toasts to have faded in
        page.wait_for_function("""() => [...document.querySelectorAll('#django-messages .toast')]
            .every(t => t.classList.contains('show') && !t.classList.contains('showing'))""")
        page.wait_for_timeout(300)
    else:
        page.evaluate("document.querySelectorAll('#django-messages .toast').forEach(t => t.remove())")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("HEDGEHOG_E2E_TOUR") == "1":
        # The committed copy: 256 colours are plenty for NetBox's flat UI, and a third of the size.
        from PIL import Image

        TOUR.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
                TOUR / path.name, optimize=True)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for number, page in enumerate(getattr(item, "e2e_pages", [])):
            try:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{item.name}-{number}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - the page may be gone; the failure itself is what matters
                pass
