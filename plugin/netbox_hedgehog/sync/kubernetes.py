"""
Read a fabric's Hedgehog objects from its Kubernetes API: `KubernetesSource` from a URL, token and CA,
`KubeconfigSource` from one context of a pasted kubeconfig.

Cheap to import: the `kubernetes` client (which pulls in pydantic models for the whole API) is imported
only when a source actually talks to a cluster. Each source builds its own `ApiClient` from its own
`Configuration`; the client's global default configuration and ~/.kube are never read or changed.

Every failure becomes a `SourceError` whose message names the problem in a sentence and went
through `redact`, so neither the token nor the CA text can reach the UI or a log. The client's
own exception text (which carries response headers and bodies) is never used as the message.
"""
import contextlib
import os
import re
import tempfile
import warnings
from urllib.parse import urlsplit

from ..choices import OriginChoices
from ..kinds import AGENT, KINDS
from ..kubeconfig import parse_kubeconfig
from ..validators import validate_kubernetes_url
from .types import ConnectionReport, FabricSource, SourceError, SourceObject, SourceSnapshot, redact

__all__ = ("KubeconfigSource", "KubernetesSource")


class _CrdNotInstalled(Exception):
    """A list or discovery answered 404: that CRD (or its whole API group) is not installed."""


class KubernetesSource(FabricSource):
    """One fabric's Kubernetes API, read through the official client."""

    name = "kubernetes"
    label = "Kubernetes"
    role = OriginChoices.CLUSTER

    def __init__(self, *, server, token="", ca_cert="", verify_tls=True, namespace="default", timeout=30,
                 page_size=500, client_cert="", client_key=""):
        self.server = (server or "").strip().rstrip("/")
        self.token = token or ""
        self.ca_cert = ca_cert or ""
        self.verify_tls = verify_tls
        self.namespace = namespace or "default"
        self.timeout = timeout
        self.page_size = page_size
        self.client_cert = client_cert or ""
        self.client_key = client_key or ""
        self._where = f"Kubernetes API at {_display_url(self.server)}"

    @classmethod
    def configured(cls, fabric):
        return bool(fabric.kubernetes_server)

    @classmethod
    def from_fabric(cls, fabric, setting):
        return cls(server=fabric.kubernetes_server, token=fabric.kubernetes_token, ca_cert=fabric.kubernetes_ca_cert,
                   verify_tls=fabric.kubernetes_verify_tls, namespace=fabric.kubernetes_namespace,
                   timeout=setting("source_timeout"), page_size=setting("kubernetes_page_size"))

    def describe(self):
        return f"the {self._where}"

    @property
    def secrets(self):
        return [value for value in (self.token, self.client_key) if value]

    # --- public ----------------------------------------------------------------------------

    def load(self):
        """Every object of every kind in KINDS (and the Agents) in the namespace, or SourceError."""
        snapshot = SourceSnapshot(source="kubernetes")
        revisions = []
        with self._api() as custom_objects:
            for kind in (*KINDS, AGENT):
                try:
                    items, revision = self._list_all(custom_objects, kind)
                except _CrdNotInstalled:
                    snapshot.skipped_kinds[kind.kind] = f"CRD {kind.plural}.{kind.group} not installed in the cluster"
                    continue
                revisions.append(revision)
                for item in items:
                    source_object = self._source_object(kind, item)
                    if kind is AGENT:
                        snapshot.agents[source_object.name] = source_object.manifest
                    else:
                        snapshot.objects.append(source_object)
        if all(k.kind in snapshot.skipped_kinds for k in KINDS):
            # Syncing "nothing" would delete the whole fabric from NetBox; a wrong URL looks exactly like this.
            raise SourceError(self._safe(f"{self._where} serves none of the Hedgehog CRDs (is it a Hedgehog "
                                         "control node, and is the URL right?)"))
        snapshot.revision = _largest_revision(revisions)
        return snapshot

    def test_connection(self):
        """Reachability, authentication, which Hedgehog CRDs are served, and list permission."""
        groups = {}
        for kind in (*KINDS, AGENT):
            groups.setdefault((kind.group, kind.version), []).append(kind)
        served = set()
        try:
            with self._api() as custom_objects:
                for (group, version), kinds in groups.items():
                    try:
                        plurals = self._served_plurals(custom_objects, group, version)
                    except _CrdNotInstalled:
                        continue
                    served.update(k.kind for k in kinds if k.plural in plurals)
                # Discovery is open to any authenticated user; a one-item list proves the token may read.
                probe = next((k for k in KINDS if k.kind in served), None)
                if probe is not None:
                    try:
                        self._list_page(custom_objects, probe, limit=1, continue_token="")
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
    def _api(self):
        """A CustomObjectsApi on a client of our own; the key, CA files and the connection pool go afterwards."""
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
            try:
                with warnings.catch_warnings():
                    if not self.verify_tls:
                        # The fabric turned verification off on purpose; one warning per request is noise.
                        warnings.simplefilter("ignore")
                    yield client.CustomObjectsApi(api_client)
            finally:
                api_client.close()
                api_client.rest_client.pool_manager.clear()  # close() of clients before v34 leaves sockets open
        finally:
            for path in files:
                os.unlink(path)

    def _list_all(self, custom_objects, kind):
        """All items of one kind, page by page; returns (items, list resourceVersion)."""
        items, revision, continue_token, seen_tokens = [], "", "", set()
        while True:
            page = self._list_page(custom_objects, kind, limit=self.page_size, continue_token=continue_token)
            metadata = page.get("metadata") or {}
            items.extend(page["items"])
            revision = str(metadata.get("resourceVersion") or revision)
            continue_token = metadata.get("continue") or ""
            if not continue_token:
                return items, revision
            if continue_token in seen_tokens:
                raise SourceError(self._safe(f"{self._where} returned the same continue token twice while listing "
                                             f"{_resource(kind)}"))
            seen_tokens.add(continue_token)

    def _list_page(self, custom_objects, kind, *, limit, continue_token):
        action = f"listing {_resource(kind)}"
        arguments = {"limit": limit, "_request_timeout": self.timeout}
        if continue_token:
            arguments["_continue"] = continue_token
        page = self._call(action, custom_objects.list_namespaced_custom_object, kind.group, kind.version,
                          self.namespace, kind.plural, **arguments)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list) \
                or not all(isinstance(i, dict) for i in page["items"]):
            raise SourceError(self._safe(f"{self._where} returned something that is not a Kubernetes list while "
                                         f"{action}"))
        return page

    def _served_plurals(self, custom_objects, group, version):
        resources = self._call(f"reading API discovery for {group}/{version}", custom_objects.get_api_resources,
                               group, version, _request_timeout=self.timeout)
        return {r.name for r in resources.resources or ()}

    def _call(self, action, method, *args, **kwargs):
        """Run one client call; turn every failure into SourceError (or _CrdNotInstalled for a 404)."""
        from kubernetes.client.exceptions import ApiException

        try:
            return method(*args, **kwargs)
        except ApiException as error:
            if error.status == 404:
                raise _CrdNotInstalled() from None
            message = self._describe_status(error, action)
        except Exception as error:  # noqa: BLE001 - every other failure is described below, never re-raised
            message = self._describe_failure(error, action)
        raise SourceError(self._safe(message)) from None

    # --- messages --------------------------------------------------------------------------

    def _describe_status(self, error, action):
        status = error.status or 0
        if status == 0:
            # The client reports TLS failures as ApiException(status=0, reason="SSLError\n...").
            return self._describe_tls(str(error.reason or ""))
        if status == 401:
            return f"{self._where} rejected the credentials (401 Unauthorized)"
        if status == 403:
            return (f"{self._where} refused access (403 Forbidden) while {action}: the token lacks permission "
                    f"in namespace {self.namespace!r}")
        if status == 410:
            return (f"{self._where} expired the list continue token (410 Gone) while {action}; "
                    "the next sync starts the list over")
        return f"{self._where} answered HTTP {status} while {action}"

    def _describe_failure(self, error, action):
        import urllib3.exceptions as urllib3_errors

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

    def _source_object(self, kind, item):
        metadata = item.get("metadata") or {}
        item.setdefault("apiVersion", kind.api_version)
        item.setdefault("kind", kind.kind)
        return SourceObject(kind=kind.kind, name=str(metadata.get("name") or ""),
                            namespace=str(metadata.get("namespace") or self.namespace), manifest=item,
                            location="cluster")


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

    def __init__(self, *, kubeconfig, context="", namespace="default", timeout=30, page_size=500):
        try:
            target = parse_kubeconfig(kubeconfig, context)
        except ValueError as exc:
            self.problem = str(exc)
            super().__init__(server="", namespace=namespace, timeout=timeout, page_size=page_size)
            return
        self.problem = ""
        super().__init__(server=target.server, token=target.token, ca_cert=target.ca_cert,
                         verify_tls=target.verify_tls, namespace=namespace, timeout=timeout, page_size=page_size,
                         client_cert=target.client_cert, client_key=target.client_key)
        self._where = f"Kubernetes API at {_display_url(self.server)} (kubeconfig context {target.context!r})"

    @classmethod
    def configured(cls, fabric):
        return bool(fabric.kubernetes_kubeconfig)

    @classmethod
    def from_fabric(cls, fabric, setting):
        return cls(kubeconfig=fabric.kubernetes_kubeconfig, context=fabric.kubernetes_context,
                   namespace=fabric.kubernetes_namespace, timeout=setting("source_timeout"),
                   page_size=setting("kubernetes_page_size"))

    def describe(self):
        return f"the {self._where}" if not self.problem else "the fabric's kubeconfig"

    def load(self):
        if self.problem:
            raise SourceError(self._safe(self.problem))
        return super().load()

    def test_connection(self):
        if self.problem:
            return ConnectionReport(ok=False, message=self._safe(self.problem))
        return super().test_connection()
