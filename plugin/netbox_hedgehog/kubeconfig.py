"""
A kubeconfig as the plugin accepts it: one context's API server, CA, and a bearer token or a client
certificate, all inline. What would make NetBox run a program (`exec`, `auth-provider`), read a file on its
own disk (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`) or go somewhere else
(`proxy-url`) is refused with a sentence naming the field, so a kubeconfig pasted by a user can only ever
point the client at its own server with its own credentials.

Plain Python: the model validates with it, the Kubernetes source connects with it.
"""
import base64
import binascii
from dataclasses import dataclass

import yaml

from .validators import validate_kubernetes_url
from .yamlio import YAMLLimitError, load_limited

__all__ = ("MAX_KUBECONFIG_BYTES", "KubeconfigTarget", "parse_kubeconfig")

# A kubeconfig of a few clusters is a few KiB and a few hundred YAML nodes, six levels deep.
MAX_KUBECONFIG_BYTES = 64 * 1024
MAX_DEPTH = 20
MAX_NODES = 20_000

_CLUSTER_REFUSED = {
    "certificate-authority": "a CA file on the NetBox host; paste it as certificate-authority-data",
    "proxy-url": "a proxy",
    "tls-server-name": "a TLS server name other than the server's",
}
_USER_REFUSED = {
    "exec": "a program to run for credentials",
    "auth-provider": "an authentication plugin",
    "tokenFile": "a token file on the NetBox host; paste the token as token",
    "client-certificate": "a certificate file on the NetBox host; paste it as client-certificate-data",
    "client-key": "a key file on the NetBox host; paste it as client-key-data",
    "username": "a username and password; use a token or a client certificate",
    "password": "a username and password; use a token or a client certificate",
    "as": "impersonation",
}


@dataclass(frozen=True)
class KubeconfigTarget:
    """Where one context of a kubeconfig points and how it authenticates."""

    context: str
    server: str
    ca_cert: str = ""  # PEM
    verify_tls: bool = True
    token: str = ""
    client_cert: str = ""  # PEM
    client_key: str = ""  # PEM
    namespace: str = ""

    @property
    def secrets(self):
        return [value for value in (self.token, self.client_key) if value]


def _mapping(value, what):
    if not isinstance(value, dict):
        raise ValueError(f"kubeconfig: {what} is not a mapping")
    return value


def _named(entries, name, what):
    """The body of the entry called `name` in a kubeconfig list (`clusters`, `users`, `contexts`)."""
    if not isinstance(entries, list):
        raise ValueError(f"kubeconfig: '{what}s' is not a list")
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == name:
            return _mapping(entry.get(what), f"{what} {name!r}")
    raise ValueError(f"kubeconfig: no {what} named {name!r}")


def _pem(value, field):
    """Inline `*-data` fields hold base64 of PEM text."""
    if not isinstance(value, str):
        raise ValueError(f"kubeconfig: {field} is not a string")
    try:
        text = base64.b64decode(value, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError(f"kubeconfig: {field} is not base64 of PEM text")
    if "-----BEGIN " not in text:
        raise ValueError(f"kubeconfig: {field} does not hold a PEM block")
    return text


def _refuse(body, refused, where):
    for key, what in refused.items():
        if body.get(key):
            raise ValueError(f"kubeconfig: {where} uses {key!r} ({what}), which the plugin does not allow")


def _load(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if len(text.encode("utf-8")) > MAX_KUBECONFIG_BYTES:
        raise ValueError(f"kubeconfig: larger than {MAX_KUBECONFIG_BYTES // 1024} KiB")
    try:
        data = load_limited(text, max_depth=MAX_DEPTH, max_nodes=MAX_NODES)
    except YAMLLimitError as exc:
        raise ValueError(f"kubeconfig: {exc}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"kubeconfig: not valid YAML{where}")
    return _mapping(data, "the document")


def parse_kubeconfig(text, context=""):
    """The KubeconfigTarget of `context` (default: the kubeconfig's current-context); ValueError if unusable."""
    config = _load(text)
    name = context or config.get("current-context")
    if not isinstance(name, str) or not name:
        raise ValueError("kubeconfig: no context given and no current-context set")
    context_body = _named(config.get("contexts"), name, "context")
    cluster_name, user_name = context_body.get("cluster"), context_body.get("user")
    if not isinstance(cluster_name, str) or not cluster_name:
        raise ValueError(f"kubeconfig: context {name!r} names no cluster")
    cluster = _named(config.get("clusters"), cluster_name, "cluster")
    _refuse(cluster, _CLUSTER_REFUSED, f"cluster {cluster_name!r}")
    server = cluster.get("server")
    if not isinstance(server, str):
        raise ValueError(f"kubeconfig: cluster {cluster_name!r} has no server")
    try:
        validate_kubernetes_url(server)
    except ValueError as exc:
        raise ValueError(f"kubeconfig: cluster {cluster_name!r} server: {exc}")
    insecure = cluster.get("insecure-skip-tls-verify", False)
    if not isinstance(insecure, bool):
        raise ValueError(f"kubeconfig: cluster {cluster_name!r} insecure-skip-tls-verify is not true or false")
    ca_data = cluster.get("certificate-authority-data")
    ca_cert = _pem(ca_data, f"cluster {cluster_name!r} certificate-authority-data") if ca_data else ""

    token = client_cert = client_key = ""
    if user_name:
        user = _named(config.get("users"), user_name, "user")
        _refuse(user, _USER_REFUSED, f"user {user_name!r}")
        token = user.get("token") or ""
        if not isinstance(token, str):
            raise ValueError(f"kubeconfig: user {user_name!r} token is not a string")
        cert_data, key_data = user.get("client-certificate-data"), user.get("client-key-data")
        if bool(cert_data) != bool(key_data):
            raise ValueError(f"kubeconfig: user {user_name!r} needs both client-certificate-data and "
                             "client-key-data")
        if cert_data:
            client_cert = _pem(cert_data, f"user {user_name!r} client-certificate-data")
            client_key = _pem(key_data, f"user {user_name!r} client-key-data")
    namespace = context_body.get("namespace") or ""
    return KubeconfigTarget(context=name, server=server, ca_cert=ca_cert, verify_tls=not insecure, token=token,
                            client_cert=client_cert, client_key=client_key,
                            namespace=namespace if isinstance(namespace, str) else "")
