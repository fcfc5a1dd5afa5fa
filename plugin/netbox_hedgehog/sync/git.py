"""
The Git source: Hedgehog objects from YAML files in a branch of a Git repository.

The repository is cloned (then fetched) into a per-fabric cache directory and read from a
detached checkout of the fetched branch head. The user's repository is only ever read.
URLs, branches and paths are validated before git runs, and the user's URL follows `--`, so
nothing the user typed can become a git option. Credentials reach git only
through an askpass helper and the environment of the git process: never the URL, the cache's
`.git/config`, a log line or an error message.

GitPython is imported inside the functions that run git, so importing this module is cheap.
"""
import base64
import contextlib
import os
import shutil
import stat
import tempfile
from collections import Counter
from pathlib import Path

from ..choices import OriginChoices
from ..validators import validate_git_branch, validate_git_path, validate_git_url
from .documents import file_too_large, parse_documents, validate
from .types import ConnectionReport, FabricSource, Problem, SourceError, SourceSnapshot, redact

__all__ = ("CACHE_PREFIX", "GitSource", "fabric_cache_dir")

YAML_SUFFIXES = (".yaml", ".yml")
# Each fabric's clone lives in <git_cache_dir>/fabric-<id>/.
CACHE_PREFIX = "fabric-"


_ASKPASS_SCRIPT = """#!/bin/sh
# Answers git's credential prompts from the environment of this git process only.
case "$1" in
    Username*) [ -n "$HEDGEHOG_GIT_USERNAME" ] || exit 1; printf '%s\\n' "$HEDGEHOG_GIT_USERNAME" ;;
    *) [ -n "$HEDGEHOG_GIT_PASSWORD" ] || exit 1; printf '%s\\n' "$HEDGEHOG_GIT_PASSWORD" ;;
esac
"""


def fabric_cache_dir(root, fabric_id):
    return os.path.join(root, f"{CACHE_PREFIX}{fabric_id}")


def _classify_git_error(stderr, branch, url):
    """A user-facing message for a failed fetch, from git's stderr; "cannot reach" when the cause is unknown."""
    text = stderr.lower()
    if "couldn't find remote ref" in text or "could not find remote ref" in text:
        return f"branch {branch!r} not found in {url}"
    if any(s in text for s in ("authentication failed", "could not read username", "could not read password",
                               "permission denied", "http 401", "error: 401", "error: 403", " 403",
                               "invalid username or password", "terminal prompts disabled")):
        return f"authentication failed for {url}"
    if "timeout:" in text or "timed out" in text or "operation too slow" in text:
        return f"timed out talking to {url}"
    if "does not appear to be a git repository" in text or "repository not found" in text or "not found" in text:
        return f"no Git repository at {url}"
    if "certificate" in text or "ssl" in text:
        return f"TLS error talking to {url}: {_last_line(stderr)}"
    return f"cannot reach {url}: {_last_line(stderr)}"


def _last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "git failed"


class GitSource(FabricSource):
    """
    Reads one fabric's Hedgehog objects from a branch of a Git repository.

    `cache_dir` is the caller's per-fabric directory (the clone lives in its `repo` folder);
    `ca_file` is a CA bundle for an https remote (GIT_SSL_CAINFO); `extra_env` adds environment
    variables for the git processes. Files over `max_file_size` bytes are reported, not read.
    """

    name = "git"
    label = "Git"
    role = OriginChoices.GIT

    def __init__(self, *, url, branch="main", path="", username="", password="", cache_dir,
                 allowed_schemes=("https", "ssh"), timeout=30, max_file_size=10 * 1024 * 1024,
                 ca_file=None, extra_env=None):
        self.url = url
        self.branch = branch
        self.path = path
        self.username = username or ""
        self.password = password or ""
        self.cache_dir = Path(cache_dir)
        self.allowed_schemes = tuple(allowed_schemes)
        self.timeout = timeout
        self.max_file_size = max_file_size
        self.ca_file = ca_file
        self.extra_env = dict(extra_env or {})

    @classmethod
    def configured(cls, fabric):
        return bool(fabric.git_url)

    @classmethod
    def from_fabric(cls, fabric, setting):
        return cls(url=fabric.git_url, branch=fabric.git_branch, path=fabric.git_path, username=fabric.git_username,
                   password=fabric.git_password, cache_dir=fabric_cache_dir(setting("git_cache_dir"), fabric.pk),
                   allowed_schemes=tuple(setting("git_allowed_schemes")), timeout=setting("source_timeout"),
                   max_file_size=setting("git_max_file_size"))

    def describe(self):
        return f"{self.url} (branch {self.branch}, path {self.path or '/'!r})"

    # Secrets are scrubbed from anything that leaves this class.
    @property
    def secrets(self):
        if not self.password:
            return []
        pair = f"{self.username}:{self.password}"
        return [self.password, pair, base64.b64encode(pair.encode()).decode()]

    def _error(self, message):
        return SourceError(redact(message, self.secrets))

    def _validate(self):
        try:
            validate_git_url(self.url, self.allowed_schemes)
            validate_git_branch(self.branch)
            validate_git_path(self.path)
        except ValueError as exc:
            raise self._error(str(exc)) from None

    def load(self):
        """Fetch the branch and return a SourceSnapshot of its objects, or raise SourceError."""
        self._validate()
        revision = self._fetch_and_checkout()
        return self._read_snapshot(revision)

    def test_connection(self):
        """Whether the remote answers, takes the credentials and has the branch (`git ls-remote`). Reads no
        files and leaves the cache, which a running sync may be using, alone."""
        from git import Git

        try:
            self._validate()
            with self._environment() as (env, scratch):
                try:
                    heads = self._run(Git(scratch), ["ls-remote", "--heads", "--", self.url,
                                                     f"refs/heads/{self.branch}"], env)
                except _GitFailed as exc:
                    raise self._error(_classify_git_error(exc.stderr, self.branch, self.url)) from None
        except SourceError as exc:
            return ConnectionReport(ok=False, message=f"Git: {exc}")
        if not heads.strip():
            return ConnectionReport(ok=False, message=f"Git: branch {self.branch!r} not found in {self.url}")
        return ConnectionReport(ok=True, message=f"Git: branch {self.branch} of {self.url} is at commit "
                                                 f"{heads.split()[0][:12]}")

    @property
    def _repo_dir(self):
        # A directory of our own under the caller's cache dir, so it can be wiped safely.
        return self.cache_dir / "repo"

    def _config_env(self):
        """git config passed through the environment: it applies to this process only."""
        settings = [("protocol.allow", "never")]
        settings += [(f"protocol.{scheme}.allow", "always") for scheme in sorted(set(self.allowed_schemes))]
        settings += [
            ("credential.helper", ""),  # no helper may store or supply credentials
            ("core.hooksPath", os.devnull),
            ("advice.detachedHead", "false"),
            ("core.symlinks", "true"),
            ("gc.auto", "0"),
        ]
        env = {"GIT_CONFIG_COUNT": str(len(settings)), "GIT_CONFIG_PARAMETERS": ""}
        for number, (key, value) in enumerate(settings):
            env[f"GIT_CONFIG_KEY_{number}"] = key
            env[f"GIT_CONFIG_VALUE_{number}"] = value
        return env

    def _run(self, git, args, env):
        from git.exc import GitCommandError

        try:
            return git.execute([git.GIT_PYTHON_GIT_EXECUTABLE, *args], env=env, kill_after_timeout=self.timeout,
                               stdout_as_string=True)
        except GitCommandError as exc:
            stderr = exc.stderr if isinstance(exc.stderr, str) else str(exc.stderr or "")
            # Not chained: the GitPython error would carry the command line into tracebacks.
            raise _GitFailed(stderr.strip()) from None

    @contextlib.contextmanager
    def _environment(self):
        """(environment of every git process, a scratch directory outside any repository) for one operation."""
        scratch = tempfile.mkdtemp(prefix="hedgehog-git-")
        try:
            askpass = Path(scratch) / "askpass.sh"
            askpass.write_text(_ASKPASS_SCRIPT)
            askpass.chmod(stat.S_IRWXU)
            env = {
                "GIT_ASKPASS": str(askpass),
                "SSH_ASKPASS": str(askpass),
                "HEDGEHOG_GIT_USERNAME": self.username,
                "HEDGEHOG_GIT_PASSWORD": self.password,
                "GIT_TERMINAL_PROMPT": "0",
                # No inherited tracing may copy request headers (credentials) into stderr.
                "GIT_TRACE": "0", "GIT_TRACE_CURL": "0", "GIT_TRACE_PACKET": "0", "GIT_CURL_VERBOSE": "0",
                "GIT_TRACE_REDACT": "1",
                "GIT_HTTP_LOW_SPEED_LIMIT": "1000",
                "GIT_HTTP_LOW_SPEED_TIME": str(int(self.timeout)),
                "GIT_SSH_COMMAND": os.environ.get(
                    "GIT_SSH_COMMAND", f"ssh -o BatchMode=yes -o ConnectTimeout={int(self.timeout)}"),
                **self._config_env(),
            }
            if self.ca_file:
                env["GIT_SSL_CAINFO"] = str(self.ca_file)
            env.update(self.extra_env)
            yield env, scratch
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _fetch_and_checkout(self):
        repo_dir = self._repo_dir
        git_dir = repo_dir / ".git"
        with self._environment() as (env, _scratch):
            env.update(GIT_DIR=str(git_dir), GIT_WORK_TREE=str(repo_dir), GIT_INDEX_FILE=str(git_dir / "index"))
            try:
                return self._update_cache(env)
            except _GitFailed:
                # A run killed half-way can leave the cache unusable: start it again from nothing.
                shutil.rmtree(repo_dir, ignore_errors=True)
                try:
                    return self._update_cache(env)
                except _GitFailed as exc:
                    raise self._error(f"cannot check out {self.branch!r} from {self.url} into the cache at "
                                      f"{repo_dir}: {_last_line(exc.stderr)}") from None

    def _update_cache(self, env):
        """Fetch the branch into the cache and check out its head; returns the commit SHA.

        Raises SourceError for a failed fetch that is the remote's fault, _GitFailed for anything else.
        """
        from git import Git

        repo_dir = self._repo_dir
        git_dir = repo_dir / ".git"
        existing = git_dir.is_dir()
        if existing:
            # Only one run per fabric at a time, so any lock left here belongs to a killed run.
            for lock in [*git_dir.glob("*.lock"), *(git_dir / "refs").rglob("*.lock")]:
                lock.unlink(missing_ok=True)
        else:
            shutil.rmtree(repo_dir, ignore_errors=True)
            repo_dir.mkdir(parents=True)
        git = Git(str(repo_dir))
        self._run(git, ["init", "--quiet"], env)
        remote_ref = f"refs/remotes/origin/{self.branch}"
        try:
            # A forced refspec, so a branch whose history was rewritten is followed.
            self._run(git, ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--depth=1",
                            "--", self.url, f"+refs/heads/{self.branch}:{remote_ref}"], env)
        except _GitFailed as exc:
            message = _classify_git_error(exc.stderr, self.branch, self.url)
            if existing and message.startswith("cannot reach"):
                raise  # possibly a damaged cache (git names no remote cause): the caller starts it again
            raise self._error(message) from None
        revision = self._run(git, ["rev-parse", "--verify", "--end-of-options", f"{remote_ref}^{{commit}}"],
                             env).strip()
        self._run(git, ["checkout", "--quiet", "--force", "--detach", revision], env)
        self._run(git, ["reset", "--quiet", "--hard", revision], env)
        self._run(git, ["clean", "-ffdxq"], env)
        return revision

    def _read_snapshot(self, revision):
        repo_root = self._repo_dir.resolve()
        start = (repo_root / self.path).resolve() if self.path else repo_root
        if not start.is_relative_to(repo_root) or ".git" in start.relative_to(repo_root).parts:
            raise self._error(f"path {self.path!r} leads outside the repository")
        if not start.exists():
            raise self._error(f"path {self.path!r} not found in the repository ({self.branch!r} at {revision[:12]})")

        objects, problems, ignored = [], [], Counter()
        for relative, problem in self._yaml_files(repo_root, start):
            if problem:
                problems.append(problem)
                continue
            full = repo_root / relative
            size = full.stat().st_size
            too_large = file_too_large(relative, size, self.max_file_size)
            if too_large:
                problems.append(too_large)
                continue
            file_objects, file_problems, file_ignored = parse_documents(full.read_bytes(), relative)
            objects.extend(file_objects)
            problems.extend(file_problems)
            ignored.update(file_ignored)

        valid, set_problems = validate(objects)
        return SourceSnapshot(
            source="git",
            objects=valid,
            problems=problems + set_problems,
            skipped_kinds={kind: f"not synced ({count} objects)" for kind, count in sorted(ignored.items())},
            revision=revision,
        )

    def _yaml_files(self, repo_root, start):
        """(path relative to the repository, Problem or None) for each YAML file, sorted by path."""
        if start.is_file():
            candidates = [start]
        else:
            candidates = []
            for directory, dirnames, filenames in os.walk(start):
                dirnames[:] = [d for d in dirnames if d != ".git"]
                candidates.extend(Path(directory) / name for name in filenames)
                # Symlinked directories are not walked; one pointing outside is still reported.
                candidates.extend(Path(directory) / d for d in dirnames if (Path(directory) / d).is_symlink())
        found = []
        for candidate in candidates:
            relative = candidate.relative_to(repo_root).as_posix()
            is_yaml = candidate.suffix.lower() in YAML_SUFFIXES
            if candidate.is_symlink():
                target = candidate.resolve()
                inside = target.is_relative_to(repo_root) and ".git" not in target.relative_to(repo_root).parts
                if not inside and (is_yaml or target.is_dir()):
                    found.append((relative, Problem("symlink points outside the repository; not read", file=relative)))
                    continue
                if target.is_dir():
                    continue
            if is_yaml and candidate.is_file():
                found.append((relative, None))
        return sorted(found, key=lambda item: item[0])


class _GitFailed(Exception):
    def __init__(self, stderr):
        super().__init__(stderr)
        self.stderr = stderr
