"""
GitSource and the Git input validators against real repositories with real commits.

Remotes are bare repositories on disk (file transport) and one served over HTTPS by
`git http-backend` behind a small stdlib server with Basic auth. No database.
"""
import base64
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from netbox_hedgehog.sync.documents import Limits
from netbox_hedgehog.sync.git import GitSource, validate_git_branch, validate_git_path, validate_git_url
from netbox_hedgehog.sync.types import SourceError
from tests.gitrepo import GIT_ENV, git
from tests.helpers import SAMPLES_DIR as SAMPLES


def server(name):
    return {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Server", "metadata": {"name": name},
            "spec": {"description": f"server {name}"}}


@pytest.fixture
def make_source(tmp_path, remote):
    def make(**options):
        options.setdefault("url", remote.url)
        options.setdefault("allowed_schemes", ("https", "ssh", "file"))
        options.setdefault("timeout", 20)
        return GitSource(cache_dir=tmp_path / "cache", **options)
    return make


def names(snapshot):
    return sorted((obj.kind, obj.name) for obj in snapshot.objects)


def test_add_change_and_delete_between_commits(remote, make_source):
    remote.write("fabric/servers.yaml", [server("srv-1"), server("srv-2")])
    remote.write("README.md", "not yaml")
    first = remote.commit("two servers")
    source = make_source(path="fabric")
    snapshot = source.load()
    assert snapshot.source == "git" and snapshot.revision == first
    assert snapshot.problems == [] and names(snapshot) == [("Server", "srv-1"), ("Server", "srv-2")]
    assert snapshot.objects[0].location == "fabric/servers.yaml#1"

    changed = server("srv-1")
    changed["spec"]["description"] = "changed"
    remote.write("fabric/servers.yaml", [changed])
    remote.write("fabric/more/extra.yml", [server("srv-3")])
    second = remote.commit("change srv-1, delete srv-2, add srv-3")
    snapshot = source.load()
    assert snapshot.revision == second
    assert names(snapshot) == [("Server", "srv-1"), ("Server", "srv-3")]
    by_name = {obj.name: obj for obj in snapshot.objects}
    assert by_name["srv-1"].manifest["spec"]["description"] == "changed"
    assert [obj.location for obj in snapshot.objects] == ["fabric/more/extra.yml#1", "fabric/servers.yaml#1"]

    (remote.work / "fabric" / "more" / "extra.yml").unlink()
    third = remote.commit("delete srv-3")
    snapshot = source.load()
    assert snapshot.revision == third and names(snapshot) == [("Server", "srv-1")]


def test_force_pushed_branch_is_followed(remote, make_source):
    remote.write("servers.yaml", [server("srv-1")])
    remote.commit("one")
    remote.write("servers.yaml", [server("srv-1"), server("srv-2")])
    old_head = remote.commit("two")
    source = make_source()
    assert source.load().revision == old_head

    # Rewrite history: a new root commit replaces the branch on the remote.
    git("checkout", "--quiet", "--orphan", "rewritten", cwd=remote.work)
    git("rm", "--quiet", "-rf", ".", cwd=remote.work)
    remote.write("other.yaml", [server("srv-9")])
    new_head = remote.commit("rewritten", force=True)
    snapshot = source.load()
    assert snapshot.revision == new_head
    assert names(snapshot) == [("Server", "srv-9")]
    assert not (source.cache_dir / "repo" / "servers.yaml").exists()


def test_other_branch_and_repository_root(remote, make_source):
    remote.write("a.yaml", [server("on-main")])
    remote.commit()
    remote.write("a.yaml", [server("on-lab")])
    lab_head = remote.commit(branch="lab/env-1")
    snapshot = make_source(branch="lab/env-1", path="").load()
    assert snapshot.revision == lab_head and names(snapshot) == [("Server", "on-lab")]


def test_samples_with_problems(remote, make_source):
    remote.write("lab/wiring.yaml", (SAMPLES / "lab-ci_env-ci-1_wiring.yaml").read_text())
    remote.write("lab/wiring-gateway.yaml", (SAMPLES / "lab-ci_env-ci-1_wiring-gateway.yaml").read_text())
    remote.write("demo/pre-demo.yaml", (SAMPLES / "demo-gitops_env-1_pre-demo.yaml").read_text())
    remote.write("demo/demo.yaml", (SAMPLES / "demo-gitops_env-1_demo.yaml").read_text())
    remote.commit()

    lab = make_source(path="lab").load()
    assert lab.problems == [] and len(lab.objects) == 56
    assert lab.skipped_kinds == {}
    assert sorted(obj.name for obj in lab.objects if obj.kind in ("Gateway", "GatewayGroup")) == [
        "default", "gateway-1", "gateway-2"]

    demo = make_source(path="demo").load()
    assert {(p.kind, p.name) for p in demo.problems} == {
        ("VPCAttachment", "demo-vpc-1--server-1--mclag--s5248-01--s5248-02"),
        ("VPCAttachment", "demo-vpc-2--server-4--unbundled--s5248-02"),
        ("VPCAttachment", "demo-vpc-3--server-3--bundled--s5248-01"),
        ("ExternalPeering", "demo-vpc-1--default"),
    }
    assert {p.file for p in demo.problems} == {"demo/pre-demo.yaml", "demo/demo.yaml"}
    assert names(demo) == [("VPC", "demo-vpc-1"), ("VPC", "demo-vpc-2"), ("VPC", "demo-vpc-3"),
                           ("VPCPeering", "demo-vpc-1--demo-vpc-2")]


def test_per_file_problems_exclude_only_the_bad_objects(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    remote.write("b.yaml", [server("srv-1"), server("srv-2")])
    remote.write("c.yaml", "kind: [broken\n")
    remote.write("d.yaml", [{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}])
    remote.write("e.yaml", "# " + "x" * 2000 + "\n")
    remote.commit()
    snapshot = make_source(limits=Limits(max_file_size=1000)).load()
    assert [(obj.name, obj.location) for obj in snapshot.objects] == [("srv-1", "a.yaml#1"), ("srv-2", "b.yaml#2")]
    problems = {p.file: p for p in snapshot.problems}
    assert sorted(problems) == ["b.yaml", "c.yaml", "d.yaml", "e.yaml"]
    assert "a.yaml#1" in problems["b.yaml"].message and problems["b.yaml"].document == 1
    assert "malformed YAML" in problems["c.yaml"].message
    assert "unknown kind" in problems["d.yaml"].message
    assert "more than 1000 bytes (setting git_max_file_size)" in problems["e.yaml"].message


def test_symlinks_outside_the_repository_are_refused(remote, make_source, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(yaml.safe_dump(server("from-outside")))
    remote.write("real.yaml", [server("srv-1")])
    (remote.work / "link-inside.yaml").symlink_to("real.yaml")
    (remote.work / "link-outside.yaml").symlink_to(outside / "secret.yaml")
    (remote.work / "dir-outside").symlink_to(outside)
    (remote.work / "escape").symlink_to("../../outside")
    remote.commit()

    snapshot = make_source().load()
    assert all(obj.name != "from-outside" for obj in snapshot.objects)
    refused = sorted(p.file for p in snapshot.problems if "symlink points outside" in p.message)
    assert refused == ["dir-outside", "escape", "link-outside.yaml"]

    with pytest.raises(SourceError, match="leads outside the repository"):
        make_source(path="escape").load()


def test_wrong_branch(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    remote.commit()
    with pytest.raises(SourceError) as raised:
        make_source(branch="does-not-exist").load()
    assert str(raised.value) == f"branch 'does-not-exist' not found in {remote.url}"


def test_path_not_in_repository(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    remote.commit()
    with pytest.raises(SourceError, match="path 'fabric' not found in the repository"):
        make_source(path="fabric").load()


def test_unreachable_remotes(tmp_path, make_source):
    with pytest.raises(SourceError, match="no Git repository at"):
        make_source(url=(tmp_path / "missing.git").as_uri()).load()
    with pytest.raises(SourceError, match="cannot reach https://127.0.0.1:9/"):
        make_source(url="https://127.0.0.1:9/repo.git").load()


def test_a_remote_that_never_answers_times_out(make_source):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # connections queue up and are never answered
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/repo.git"
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"timed out: reading .* took longer than 1 s \(setting source_timeout\)"):
            make_source(url=url, timeout=1).load()
        assert time.monotonic() - started < 10


def test_scheme_not_allowed_by_default(remote, make_source):
    with pytest.raises(SourceError, match="not allowed"):
        make_source(allowed_schemes=("https", "ssh")).load()


def test_option_injection_is_refused_before_git_runs(remote, make_source, tmp_path, monkeypatch):
    # With no git on PATH, any attempt to run it would fail with a different error.
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    marker = tmp_path / "x"
    cases = [
        ({"branch": f"--upload-pack=touch {marker}"}, "must not start with '-'"),
        ({"url": f"-oProxyCommand=touch {marker}"}, "must not start with '-'"),
        ({"url": f"ext::sh -c touch% {marker}"}, "remote helper|whitespace"),
        ({"path": "../../etc"}, "must not contain '..'"),
        ({"path": "/etc"}, "must not start with '/'"),
        ({"url": "https://user:hunter2@example.com/repo.git"}, "username and password fields"),
    ]
    for options, message in cases:
        with pytest.raises(SourceError, match=message) as raised:
            make_source(**options).load()
        assert "hunter2" not in str(raised.value)
    assert not marker.exists()
    assert not (tmp_path / "cache" / "repo").exists()


def test_the_users_repository_is_not_written(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    remote.commit()
    before = git("for-each-ref", cwd=remote.bare), sorted(str(p) for p in remote.bare.rglob("*"))
    make_source().load()
    make_source().load()
    assert (git("for-each-ref", cwd=remote.bare), sorted(str(p) for p in remote.bare.rglob("*"))) == before


@pytest.mark.parametrize("url", [
    "https://github.com/githedgehog/fabric.git",
    "https://git.example.com:8443/org/repo",
    "ssh://git@git.example.com/org/repo.git",
    "git@github.com:org/repo.git",
    "github.com:org/repo.git",
])
def test_valid_urls(url):
    validate_git_url(url, ("https", "ssh"))


@pytest.mark.parametrize(("url", "message"), [
    ("", "empty"),
    ("http://example.com/repo.git", "scheme 'http' is not allowed"),
    ("git://example.com/repo.git", "scheme 'git' is not allowed"),
    ("file:///srv/repo.git", "scheme 'file' is not allowed"),
    ("/srv/repo.git", "local path is not allowed"),
    ("https://user:secret@example.com/repo.git", "username and password fields"),
    ("https://token@example.com/repo.git", "username and password fields"),
    ("ssh://git:secret@example.com/repo.git", "username and password fields"),
    ("-oProxyCommand=touch /tmp/x", "must not start with '-'"),
    ("https://example.com/repo.git --upload-pack=x", "whitespace"),
    ("https://example.com/repo\n.git", "whitespace or control"),
    ("ext::sh -c id", "whitespace"),
    ("ext::ssh", "remote helper"),
    ("fd::17", "remote helper"),
    ("https:///repo.git", "no host"),
    ("ssh://-oProxyCommand=x/repo.git", "must not start with '-'"),
    ("ssh://-oProxyCommand=x@host/repo.git", "must not start with '-'"),
    ("git@-oProxyCommand=x:repo.git", "must not start with '-'"),
    ("git:secret@github.com:org/repo.git", "username and password fields"),
])
def test_invalid_urls(url, message):
    with pytest.raises(ValueError, match=message):
        validate_git_url(url, ("https", "ssh"))


def test_file_urls_when_allowed():
    validate_git_url("file:///srv/repo.git", ("file",))
    validate_git_url("/srv/repo.git", ("https", "file"))


BRANCHES = ["main", "release/1.0", "feature/a-b_c", "v1.2.3", "-x", "--upload-pack=touch /tmp/x", "a..b", "a b",
            "a~1", "a^", "a:b", "a?", "a*", "a[b", "a\\b", "a/", "/a", "a//b", "a.", ".a", "a/.b", "a.lock",
            "a/b.lock/c", "a@{1}", "@", "HEAD", "a\tb", "a\x7fb", "@{-1}", "a@b", "ünïcode", "a.lock.b"]


@pytest.mark.parametrize("branch", BRANCHES)
def test_branch_validation_agrees_with_git(branch):
    accepted_by_git = subprocess.run(["git", "check-ref-format", "--branch", branch], env=GIT_ENV, cwd="/",
                                     capture_output=True).returncode == 0 and not branch.startswith("-")
    try:
        validate_git_branch(branch)
        accepted = True
    except ValueError as exc:
        assert repr(branch) in str(exc)
        accepted = False
    assert accepted == accepted_by_git


@pytest.mark.parametrize("path", ["", "fabric", "envs/env-1", "envs/with space", "a.yaml", "."])
def test_valid_paths(path):
    validate_git_path(path)


@pytest.mark.parametrize(("path", "message"), [
    ("../../etc", "'..'"),
    ("fabric/../../etc", "'..'"),
    ("..", "'..'"),
    ("/etc", "must not start with '/'"),
    ("-c", "must not start with '-'"),
    ("a//b", "not normalized"),
    ("./a", "not normalized"),
    ("a/", "not normalized"),
    (".git", "must not point into '.git'"),
    ("a/.git/config", "must not point into '.git'"),
    ("a\nb", "control"),
    ("a\\..\\b", "backslash"),
])
def test_invalid_paths(path, message):
    with pytest.raises(ValueError, match=message):
        validate_git_path(path)


# --- HTTPS with Basic auth: git http-backend behind a stdlib server --------------------------

USERNAME = "fabric-reader"
PASSWORD = "s3cret-Pa55word"


class GitHttpBackend(BaseHTTPRequestHandler):
    project_root = ""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def serve(self):
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = {
            "PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": self.project_root, "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command, "PATH_INFO": path, "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""), "REMOTE_USER": USERNAME,
            "REMOTE_ADDR": self.client_address[0],
        }
        result = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False)
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def https_remote(remote, tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    handler = type("Handler", (GitHttpBackend,), {"project_root": str(remote.bare.parent)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/{remote.bare.name}", ca_file
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_https_with_good_and_bad_credentials(remote, make_source, https_remote, tmp_path):
    url, ca_file = https_remote
    remote.write("a.yaml", [server("srv-1")])
    head = remote.commit()

    source = make_source(url=url, username=USERNAME, password=PASSWORD, ca_file=ca_file)
    snapshot = source.load()
    assert snapshot.revision == head and names(snapshot) == [("Server", "srv-1")]
    git_files = [p for p in (source.cache_dir / "repo" / ".git").rglob("*") if p.is_file()]
    assert not any(PASSWORD.encode() in p.read_bytes() for p in git_files)
    assert USERNAME not in (source.cache_dir / "repo" / ".git" / "config").read_text()

    with pytest.raises(SourceError) as raised:
        make_source(url=url, username=USERNAME, password="wrong-" + PASSWORD, ca_file=ca_file).load()
    assert str(raised.value) == f"authentication failed for {url}"

    with pytest.raises(SourceError, match="authentication failed"):
        make_source(url=url, ca_file=ca_file).load()

    with pytest.raises(SourceError, match="TLS|certificate") as raised:
        make_source(url=url, username=USERNAME, password=PASSWORD).load()
    assert PASSWORD not in str(raised.value)


def test_no_askpass_helper_is_left_behind(remote, make_source, https_remote, tmp_path, monkeypatch):
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    url, ca_file = https_remote
    remote.write("a.yaml", [server("srv-1")])
    remote.commit()
    make_source(url=url, username=USERNAME, password=PASSWORD, ca_file=ca_file).load()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_cache_is_recreated_when_broken(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    remote.commit()
    source = make_source()
    source.load()
    shutil.rmtree(source.cache_dir / "repo" / ".git")
    (source.cache_dir / "repo" / "stale.yaml").write_text(yaml.safe_dump(server("stale")))
    assert names(source.load()) == [("Server", "srv-1")]


def test_locks_left_by_a_killed_run_do_not_block_the_next(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    remote.commit()
    source = make_source()
    source.load()
    git_dir = source.cache_dir / "repo" / ".git"
    for lock in ("index.lock", "shallow.lock", "HEAD.lock", "refs/remotes/origin/main.lock"):
        (git_dir / lock).write_text("")
    remote.write("a.yaml", [server("srv-2")])
    head = remote.commit()
    snapshot = source.load()
    assert snapshot.revision == head and names(snapshot) == [("Server", "srv-2")]


def test_a_corrupted_cache_is_cloned_again(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    head = remote.commit()
    source = make_source()
    source.load()
    objects = source.cache_dir / "repo" / ".git" / "objects"
    for pack in objects.rglob("*"):
        if pack.is_file():
            pack.chmod(0o600)
            pack.write_bytes(b"garbage")
    snapshot = source.load()
    assert snapshot.revision == head and names(snapshot) == [("Server", "srv-1")]


# --- hostile repositories and a damaged cache ---------------------------------------------------

def test_symlink_loops_are_problems_not_crashes(remote, make_source):
    remote.write("real.yaml", [server("srv-1")])
    (remote.work / "loop.yaml").symlink_to("loop.yaml")
    (remote.work / "ping.yaml").symlink_to("pong.yaml")
    (remote.work / "pong.yaml").symlink_to("ping.yaml")
    (remote.work / "dir-loop").symlink_to("dir-loop")
    remote.commit()
    snapshot = make_source().load()
    assert names(snapshot) == [("Server", "srv-1")]
    assert sorted((p.file, p.message) for p in snapshot.problems) == [
        ("dir-loop", "symlink loop; not read"), ("loop.yaml", "symlink loop; not read"),
        ("ping.yaml", "symlink loop; not read"), ("pong.yaml", "symlink loop; not read")]
    with pytest.raises(SourceError, match="path 'dir-loop' is a symlink loop"):
        make_source(path="dir-loop").load()


def test_a_file_name_that_is_not_utf8_is_a_problem(remote, make_source):
    remote.write("real.yaml", [server("srv-1")])
    with open(os.path.join(os.fsencode(remote.work), b"caf\xe9.yaml"), "w") as handle:
        handle.write(yaml.safe_dump(server("latin-1")))
    remote.commit()
    snapshot = make_source().load()
    assert names(snapshot) == [("Server", "srv-1")]
    assert [(p.file, p.message) for p in snapshot.problems] == [
        ("caf\ufffd.yaml", "the file name is not UTF-8 text; not read")]


def test_the_bytes_of_a_load_are_counted_before_anything_is_read(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    remote.write("b.yaml", "kind: [never parsed\n" * 20)
    remote.commit()
    with pytest.raises(SourceError, match=r"hold more than 300 bytes \(setting git_max_bytes\)"):
        make_source(limits=Limits(max_bytes=300)).load()


def test_the_deadline_covers_the_whole_load_not_each_git_process(remote, make_source, tmp_path, monkeypatch):
    """Every git process takes 0.4 s: each is far below the 2 s deadline, the seven of a load are not."""
    remote.write("a.yaml", [server("srv-1")])
    remote.commit()
    wrappers = tmp_path / "slow-git"
    wrappers.mkdir()
    (wrappers / "git").write_text(f"#!/bin/sh\nsleep 0.4\nexec {shutil.which('git')} \"$@\"\n")
    (wrappers / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrappers}:{os.environ['PATH']}")
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"timed out: reading .* took longer than 2 s \(setting source_timeout\)"):
        make_source(timeout=2).load()
    assert time.monotonic() - started < 4
    monkeypatch.setenv("PATH", os.environ["PATH"].split(":", 1)[1])
    assert names(make_source(timeout=20).load()) == [("Server", "srv-1")]


class DamagingSource(GitSource):
    """A GitSource whose checkout someone damages right after each fetch, `times` times."""

    def __init__(self, damage, times, **options):
        super().__init__(**options)
        self.damage, self.times, self.fetches = damage, times, 0

    def _fetch_and_checkout(self, env, deadline):
        revision = super()._fetch_and_checkout(env, deadline)
        self.fetches += 1
        if self.fetches <= self.times:
            self.damage(self.cache_dir / "repo")
        return revision


def _delete(repo):
    (repo / "fabric" / "b.yaml").unlink()


def _truncate(repo):
    path = repo / "fabric" / "b.yaml"
    path.write_text(path.read_text()[:40])


def _replace_with_directory(repo):
    path = repo / "fabric" / "b.yaml"
    path.unlink()
    path.mkdir()


def _retarget_symlink(repo):
    link = repo / "fabric" / "link.yaml"
    link.unlink()
    link.symlink_to("a.yaml")


def _path_redirected(repo):
    """The fabric's path turned into a symlink to another directory of the same repository."""
    shutil.rmtree(repo / "fabric")
    (repo / "fabric").symlink_to("other")


DAMAGE = {"deleted": _delete, "truncated": _truncate, "replaced by a directory": _replace_with_directory,
          "symlink retargeted": _retarget_symlink, "path redirected": _path_redirected}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_cache_damaged_between_fetch_and_read_is_cloned_again(remote, tmp_path, damage):
    remote.write("fabric/a.yaml", [server("srv-1")])
    remote.write("fabric/b.yaml", [server("srv-2"), server("srv-3")])
    remote.write("fabric/c.txt", [server("srv-4")])  # read through link.yaml only
    (remote.work / "fabric" / "link.yaml").symlink_to("c.txt")
    remote.write("other/d.yaml", [server("srv-9")])
    head = remote.commit()
    options = {"url": remote.url, "allowed_schemes": ("file",), "cache_dir": tmp_path / "cache", "path": "fabric"}
    source = DamagingSource(DAMAGE[damage], times=1, **options)
    snapshot = source.load()
    assert source.fetches == 2  # the damaged checkout was thrown away and cloned again
    assert snapshot.revision == head and snapshot.problems == []
    assert [(obj.name, obj.location) for obj in snapshot.objects] == [
        ("srv-1", "fabric/a.yaml#1"), ("srv-2", "fabric/b.yaml#1"), ("srv-3", "fabric/b.yaml#2"),
        ("srv-4", "fabric/link.yaml#1")]


def test_a_cache_that_stays_damaged_fails_the_load_instead_of_reading_less(remote, tmp_path):
    remote.write("fabric/a.yaml", [server("srv-1")])
    remote.write("fabric/b.yaml", [server("srv-2")])
    head = remote.commit()
    source = DamagingSource(_delete, times=2, url=remote.url, allowed_schemes=("file",), cache_dir=tmp_path / "cache",
                            path="fabric")
    with pytest.raises(SourceError) as raised:
        source.load()
    assert str(raised.value) == (f"the Git cache at {tmp_path / 'cache' / 'repo'} does not hold what commit "
                                 f"{head[:12]} holds (fabric/b.yaml cannot be opened), even after cloning it again")


def test_a_cache_damaged_between_runs_is_repaired(remote, make_source):
    remote.write("a.yaml", [server("srv-1"), server("srv-2")])
    remote.commit()
    source = make_source()
    assert len(source.load().objects) == 2
    checkout = source.cache_dir / "repo" / "a.yaml"
    checkout.write_text(yaml.safe_dump(server("srv-1")))
    assert names(source.load()) == [("Server", "srv-1"), ("Server", "srv-2")]
    shutil.rmtree(source.cache_dir)
    assert names(source.load()) == [("Server", "srv-1"), ("Server", "srv-2")]


def test_test_connection_reads_no_files_and_leaves_the_cache_alone(remote, make_source):
    remote.write("a.yaml", [server("srv-1")])
    remote.write("laughs.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)))
    head = remote.commit()
    source = make_source()
    report = source.test_connection()
    assert report.ok and head[:12] in report.message
    assert not source.cache_dir.exists()
    source.load()
    before = sorted((str(p), p.stat().st_mtime_ns) for p in source.cache_dir.rglob("*"))
    assert source.test_connection().ok
    assert sorted((str(p), p.stat().st_mtime_ns) for p in source.cache_dir.rglob("*")) == before
