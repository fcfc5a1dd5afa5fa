"""
The Git source: Hedgehog objects from YAML files in a branch of a Git repository.

The repository is cloned (then fetched) into a per-fabric cache directory and read from a
detached checkout of the fetched branch head. The user's repository is only ever read. Only the run
(which holds the fabric's lock) touches the cache; "Test connection" asks the remote with `git ls-remote`.
Which files are read comes from the commit's tree (`git ls-tree`), and every file read must hash to the
blob the commit holds: a cache that someone deleted or damaged is cloned again, and a read that does not
match the commit is never synced (it would delete the objects it missed).
The whole load (fetch, checkout, reading) has one deadline, `source_timeout`.
URLs, branches and paths are validated before git runs, and the user's URL follows `--`, so
nothing the user typed can become a git option. Credentials reach git only
through an askpass helper and the environment of the git process: never the URL, the cache's
`.git/config`, a log line or an error message.

GitPython is imported inside the functions that run git, so importing this module is cheap.
"""
import base64
import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections import Counter
from pathlib import Path

from ..choices import OriginChoices
from ..schemas import CrdSchemas
from ..validators import validate_git_branch, validate_git_path, validate_git_url
from .documents import YAML_SUFFIXES, DocumentReader, Limits, LoadLimitError, validate
from .types import ConnectionReport, Deadline, FabricSource, Problem, SourceError, SourceSnapshot, redact

__all__ = ("CACHE_PREFIX", "GitSource", "fabric_cache_dir")

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
    variables for the git processes. `timeout` is the deadline of a whole load, in seconds; `limits`
    (documents.Limits) bound what the YAML may hold.
    """

    name = "git"
    label = "Git"
    role = OriginChoices.GIT

    def __init__(self, *, url, branch="main", path="", username="", password="", cache_dir,
                 allowed_schemes=("https", "ssh"), timeout=60, limits=None, ca_file=None, extra_env=None):
        self.url = url
        self.branch = branch
        self.path = path
        self.username = username or ""
        self.password = password or ""
        self.cache_dir = Path(cache_dir)
        self.allowed_schemes = tuple(allowed_schemes)
        self.timeout = timeout
        self.limits = limits or Limits()
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
                   limits=Limits.from_settings(setting))

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

    def load(self, crd_schemas=None):
        """Fetch the branch and return a SourceSnapshot of its objects, or raise SourceError. Objects are
        checked against `crd_schemas` (the cluster's CRDs), or the shipped CRDs."""
        self._validate()
        deadline = Deadline(self.timeout)
        with self._environment() as (env, _scratch):
            env.update(GIT_DIR=str(self._repo_dir / ".git"), GIT_WORK_TREE=str(self._repo_dir),
                       GIT_INDEX_FILE=str(self._repo_dir / ".git" / "index"))
            schemas = crd_schemas or CrdSchemas.shipped()
            try:
                for _attempt in range(2):
                    revision = self._fetch_and_checkout(env, deadline)
                    try:
                        return self._read_snapshot(revision, env, deadline, schemas)
                    except _CacheDamaged as exc:
                        damage = exc
                        # Someone deleted or changed files of the checkout: clone again, read what the commit holds.
                        shutil.rmtree(self._repo_dir, ignore_errors=True)
                raise self._error(f"the Git cache at {self._repo_dir} does not hold what commit {revision[:12]} "
                                  f"holds ({damage}), even after cloning it again")
            except _DeadlinePassed:
                raise self._error(f"timed out: reading {self.describe()} took longer than {self.timeout:g} s "
                                  "(setting source_timeout)") from None
            except LoadLimitError as exc:
                raise self._error(f"{self.describe()}: {exc}") from None

    def test_connection(self):
        """Whether the remote answers, takes the credentials and has the branch (`git ls-remote`). Reads no
        files and leaves the cache, which a running sync may be using, alone."""
        from git import Git

        try:
            self._validate()
            with self._environment() as (env, scratch):
                try:
                    heads = self._run(Git(scratch), ["ls-remote", "--heads", "--", self.url,
                                                     f"refs/heads/{self.branch}"], env, Deadline(self.timeout))
                except _GitFailed as exc:
                    raise self._error(_classify_git_error(exc.stderr, self.branch, self.url)) from None
        except _DeadlinePassed:
            return ConnectionReport(ok=False, message=f"Git: timed out: {self.url} did not answer within "
                                                      f"{self.timeout:g} s (setting source_timeout)")
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

    def _run(self, git, args, env, deadline, as_bytes=False):
        """git's output; the process gets what is left of `deadline` and is killed when it runs out."""
        from git.exc import GitCommandError

        remaining = deadline.remaining()
        if remaining <= 0:
            raise _DeadlinePassed()
        try:
            return git.execute([git.GIT_PYTHON_GIT_EXECUTABLE, *args], env=env, kill_after_timeout=remaining,
                               stdout_as_string=not as_bytes)
        except GitCommandError as exc:
            if deadline.expired:
                raise _DeadlinePassed() from None
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

    def _fetch_and_checkout(self, env, deadline):
        try:
            return self._update_cache(env, deadline)
        except _GitFailed:
            # A run killed half-way can leave the cache unusable: start it again from nothing.
            shutil.rmtree(self._repo_dir, ignore_errors=True)
            try:
                return self._update_cache(env, deadline)
            except _GitFailed as exc:
                raise self._error(f"cannot check out {self.branch!r} from {self.url} into the cache at "
                                  f"{self._repo_dir}: {_last_line(exc.stderr)}") from None

    def _update_cache(self, env, deadline):
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
        self._run(git, ["init", "--quiet"], env, deadline)
        remote_ref = f"refs/remotes/origin/{self.branch}"
        try:
            # A forced refspec, so a branch whose history was rewritten is followed.
            self._run(git, ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--depth=1",
                            "--", self.url, f"+refs/heads/{self.branch}:{remote_ref}"], env, deadline)
        except _GitFailed as exc:
            message = _classify_git_error(exc.stderr, self.branch, self.url)
            if existing and message.startswith("cannot reach"):
                raise  # possibly a damaged cache (git names no remote cause): the caller starts it again
            raise self._error(message) from None
        revision = self._run(git, ["rev-parse", "--verify", "--end-of-options", f"{remote_ref}^{{commit}}"],
                             env, deadline).strip()
        self._run(git, ["checkout", "--quiet", "--force", "--detach", revision], env, deadline)
        self._run(git, ["reset", "--quiet", "--hard", revision], env, deadline)
        self._run(git, ["clean", "-ffdxq"], env, deadline)
        return revision

    def _tree(self, revision, env, deadline):
        """{path: _Entry} of every file of the commit (`git ls-tree`), and Problems for unreadable names."""
        from git import Git

        try:
            listing = self._run(Git(str(self._repo_dir)), ["ls-tree", "-r", "-l", "-z", revision], env, deadline,
                                as_bytes=True)
        except _GitFailed as exc:
            raise _CacheDamaged(f"git cannot list the commit: {_last_line(exc.stderr)}") from None
        tree, problems = {}, []
        for record in listing.split(b"\0"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, kind, sha, size = meta.split()
            try:
                path = raw_path.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(Problem("the file name is not UTF-8 text; not read",
                                        file=raw_path.decode("utf-8", errors="replace")))
                continue
            if kind == b"blob":
                tree[path] = _Entry(path, mode.decode(), sha.decode(), int(size))
        return tree, problems

    def _read_snapshot(self, revision, env, deadline, crd_schemas):
        repo_root = self._repo_dir.resolve()
        tree, problems = self._tree(revision, env, deadline)
        self._check_symlinks_of_path(repo_root, tree)
        try:
            start = (repo_root / self.path).resolve() if self.path else repo_root
        except (OSError, RuntimeError):
            raise self._error(f"path {self.path!r} is a symlink loop") from None
        if not start.is_relative_to(repo_root) or ".git" in start.relative_to(repo_root).parts:
            raise self._error(f"path {self.path!r} leads outside the repository")
        prefix = start.relative_to(repo_root).as_posix()
        under = {path: entry for path, entry in tree.items()
                 if prefix in ("", ".") or path == prefix or path.startswith(prefix + "/")}
        if not under:
            raise self._error(f"path {self.path!r} not found in the repository ({self.branch!r} at {revision[:12]})")

        reader = DocumentReader(self.limits, deadline)
        to_read = []
        for path, entry in sorted(under.items()):
            target, problem = self._yaml_target(repo_root, entry, tree)
            if problem is None and target is not None:
                problem = reader.admit(path, target.size)
            if problem is not None:
                problems.append(problem)
            elif target is not None:
                to_read.append((path, target))
        objects, ignored = [], Counter()
        for path, target in to_read:
            if deadline.expired:
                raise _DeadlinePassed()
            file_objects, file_problems, file_ignored = reader.read(self._read_blob(repo_root, target), path)
            objects.extend(file_objects)
            problems.extend(file_problems)
            ignored.update(file_ignored)

        valid, set_problems = validate(objects, crd_schemas)
        return SourceSnapshot(
            source="git",
            objects=valid,
            problems=problems + set_problems,
            skipped_kinds={kind: f"not synced ({count} objects)" for kind, count in sorted(ignored.items())},
            revision=revision,
            crd_schemas=crd_schemas,
        )

    def _check_symlinks_of_path(self, repo_root, tree):
        """_CacheDamaged unless every symlink on the way to `path` in the checkout is one the commit holds, so
        that the path resolves on disk as it does in the commit."""
        parts = [part for part in self.path.split("/") if part not in ("", ".")]
        for depth in range(1, len(parts) + 1):
            step = "/".join(parts[:depth])
            entry = tree.get(step)
            if entry is not None and entry.is_symlink:
                try:
                    link = os.readlink(repo_root / step)
                except OSError:
                    raise _CacheDamaged(f"the symlink {step} is missing") from None
                if not entry.holds(os.fsencode(link)):
                    raise _CacheDamaged(f"the symlink {step} differs")
            elif os.path.islink(repo_root / step):
                raise _CacheDamaged(f"{step} is a symlink the commit does not hold")

    def _yaml_target(self, repo_root, entry, tree):
        """
        (the _Entry whose content `entry` stands for, or None when it is not a YAML file to read; a Problem or
        None). A symlink stands for its target inside the repository; one pointing outside is refused.
        Symlinked directories are not walked.
        """
        is_yaml = entry.path.lower().endswith(YAML_SUFFIXES)
        if not entry.is_symlink:
            return (entry if is_yaml else None), None
        full = repo_root / entry.path
        try:
            link = os.readlink(full)
        except OSError:
            raise _CacheDamaged(f"{entry.path} is missing") from None
        if not entry.holds(os.fsencode(link)):
            raise _CacheDamaged(f"the symlink {entry.path} differs")
        try:
            resolved = full.resolve()
        except (OSError, RuntimeError):
            return None, Problem("symlink loop; not read", file=entry.path)
        inside = resolved.is_relative_to(repo_root) and ".git" not in resolved.relative_to(repo_root).parts
        if not inside:
            if is_yaml or resolved.is_dir():
                return None, Problem("symlink points outside the repository; not read", file=entry.path)
            return None, None
        target = tree.get(resolved.relative_to(repo_root).as_posix())
        if not is_yaml or target is None or target.is_symlink:
            return None, None  # a directory, a dangling link, or not YAML
        return target, None

    def _read_blob(self, repo_root, entry):
        """The bytes of `entry` in the checkout; _CacheDamaged unless they are exactly the commit's blob."""
        try:
            descriptor = os.open(repo_root / entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            raise _CacheDamaged(f"{entry.path} cannot be opened") from None
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise _CacheDamaged(f"{entry.path} is not a file")
            chunks, left = [], entry.size + 1
            while left > 0:
                chunk = os.read(descriptor, min(left, 1024 * 1024))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        except OSError:
            raise _CacheDamaged(f"{entry.path} cannot be read") from None
        finally:
            os.close(descriptor)
        content = b"".join(chunks)
        if not entry.holds(content):
            raise _CacheDamaged(f"{entry.path} differs")
        return content


class _Entry:
    """One file of a commit's tree: path, mode, blob id and size."""

    def __init__(self, path, mode, sha, size):
        self.path, self.mode, self.sha, self.size = path, mode, sha, size

    @property
    def is_symlink(self):
        return self.mode == "120000"

    def holds(self, content):
        """Whether `content` is this blob (git's object id: the hash of a "blob <size>" header and the bytes)."""
        digest = hashlib.sha1 if len(self.sha) == 40 else hashlib.sha256
        return digest(b"blob %d\0" % len(content) + content).hexdigest() == self.sha


class _CacheDamaged(Exception):
    """The checkout does not hold what the commit holds."""


class _DeadlinePassed(Exception):
    """The load's deadline passed."""


class _GitFailed(Exception):
    def __init__(self, stderr):
        super().__init__(stderr)
        self.stderr = stderr
