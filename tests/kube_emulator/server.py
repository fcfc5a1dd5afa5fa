"""
A small Kubernetes API server for tests: just what the plugin's Kubernetes source uses.

It serves Hedgehog custom resources from memory the way kube-apiserver does: API discovery per
group/version, namespaced and cluster-wide lists with `limit`/`continue` pagination and a list
`resourceVersion`, single-object GETs, the installed CRD objects themselves (apiextensions.k8s.io/v1,
from the manifests shipped with the plugin, or ones a test gives), 404 for CRDs that are not installed,
bearer-token auth (401) or client-certificate auth, a forbidden mode (403) and TLS with its own CA. Fault
injection (error statuses, delays, a connection dropped mid-list, garbage bodies, expired
continue tokens) lets tests provoke every failure the source must report. It runs in a thread
of the test process or as its own process (`python -m tests.kube_emulator`).
"""
import base64
import copy
import json
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from netbox_hedgehog.kinds import AGENT, KINDS
from netbox_hedgehog.schemas import load_crd_manifests

__all__ = ("EMULATED_KINDS", "KubeEmulator", "LoggedRequest")

EMULATED_KINDS = {k.kind: k for k in (*KINDS, AGENT)}
_KINDS_BY_GROUP_PLURAL = {(k.group, k.plural): k for k in EMULATED_KINDS.values()}


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]


def _status_body(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
            410: "Expired", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
            504: "Timeout"}


class _Faults:
    """What the emulator is told to do wrong. Guarded by the emulator's lock."""

    def __init__(self):
        self.fail_status = None
        self.fail_times = None  # None: every matching request until reset
        self.fail_path_contains = None
        self.delay_seconds = 0.0
        self.die_after_pages = None  # list pages still served before the connection drops
        self.garbage_times = 0
        self.continue_epoch = 0  # bumped to make every continue token issued so far expire


class KubeEmulator:
    """
    An in-memory Kubernetes API for Hedgehog kinds.

    `objects` are manifests (apiVersion, kind, metadata, spec, ...) of kinds in KINDS or Agent; a
    missing namespace becomes "default". `crds` names the kinds whose CRD is installed (default:
    all of them); lists of other kinds answer 404 like a cluster without that CRD. `crd_manifests` replaces
    the CRD object served for some kinds ({kind: manifest}); with `crds_readable=False` reading a CRD object
    answers 403, as for a token that may list Hedgehog objects but not CRDs.
    """

    def __init__(self, objects=(), crds=None, token=None, forbidden=False, tls=False, host="127.0.0.1", port=0,
                 tls_dir=None, client_certs=False, crd_manifests=None, crds_readable=True):
        self.crds = set(EMULATED_KINDS) if crds is None else set(crds)
        unknown = self.crds - set(EMULATED_KINDS)
        if unknown:
            raise ValueError(f"unknown kinds in crds: {sorted(unknown)}")
        self.token = token
        self.forbidden = forbidden
        self.crd_manifests = {**load_crd_manifests(), **(crd_manifests or {})}
        self.crds_readable = crds_readable
        self.tls = tls
        self.host = host
        self.port = port
        self.tls_dir = Path(tls_dir) if tls_dir else None
        self.ca_pem = ""
        # With client_certs (TLS only), a request must present a certificate the emulator's CA issued, like a
        # kube-apiserver started with --client-ca-file; client_cert_pem and client_key_pem hold one such pair.
        self.client_certs = client_certs
        self.client_cert_pem = self.client_key_pem = ""
        self.requests: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._faults = _Faults()
        self._store = {}  # (kind, namespace, name) -> manifest
        self._raw_items = {}  # kind -> items served as they are, after the stored ones (see add_raw_items)
        self._resource_version = 1000
        self._server = None
        self._thread = None
        self._ssl_context = None
        self.set_objects(objects)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self):
        if self.tls:
            self._ssl_context = self._make_ssl_context()
        self._server = _Server((self.host, self.port), _Handler, emulator=self, ssl_context=self._ssl_context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"kube-emulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        scheme = "https" if self.tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def _make_ssl_context(self):
        if self.tls_dir is not None:
            ca_path, cert_path, key_path = (self.tls_dir / n for n in ("ca.pem", "server.pem", "server-key.pem"))
            if not (ca_path.exists() and cert_path.exists() and key_path.exists()):
                self._write_new_certificates(ca_path, cert_path, key_path)
            self.ca_pem = ca_path.read_text()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_path, key_path)
            return context
        import trustme

        ca = trustme.CA()
        self.ca_pem = ca.cert_pem.bytes().decode()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._issue_server_cert(ca).configure_cert(context)
        if self.client_certs:
            client = ca.issue_cert("hedgehog-reader@example.invalid")
            self.client_cert_pem = client.cert_chain_pems[0].bytes().decode()
            self.client_key_pem = client.private_key_pem.bytes().decode()
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(cadata=self.ca_pem)
        return context

    def _issue_server_cert(self, ca):
        names = {"127.0.0.1", "localhost", "::1", self.host}
        return ca.issue_cert(*sorted(n for n in names if n not in ("0.0.0.0", "::")))

    def _write_new_certificates(self, ca_path, cert_path, key_path):
        import trustme

        self.tls_dir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        server_cert = self._issue_server_cert(ca)
        ca.cert_pem.write_to_path(str(ca_path))
        server_cert.cert_chain_pems[0].write_to_path(str(cert_path))
        for extra in server_cert.cert_chain_pems[1:]:
            extra.write_to_path(str(cert_path), append=True)
        server_cert.private_key_pem.write_to_path(str(key_path))
        key_path.chmod(0o600)

    # --- state -----------------------------------------------------------------------------

    def set_objects(self, objects):
        """Replace the whole store, as if the cluster had been wiped and refilled."""
        with self._lock:
            self._store = {}
            for manifest in objects:
                self._put(manifest)

    def upsert(self, manifest):
        """Create or update one object; returns the stored copy (with uid, resourceVersion, ...)."""
        with self._lock:
            return copy.deepcopy(self._put(manifest))

    def delete(self, kind, name, namespace="default"):
        with self._lock:
            return self._store.pop((kind, namespace, name), None) is not None

    def get(self, kind, name, namespace="default"):
        with self._lock:
            stored = self._store.get((kind, namespace, name))
            return copy.deepcopy(stored) if stored else None

    @property
    def resource_version(self):
        with self._lock:
            return str(self._resource_version)

    def _put(self, manifest):
        kind = manifest.get("kind")
        if kind not in EMULATED_KINDS:
            raise ValueError(f"the emulator does not serve kind {kind!r}")
        manifest = copy.deepcopy(manifest)
        metadata = manifest.setdefault("metadata", {})
        if not metadata.get("name"):
            raise ValueError(f"{kind} without metadata.name")
        metadata.setdefault("namespace", "default")
        manifest.setdefault("apiVersion", EMULATED_KINDS[kind].api_version)
        key = (kind, metadata["namespace"], metadata["name"])
        previous = self._store.get(key)
        if previous is not None:
            old_metadata = previous["metadata"]
            if _without_server_fields(previous) == _without_server_fields(manifest):
                return previous
            metadata["uid"] = old_metadata["uid"]
            metadata["creationTimestamp"] = old_metadata["creationTimestamp"]
            spec_changed = previous.get("spec") != manifest.get("spec")
            metadata["generation"] = old_metadata["generation"] + (1 if spec_changed else 0)
        else:
            metadata.setdefault("uid", str(uuid.uuid4()))
            metadata.setdefault("creationTimestamp", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            metadata.setdefault("generation", 1)
        self._resource_version += 1
        metadata["resourceVersion"] = str(self._resource_version)
        self._store[key] = manifest
        return manifest

    # --- fault injection -------------------------------------------------------------------

    def fail_with(self, status_code, times=None, path_contains=None):
        """Answer `status_code` to the next `times` requests (all, if None) whose path contains `path_contains`."""
        with self._lock:
            self._faults.fail_status = status_code
            self._faults.fail_times = times
            self._faults.fail_path_contains = path_contains

    def delay(self, seconds):
        """Wait this long before answering each request (to provoke client timeouts)."""
        with self._lock:
            self._faults.delay_seconds = seconds

    def die_after_pages(self, n):
        """Serve `n` more list pages, then drop the connection in the middle of every further list response."""
        with self._lock:
            self._faults.die_after_pages = n

    def respond_garbage(self, times=None):
        """Answer the next `times` requests (all, if None) with 200 and a body that is not JSON."""
        with self._lock:
            self._faults.garbage_times = times

    def expire_continue_tokens(self):
        """Make every continue token issued so far answer 410 Gone, as after an etcd compaction."""
        with self._lock:
            self._faults.continue_epoch += 1

    def add_raw_items(self, kind, items):
        """Serve `items` as they are (whatever their shape) at the end of every list of `kind`: what a broken or
        hostile cluster could hand out."""
        with self._lock:
            self._raw_items.setdefault(kind, []).extend(items)

    def reset_faults(self):
        with self._lock:
            epoch = self._faults.continue_epoch
            self._faults = _Faults()
            self._faults.continue_epoch = epoch

    def clear_requests(self):
        with self._lock:
            self.requests.clear()

    def requests_for(self, prefix):
        """Logged requests whose path starts with `prefix`."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    def list_requests(self, plural=None):
        """Logged list requests, optionally only those for one plural."""
        with self._lock:
            logged = list(self.requests)
        targets = [(r, _list_target(r.path)) for r in logged]
        return [r for r, target in targets if target and (plural is None or target[2] == plural)]

    # --- request handling (called from handler threads) ------------------------------------

    def _fault_for(self, path, authorized):
        """Decide, under the lock, which injected fault applies to this request (a rejected one only waits)."""
        with self._lock:
            faults = self._faults
            delay = faults.delay_seconds
            if not authorized:
                return delay, None
            if faults.fail_status is not None and (faults.fail_path_contains is None
                                                   or faults.fail_path_contains in path):
                status = faults.fail_status
                if faults.fail_times is not None:
                    faults.fail_times -= 1
                    if faults.fail_times <= 0:
                        faults.fail_status = None
                return delay, ("status", status)
            if faults.garbage_times is None or faults.garbage_times > 0:
                if faults.garbage_times is not None:
                    faults.garbage_times -= 1
                return delay, ("garbage", None)
            if faults.die_after_pages is not None and _list_target(path):
                if faults.die_after_pages <= 0:
                    return delay, ("die", None)
                faults.die_after_pages -= 1
            return delay, None

    def _authorize(self, headers, peer_certificate=None):
        if self.client_certs and not peer_certificate:
            return 401, _status_body(401, "Unauthorized", "Unauthorized")
        if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
            return 401, _status_body(401, "Unauthorized", "Unauthorized")
        if self.forbidden:
            return 403, _status_body(403, "Forbidden", "forbidden: User \"system:serviceaccount:default:reader\" "
                                     "cannot list resource in API group at the cluster scope")
        return None

    def _answer(self, path, query):
        parts = [p for p in path.split("/") if p]
        if parts == ["version"]:
            return 200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0-emulated", "platform": "linux/amd64"}
        if parts == ["apis"]:
            return 200, self._group_list()
        if len(parts) == 3 and parts[0] == "apis":
            return self._discovery(parts[1], parts[2])
        if parts[:4] == ["apis", "apiextensions.k8s.io", "v1", "customresourcedefinitions"] and len(parts) == 5:
            return self._crd(parts[4])
        target = _list_target(path)
        if target is not None:
            return self._list(*target, query)
        if len(parts) == 7 and parts[0] == "apis" and parts[3] == "namespaces":
            return self._get_one(parts[1], parts[2], parts[5], parts[4], parts[6])
        return 404, _status_body(404, "NotFound", "the server could not find the requested resource")

    def _installed(self, group, version, plural):
        kind = _KINDS_BY_GROUP_PLURAL.get((group, plural))
        if kind is None or kind.version != version or kind.kind not in self.crds:
            return None
        return kind

    def _group_list(self):
        groups = sorted({EMULATED_KINDS[k].group for k in self.crds})
        versions = {EMULATED_KINDS[k].group: EMULATED_KINDS[k].version for k in self.crds}
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{versions[g]}", "version": versions[g]}],
             "preferredVersion": {"groupVersion": f"{g}/{versions[g]}", "version": versions[g]}} for g in groups]}

    def _discovery(self, group, version):
        kinds = sorted((EMULATED_KINDS[k] for k in self.crds if EMULATED_KINDS[k].api_version == f"{group}/{version}"),
                       key=lambda k: k.plural)
        if not kinds:
            return 404, _status_body(404, "NotFound", "the server could not find the requested resource")
        verbs = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]
        resources = []
        for kind in kinds:
            resources.append({"name": kind.plural, "singularName": kind.kind.lower(), "namespaced": True,
                              "kind": kind.kind, "verbs": verbs, "storageVersionHash": "emulated"})
            resources.append({"name": f"{kind.plural}/status", "singularName": "", "namespaced": True,
                              "kind": kind.kind, "verbs": ["get", "patch", "update"]})
        return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
                     "resources": resources}

    def _list(self, group, version, plural, namespace, query):
        kind = self._installed(group, version, plural)
        if kind is None:
            return 404, _status_body(404, "NotFound", "the server could not find the requested resource")
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            return 400, _status_body(400, "BadRequest", "limit must be an integer")
        with self._lock:
            after = ""
            continue_token = query.get("continue")
            if continue_token:
                decoded = _decode_continue(continue_token)
                if decoded is None:
                    return 400, _status_body(400, "BadRequest", "continue key is not valid")
                if decoded["epoch"] != self._faults.continue_epoch:
                    body = _status_body(410, "Expired", "The provided continue parameter is too old to display a "
                                        "consistent list result. You can start a new list without the continue "
                                        "parameter.")
                    return 410, body
                after = decoded["after"]
            items = sorted((m for (k, ns, _), m in self._store.items()
                            if k == kind.kind and (namespace is None or ns == namespace)), key=_sort_key)
            items = [m for m in items if _sort_key(m) > after] if after else items
            list_metadata = {"resourceVersion": str(self._resource_version)}
            if limit and len(items) > limit:
                list_metadata["remainingItemCount"] = len(items) - limit
                items = items[:limit]
                list_metadata["continue"] = _encode_continue(_sort_key(items[-1]), self._faults.continue_epoch)
            else:
                items = items + self._raw_items.get(kind.kind, [])
            items = copy.deepcopy(items)
        return 200, {"apiVersion": kind.api_version, "kind": f"{kind.kind}List", "metadata": list_metadata,
                     "items": items}

    def _crd(self, name):
        if not self.crds_readable:
            return 403, _status_body(403, "Forbidden", "customresourcedefinitions.apiextensions.k8s.io is "
                                     "forbidden: User cannot get resource at the cluster scope")
        kind = next((k for k in self.crds if f"{EMULATED_KINDS[k].plural}.{EMULATED_KINDS[k].group}" == name), None)
        if kind is None:
            return 404, _status_body(404, "NotFound", f'customresourcedefinitions.apiextensions.k8s.io "{name}" '
                                     "not found")
        return 200, copy.deepcopy(self.crd_manifests[kind])

    def _get_one(self, group, version, plural, namespace, name):
        kind = self._installed(group, version, plural)
        if kind is None:
            return 404, _status_body(404, "NotFound", "the server could not find the requested resource")
        stored = self.get(kind.kind, name, namespace)
        if stored is None:
            return 404, _status_body(404, "NotFound", f'{plural}.{group} "{name}" not found')
        return 200, stored


def _without_server_fields(manifest):
    manifest = copy.deepcopy(manifest)
    for field in ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"):
        manifest.get("metadata", {}).pop(field, None)
    return manifest


def _sort_key(manifest):
    return f"{manifest['metadata']['namespace']}/{manifest['metadata']['name']}"


def _encode_continue(after, epoch):
    raw = json.dumps({"after": after, "epoch": epoch}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_continue(token):
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        return {"after": str(decoded["after"]), "epoch": int(decoded["epoch"])}
    except (ValueError, KeyError, TypeError):
        return None


def _list_target(path):
    """(group, version, plural, namespace or None) when `path` is a list of a custom resource."""
    parts = [p for p in urlsplit(path).path.split("/") if p]
    if len(parts) == 6 and parts[0] == "apis" and parts[3] == "namespaces":
        return parts[1], parts[2], parts[5], parts[4]
    if len(parts) == 4 and parts[0] == "apis":
        return parts[1], parts[2], parts[3], None
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, *, emulator, ssl_context):
        self.emulator = emulator
        self.ssl_context = ssl_context
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def get_request(self):
        connection, address = self.socket.accept()
        if self.ssl_context is not None:
            # The handshake runs in the handler thread, so a client that stalls it blocks nobody else.
            connection = self.ssl_context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return connection, address

    def handle_error(self, request, client_address):
        # Clients rejecting our certificate or hanging up are expected in tests; stay quiet about them.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes; Nagle would delay each answer
    server_version = "kube-emulator"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        emulator = self.server.emulator
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        with emulator._lock:
            emulator.requests.append(LoggedRequest("GET", split.path, query))
        peer = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
        denied = emulator._authorize(self.headers, peer)
        delay, fault = emulator._fault_for(split.path, authorized=denied is None)
        if delay:
            time.sleep(delay)
        if denied is not None:
            self._send_json(*denied)
            return
        if fault is not None:
            what, status = fault
            if what == "status":
                self._send_json(status, _status_body(status, _REASONS.get(status, "Unknown"),
                                                     f"injected failure {status}"))
                return
            if what == "garbage":
                self._send_raw(200, b"<html>this is not the Kubernetes API</html>\x00\xff", "application/json")
                return
            if what == "die":
                self._die_mid_response()
                return
        self._send_json(*emulator._answer(split.path, query))

    def _send_json(self, status, body):
        self._send_raw(status, json.dumps(body).encode(), "application/json")

    def _send_raw(self, status, payload, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)

    def _die_mid_response(self):
        """Promise a long body, send a piece of it and cut the TCP connection."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b'{"apiVersion": "v1", "kind": "List", "items": [{"metadata": {"na')
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.connection.close()

