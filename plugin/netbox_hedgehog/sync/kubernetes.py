"""
Read a fabric's Hedgehog objects from its Kubernetes API: `KubernetesSource` from a URL, token and CA,
`KubeconfigSource` from one context of a pasted kubeconfig.

Cheap to import: the `kubernetes` client (which pulls in pydantic models for the whole API) is imported
only when a source actually talks to a cluster. Each source builds its own `ApiClient` from its own
`Configuration`; the client's global default configuration and ~/.kube are never read or changed.

A server is not trusted to be well-behaved: a whole load has one deadline (`source_timeout`), checked
between reads and enforced by a watchdog that shuts the load's sockets down when it passes (a server that
drips a byte every few seconds never trips a per-read timeout); every answer is read in pieces up to a size
limit; pages and objects per kind are capped. Each object must be storable (documents.object_problems);
one that is not is a per-object problem. The CRDs the cluster serves are read too, so that the fabric's Git
objects are checked against what this cluster would accept.

Every failure becomes a `SourceError` whose message names the problem in a sentence and went
through `redact`, so neither the token nor the CA text can reach the UI or a log. The client's
own exception text (which carries response headers and bodies) is never used as the message.
"""
import contextlib
import json
import os
import re
import socket
import tempfile
import threading
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..choices import OriginChoices
from ..kinds import AGENT, KINDS
from ..kubeconfig import parse_kubeconfig
from ..schemas import CrdSchemas
from ..validators import validate_kubernetes_url
from .documents import object_problems
from .types import (
    ConnectionReport,
    Deadline,
    FabricSource,
    Problem,
    SettingLimits,
    SourceError,
    SourceObject,
    SourceSnapshot,
    redact,
)

__all__ = ("KubeconfigSource", "KubernetesLimits", "KubernetesSource")

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class KubernetesLimits(SettingLimits):
    """How much one load may read from a Kubernetes API (README, "Security")."""

    max_pages: int = 1000  # list pages per kind
    max_objects: int = 100_000  # objects per kind
    max_response_size: int = 32 * 1024 * 1024  # bytes of one answer

    SETTINGS = {"max_pages": "kubernetes_max_pages", "max_objects": "kubernetes_max_objects",
                "max_response_size": "kubernetes_max_response_size"}


class _CrdNotInstalled(Exception):
    """A list or discovery answered 404: that CRD (or its whole API group) is not installed."""


class KubernetesSource(FabricSource):
    """One fabric's Kubernetes API, read through the official client."""

    name = "kubernetes"
    label = "Kubernetes"
    role = OriginChoices.CLUSTER

    def __init__(self, *, server, token="", ca_cert="", verify_tls=True, namespace="default", timeout=60,
                 page_size=500, client_cert="", client_key="", limits=None):
        self.server = (server or "").strip().rstrip("/")
        self.token = token or ""
        self.ca_cert = ca_cert or ""
        self.verify_tls = verify_tls
        self.namespace = namespace or "default"
        self.timeout = timeout
        self.page_size = page_size
        self.client_cert = client_cert or ""
        self.client_key = client_key or ""
        self.limits = limits or KubernetesLimits()
        self._where = f"Kubernetes API at {_display_url(self.server)}"

    @classmethod
    def configured(cls, fabric):
        return bool(fabric.kubernetes_server)

    @classmethod
    def from_fabric(cls, fabric, setting):
        return cls(server=fabric.kubernetes_server, token=fabric.kubernetes_token, ca_cert=fabric.kubernetes_ca_cert,
                   verify_tls=fabric.kubernetes_verify_tls, namespace=fabric.kubernetes_namespace,
                   **_settings(setting))

    def describe(self):
        return f"the {self._where}"

    @property
    def secrets(self):
        return [value for value in (self.token, self.client_key) if value]

    # --- public ----------------------------------------------------------------------------

    def load(self, crd_schemas=None):
        """Every object of every kind in KINDS (and the Agents) in the namespace, and the CRDs the cluster
        serves for them, or SourceError. `crd_schemas` is unused: the cluster's objects passed its own CRDs."""
        snapshot = SourceSnapshot(source="kubernetes")
        revisions = []
        with self._session() as session:
            for kind in (*KINDS, AGENT):
                try:
                    items, revision = self._list_all(session, kind)
                except _CrdNotInstalled:
                    snapshot.skipped_kinds[kind.kind] = f"CRD {kind.plural}.{kind.group} not installed in the cluster"
                    continue
                revisions.append(revision)
                for item in items:
                    source_object = self._source_object(kind, item, snapshot.problems)
                    if source_object is None:
                        continue
                    if kind is AGENT:
                        snapshot.agents[source_object.name] = source_object.manifest
                    else:
                        snapshot.objects.append(source_object)
            if all(k.kind in snapshot.skipped_kinds for k in KINDS):
                # Syncing "nothing" would delete the whole fabric from NetBox; a wrong URL looks exactly like this.
                raise SourceError(self._safe(f"{self._where} serves none of the Hedgehog CRDs (is it a Hedgehog "
                                             "control node, and is the URL right?)"))
            served = [k for k in KINDS if k.kind not in snapshot.skipped_kinds]
            snapshot.crd_schemas = self._served_crds(session, served)
        snapshot.revision = _largest_revision(revisions)
        return snapshot

    def test_connection(self):
        """Reachability, authentication, which Hedgehog CRDs are served, and list permission."""
        groups = {}
        for kind in (*KINDS, AGENT):
            groups.setdefault((kind.group, kind.version), []).append(kind)
        served = set()
        try:
            with self._session() as session:
                for (group, version), kinds in groups.items():
                    try:
                        plurals = self._served_plurals(session, group, version)
                    except _CrdNotInstalled:
                        continue
                    served.update(k.kind for k in kinds if k.plural in plurals)
                # Discovery is open to any authenticated user; a one-item list proves the token may read.
                probe = next((k for k in KINDS if k.kind in served), None)
                if probe is not None:
                    try:
                        self._list_page(session, probe, limit=1, continue_token="")
                    except _CrdNotInstalled:
                        served.discard(probe.kind)
        except SourceError as error:
            return ConnectionReport(ok=False, message=str(error))
        found = [k.kind for k in (*KINDS, AGENT) if k.kind in served]
        missing = [k.kind for k in (*KINDS, AGENT) if k.kind not in served]
        if not any(k.kind in served for k in KINDS):
            message = f"{self._where} answered, but no Hedgehog CRDs were found (is this a Hedgehog control node?)"
            return ConnectionReport(ok=False, message=self._safe(message), crds_found=found, crds_missing=missing)
        message = f"Connected to {self._where}: {len(found)} of {len(found) + len(missing)} Hedgehog kinds served"
        if missing:
            message += f"; not installed: {', '.join(missing)}"
        return ConnectionReport(ok=True, message=self._safe(message), crds_found=found, crds_missing=missing)

    # --- talking to the API ----------------------------------------------------------------

    @contextlib.contextmanager
    def _session(self):
        """A _Session on an ApiClient of our own, for one load; the key, CA files and the connection pool go
        afterwards, and the deadline's watchdog is stopped."""
        try:
            validate_kubernetes_url(self.server)
        except ValueError:
            raise SourceError(self._safe(f"Kubernetes server URL {_display_url(self.server)!r} is not an "
                                         "http(s):// URL with a host")) from None
        from kubernetes import client
        from urllib3.util.retry import Retry

        configuration = client.Configuration(host=self.server)
        if self.token:
            # "authorization" is the key every client version since v30 reads the bearer token from.
            configuration.api_key = {"authorization": self.token}
            configuration.api_key_prefix = {"authorization": "Bearer"}
        configuration.verify_ssl = self.verify_tls
        # One attempt per request: a retried read timeout would multiply the time the user waits.
        configuration.retries = Retry(total=0, redirect=0, raise_on_redirect=False)
        files = []

        def pem_file(text, what):
            descriptor, path = tempfile.mkstemp(prefix=f"hedgehog-{what}-", suffix=".pem")  # mode 0600
            files.append(path)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
            return path

        try:
            if self.ca_cert and self.verify_tls:
                configuration.ssl_ca_cert = pem_file(self.ca_cert, "ca")
            if self.client_cert:
                configuration.cert_file = pem_file(self.client_cert, "cert")
                configuration.key_file = pem_file(self.client_key, "key")
            api_client = client.ApiClient(configuration)
            session = _Session(api_client, Deadline(self.timeout))
            try:
                with warnings.catch_warnings():
                    if not self.verify_tls:
                        # The fabric turned verification off on purpose; one warning per request is noise.
                        warnings.simplefilter("ignore")
                    yield session
            finally:
                session.close()
                api_client.close()
                api_client.rest_client.pool_manager.clear()  # close() of clients before v34 leaves sockets open
        finally:
            for path in files:
                os.unlink(path)

    def _list_all(self, session, kind):
        """All items of one kind, page by page, within the page and object limits; (items, list resourceVersion)."""
        items, revision, continue_token, seen_tokens = [], "", "", set()
        while True:
            if len(seen_tokens) >= self.limits.max_pages:
                raise SourceError(self._safe(f"{self._where} answered {self.limits.more_than('max_pages', 'pages')} "
                                             f"while listing {_resource(kind)}"))
            page = self._list_page(session, kind, limit=self.page_size, continue_token=continue_token)
            metadata = page.get("metadata") if isinstance(page.get("metadata"), dict) else {}
            items.extend(page["items"])
            if len(items) > self.limits.max_objects:
                raise SourceError(self._safe(f"{self._where} holds {self.limits.more_than('max_objects', 'objects')} "
                                             f"of {_resource(kind)}"))
            revision = str(metadata.get("resourceVersion") or revision)[:64]
            continue_token = metadata.get("continue") or ""
            if not continue_token:
                return items, revision
            if not isinstance(continue_token, str) or continue_token in seen_tokens:
                raise SourceError(self._safe(f"{self._where} returned the same continue token twice while listing "
                                             f"{_resource(kind)}"))
            seen_tokens.add(continue_token)

    def _list_page(self, session, kind, *, limit, continue_token):
        action = f"listing {_resource(kind)}"
        query = [("limit", limit)]
        if continue_token:
            query.append(("continue", continue_token))
        page = self._get(session, action, "/apis/{group}/{version}/namespaces/{namespace}/{plural}",
                         {"group": kind.group, "version": kind.version, "namespace": self.namespace,
                          "plural": kind.plural}, query)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise SourceError(self._safe(f"{self._where} returned something that is not a Kubernetes list while "
                                         f"{action}"))
        return page

    def _served_plurals(self, session, group, version):
        resources = self._get(session, f"reading API discovery for {group}/{version}", "/apis/{group}/{version}",
                              {"group": group, "version": version})
        listed = resources.get("resources") if isinstance(resources, dict) else None
        return {r.get("name") for r in listed if isinstance(r, dict)} if isinstance(listed, list) else set()

    def _served_crds(self, session, kinds):
        """
        The CrdSchemas of the CRDs the cluster serves for `kinds` (apiextensions.k8s.io/v1); a kind whose CRD
        cannot be read uses the shipped one, and all of them do when the token may not read CRDs (403).
        """
        manifests = {}
        for kind in kinds:
            name = f"{kind.plural}.{kind.group}"
            try:
                manifest = self._get(session, f"reading the CRD {name}",
                                     "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}",
                                     {"name": name}, forbidden_ok=True)
            except _CrdNotInstalled:
                continue
            if manifest is None:
                return CrdSchemas.shipped()
            manifests[kind.kind] = (kind.version, manifest)
        try:
            return CrdSchemas.served(manifests, origin=f"the CRDs {self._where} serves")
        except ValueError as exc:
            raise SourceError(self._safe(f"{self._where}: {exc}")) from None

    def _get(self, session, action, path, path_params, query=(), forbidden_ok=False):
        """
        The JSON body of GET `path` (a template of `path_params`): read in pieces within the deadline and the
        size limit, then parsed.
        _CrdNotInstalled for a 404, None for a 403 when `forbidden_ok`, SourceError for every other failure.
        """
        from kubernetes.client.exceptions import ApiException

        try:
            status, body = session.get(path, path_params, query, self.limits.max_response_size)
        except _TooLarge:
            message = (f"{self._where} answered {self.limits.more_than('max_response_size', 'bytes')} while "
                       f"{action}")
        except _Encoded as encoded:
            message = f"{self._where} answered with Content-Encoding {encoded.args[0]!r} while {action}"
        except ApiException as error:
            # The client reports TLS failures as ApiException(status=0, reason="SSLError\n...").
            message = self._describe_tls(str(error.reason or ""))
        except Exception as error:  # noqa: BLE001 - every other failure is described below, never re-raised
            message = self._describe_failure(error, action, timed_out=session.deadline.expired)
        else:
            if status == 404:
                raise _CrdNotInstalled()
            if status == 403 and forbidden_ok:
                return None
            if not 200 <= status <= 299:
                raise SourceError(self._safe(self._describe_status(status, action)))
            try:
                return json.loads(body, parse_constant=_refuse_constant)
            except (ValueError, RecursionError):
                # Not JSON, NaN, a number of thousands of digits, nesting deeper than the parser's stack.
                message = f"{self._where} returned a response that is not valid Kubernetes JSON while {action}"
        raise SourceError(self._safe(message))

    # --- messages --------------------------------------------------------------------------

    def _describe_status(self, status, action):
        if status == 401:
            return f"{self._where} rejected the credentials (401 Unauthorized)"
        if status == 403:
            return (f"{self._where} refused access (403 Forbidden) while {action}: the token lacks permission "
                    f"in namespace {self.namespace!r}")
        if status == 410:
            return (f"{self._where} expired the list continue token (410 Gone) while {action}; "
                    "the next sync starts the list over")
        return f"{self._where} answered HTTP {status} while {action}"

    def _describe_failure(self, error, action, timed_out=False):
        import urllib3.exceptions as urllib3_errors

        if timed_out:
            # The watchdog shut the connection down: whatever broke is the deadline's doing.
            return f"{self._where} timed out after {self.timeout:g} s while {action}"

        if isinstance(error, urllib3_errors.MaxRetryError) and error.reason is not None:
            error = error.reason
        text = str(error)
        if isinstance(error, urllib3_errors.SSLError) or "SSLError" in type(error).__name__ \
                or "CERTIFICATE_VERIFY_FAILED" in text:
            if "EOF" in text and "certificate" not in text.lower():
                return f"{self._where} closed the connection while {action}"
            return self._describe_tls(text)
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, so it is looked at first.
        if isinstance(error, urllib3_errors.NewConnectionError):
            lowered = text.lower()
            if "refused" in lowered:
                return f"{self._where}: connection refused"
            if "name or service not known" in lowered or "nodename nor servname" in lowered \
                    or "name resolution" in lowered:
                return f"{self._where}: the host name could not be resolved"
            return f"{self._where}: could not connect ({_errno_text(text)})"
        if isinstance(error, urllib3_errors.ConnectTimeoutError | urllib3_errors.ReadTimeoutError | TimeoutError):
            return f"{self._where} timed out after {self.timeout:g} s while {action}"
        if isinstance(error, urllib3_errors.ProtocolError | ConnectionError):
            return f"{self._where} closed the connection while {action}"
        if isinstance(error, urllib3_errors.LocationValueError | urllib3_errors.LocationParseError):
            return f"Kubernetes server URL {_display_url(self.server)!r} is not valid"
        if isinstance(error, ValueError):
            # Undecodable JSON, or JSON that does not fit the client's model of the answer.
            return f"{self._where} returned a response that is not valid Kubernetes JSON while {action}"
        return f"{self._where} failed while {action} ({type(error).__name__})"

    def _describe_tls(self, text):
        if self.ca_cert and ("PEM" in text or "no certificate or crl found" in text.lower()
                             or "x509" in text.lower() and "verify" not in text.lower()):
            return f"{self._where}: the CA certificate could not be loaded (is it PEM text?)"
        detail = re.search(r"certificate verify failed: ([^(\n']*)", text)
        if detail:
            return f"{self._where}: TLS verification failed: {detail.group(1).strip()}"
        if "hostname" in text.lower() and "match" in text.lower():
            return f"{self._where}: TLS verification failed: the certificate does not match the host name"
        if "wrong version number" in text.lower() or "record layer failure" in text.lower():
            return f"{self._where}: TLS handshake failed (is the server speaking plain HTTP?)"
        return f"{self._where}: TLS handshake failed"

    def _safe(self, message):
        return redact(message, [*self.secrets, self.ca_cert.strip()])

    def _source_object(self, kind, item, problems):
        """The SourceObject of one listed item, or None (and a Problem) when NetBox could not store it."""
        metadata = item.get("metadata") if isinstance(item, dict) else None
        name = metadata.get("name") if isinstance(metadata, dict) else None
        where = {"kind": kind.kind, "name": name[:253] if isinstance(name, str) else ""}
        if not isinstance(item, dict):
            problems.append(Problem(f"the cluster listed {type(item).__name__!r}, not an object", **where))
            return None
        unstorable = object_problems(item)
        if unstorable:
            problems.extend(Problem(message, **where) for message in unstorable)
            return None
        item.setdefault("apiVersion", kind.api_version)
        item.setdefault("kind", kind.kind)
        return SourceObject(kind=kind.kind, name=name, namespace=metadata.get("namespace") or self.namespace,
                            manifest=item, location="cluster")


class _Session:
    """
    The requests of one load, on one ApiClient, under one Deadline. A watchdog shuts down every socket the
    load opened when the deadline passes, so a read that would otherwise wait for the next dripped byte, a
    stalled TLS handshake or a header that never ends returns at once.
    """

    def __init__(self, api_client, deadline):
        self.client = api_client
        self.deadline = deadline
        self._sockets = []
        self._lock = threading.Lock()
        pool_manager = api_client.rest_client.pool_manager
        pool_manager.pool_classes_by_scheme = {scheme: self._watched(pool)
                                               for scheme, pool in pool_manager.pool_classes_by_scheme.items()}
        self._watchdog = threading.Timer(deadline.remaining(), self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _watched(self, pool_class):
        session = self

        class WatchedConnection(pool_class.ConnectionCls):
            def _new_conn(self):
                sock = super()._new_conn()
                with session._lock:
                    session._sockets.append(sock)
                if session.deadline.expired:
                    session._expire()
                return sock

        return type(f"Watched{pool_class.__name__}", (pool_class,), {"ConnectionCls": WatchedConnection})

    def _expire(self):
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self):
        self._watchdog.cancel()

    def get(self, path, path_params, query, max_size):
        """(HTTP status, body bytes) of one GET; raises _TooLarge past `max_size` bytes."""
        remaining = self.deadline.remaining()
        if remaining <= 0:
            raise TimeoutError()
        serialized = self.client.param_serialize("GET", path, path_params=path_params, query_params=list(query),
                                                 header_params={"Accept": "application/json"},
                                                 auth_settings=["BearerToken"])
        response = self.client.call_api(*serialized, _request_timeout=(remaining, remaining)).response
        finished = False
        try:
            length = response.headers.get("Content-Length")
            if length and length.strip().isdigit() and int(length) > max_size:
                raise _TooLarge()
            encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise _Encoded(encoding[:40])
            chunks, size = [], 0
            while True:
                if self.deadline.expired:
                    raise TimeoutError()
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_size:
                    raise _TooLarge()
                chunks.append(chunk)
            if self.deadline.expired:
                raise TimeoutError()  # the watchdog ended a body that runs until the connection closes
            finished = True
            return response.status, b"".join(chunks)
        finally:
            if finished:
                response.release_conn()
            else:
                response.close()


class _TooLarge(Exception):
    """An answer over the size limit."""


class _Encoded(Exception):
    """An answer compressed although the client did not ask for it."""


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _settings(setting):
    """The constructor arguments every cluster source takes from the plugin settings."""
    return {"timeout": setting("source_timeout"), "page_size": setting("kubernetes_page_size"),
            "limits": KubernetesLimits.from_settings(setting)}


def _resource(kind):
    return f"{kind.plural}.{kind.group}"


def _display_url(url):
    """The URL without any user:password part."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url if "@" not in url else url.rsplit("@", 1)[-1]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _errno_text(text):
    match = re.search(r"\[Errno -?\d+\] ([^')]+)", text)
    return match.group(1) if match else "network error"


def _largest_revision(revisions):
    numeric = [r for r in revisions if r.isdigit()]
    if numeric:
        return max(numeric, key=int)
    return max(revisions, default="")


class KubeconfigSource(KubernetesSource):
    """The Kubernetes API one context of the fabric's kubeconfig points at, with that context's credentials."""

    name = "kubeconfig"

    def __init__(self, *, kubeconfig, context="", namespace="default", timeout=60, page_size=500, limits=None):
        try:
            target = parse_kubeconfig(kubeconfig, context)
        except ValueError as exc:
            self.problem = str(exc)
            super().__init__(server="", namespace=namespace, timeout=timeout, page_size=page_size, limits=limits)
            return
        self.problem = ""
        super().__init__(server=target.server, token=target.token, ca_cert=target.ca_cert,
                         verify_tls=target.verify_tls, namespace=namespace, timeout=timeout, page_size=page_size,
                         client_cert=target.client_cert, client_key=target.client_key, limits=limits)
        self._where = f"Kubernetes API at {_display_url(self.server)} (kubeconfig context {target.context!r})"

    @classmethod
    def configured(cls, fabric):
        return bool(fabric.kubernetes_kubeconfig)

    @classmethod
    def from_fabric(cls, fabric, setting):
        return cls(kubeconfig=fabric.kubernetes_kubeconfig, context=fabric.kubernetes_context,
                   namespace=fabric.kubernetes_namespace, **_settings(setting))

    def describe(self):
        return f"the {self._where}" if not self.problem else "the fabric's kubeconfig"

    def load(self, crd_schemas=None):
        if self.problem:
            raise SourceError(self._safe(self.problem))
        return super().load(crd_schemas)

    def test_connection(self):
        if self.problem:
            return ConnectionReport(ok=False, message=self._safe(self.problem))
        return super().test_connection()
