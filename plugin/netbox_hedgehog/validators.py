"""
Checks of what a user may type into a fabric's source fields, in one place: the model's clean() turns them
into field errors, and the sources run them again before they talk to anything (a fabric can change between
save and run). Plain Python: each raises ValueError with a sentence that names what is wrong.
"""
import posixpath
import re
import unicodedata
from urllib.parse import urlsplit

__all__ = ("GIT_FILE_MAX_LENGTH", "git_url_scheme", "validate_git_branch", "validate_git_path", "validate_git_url",
           "validate_kubernetes_url", "validate_namespace")

# The longest path of a file in a Git repository the plugin records (an object's `git_file` column).
GIT_FILE_MAX_LENGTH = 500

_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# "<transport>::<address>" makes git run a remote helper (ext:: runs any command).
_REMOTE_HELPER = re.compile(r"^[A-Za-z0-9+.-]+::")
# Git reads "[user@]host:path" as ssh when the colon comes before any slash.
_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?[^@/:]+:")
_BRANCH_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# A DNS name (one or more labels), an IPv4 address, or an IPv6 address (urlsplit strips the brackets).
_LABEL = r"[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*\.?$|^[0-9A-Fa-f:.]+$")


def validate_kubernetes_url(url):
    """
    Raise ValueError unless `url` is http(s)://host[:port][/path]: no credentials, query or fragment, and a
    host that may be a single label (in-cluster names like `kubernetes`).
    """
    parts = urlsplit(url or "")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if (parts.scheme not in ("http", "https") or not parts.hostname or not _HOSTNAME.match(parts.hostname)
            or parts.username or parts.password or parts.query or parts.fragment or port == 0
            or any(ch.isspace() for ch in url)):
        raise ValueError("Enter an http:// or https:// URL, e.g. https://control-1:6443.")


def validate_namespace(namespace):
    if not _DNS_LABEL.match(namespace or ""):
        raise ValueError("Enter a Kubernetes namespace name (lower-case letters, digits, '-').")


def _has_control_or_space(text):
    return any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def git_url_scheme(url):
    """The transport git would use for `url`: a URL scheme, "ssh" for scp-like, "file" for a path."""
    match = _URL_SCHEME.match(url)
    if match:
        return match.group(1).lower()
    if _SCP_LIKE.match(url):
        return "ssh"
    return "file"


def validate_git_url(url, allowed_schemes):
    """Raise ValueError unless `url` is a Git URL with an allowed scheme and nothing git could misread."""
    if not isinstance(url, str) or not url:
        raise ValueError("Git URL is empty")
    if url.startswith("-"):
        raise ValueError("Git URL must not start with '-'")
    if _has_control_or_space(url):
        raise ValueError("Git URL must not contain whitespace or control characters")
    if _REMOTE_HELPER.match(url):
        raise ValueError("Git URL must not use a '<transport>::' remote helper")
    allowed = tuple(s.lower() for s in allowed_schemes)
    scheme = git_url_scheme(url)
    if scheme not in allowed:
        shown = "local path" if scheme == "file" and not url.lower().startswith("file:") else f"scheme {scheme!r}"
        raise ValueError(f"Git URL {shown} is not allowed; allowed schemes: {', '.join(allowed)}")
    if _URL_SCHEME.match(url):
        parts = urlsplit(url)
        user, password, host = parts.username, parts.password, parts.hostname
        if scheme != "file" and not host:
            raise ValueError("Git URL has no host")
    elif scheme == "ssh":
        userinfo, _, host = url.split("/", 1)[0].rpartition("@")
        host = host.split(":", 1)[0]
        user, _, password = userinfo.partition(":")
        password = password or None
    else:
        return
    if password is not None or (scheme in ("http", "https") and user is not None):
        raise ValueError("Git URL must not contain credentials; put them in the username and password fields")
    # ssh would read a host or user starting with '-' as an option.
    if (host or "").startswith("-") or (user or "").startswith("-"):
        raise ValueError("Git URL host and user must not start with '-'")


def validate_git_branch(branch):
    """Raise ValueError unless `git check-ref-format --branch` would accept `branch`."""
    if not isinstance(branch, str) or not branch:
        raise ValueError("Git branch is empty")
    problem = ""
    if branch.startswith("-"):
        problem = "must not start with '-'"
    elif branch == "HEAD":
        problem = f"must not be {branch!r}"
    elif _BRANCH_FORBIDDEN.search(branch):
        problem = "must not contain whitespace, control characters or any of ~ ^ : ? * [ \\"
    elif "@{" in branch:
        problem = "must not contain '@{'"
    elif ".." in branch:
        problem = "must not contain '..'"
    elif branch.startswith("/") or branch.endswith("/") or "//" in branch:
        problem = "must not start or end with '/' or contain '//'"
    elif branch.endswith("."):
        problem = "must not end with '.'"
    else:
        for component in branch.split("/"):
            if component.startswith("."):
                problem = "no part of it may start with '.'"
            elif component.endswith(".lock"):
                problem = "no part of it may end with '.lock'"
    if problem:
        raise ValueError(f"Git branch {branch!r} is not valid: it {problem}")


def validate_git_path(path):
    """Raise ValueError unless `path` is "" or a normalized relative path inside the repository."""
    if not isinstance(path, str):
        raise ValueError("Git path must be a string")
    if path == "":
        return
    if _has_control_or_space(path.replace(" ", "")) or "\\" in path:
        raise ValueError("Git path must not contain control characters or backslashes")
    if path.startswith("/"):
        raise ValueError(f"Git path {path!r} must not start with '/': it is relative to the repository root")
    if path.startswith("-"):
        raise ValueError(f"Git path {path!r} must not start with '-'")
    if ".." in path.split("/"):
        raise ValueError(f"Git path {path!r} must not contain '..'")
    if ".git" in path.split("/"):
        raise ValueError(f"Git path {path!r} must not point into '.git'")
    if posixpath.normpath(path) != path:
        raise ValueError(f"Git path {path!r} is not normalized; write it as {posixpath.normpath(path)!r}")
