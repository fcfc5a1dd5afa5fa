"""A fabric's cluster as a pasted kubeconfig: what is accepted, what is refused and why, and syncs through it over
TLS with a token or a client certificate, against the Kubernetes API emulator and the real client."""
import base64

import pytest
import yaml
from django.urls import reverse
from rest_framework import status

from utilities.testing import APITestCase

from netbox_hedgehog.kubeconfig import MAX_KUBECONFIG_BYTES, parse_kubeconfig
from netbox_hedgehog.models import HedgehogFabric, Switch
from netbox_hedgehog.sync.connection import check_fabric_connection
from netbox_hedgehog.sync.runner import run_sync
from tests.helpers import CLUSTER_TOKEN

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def kubeconfig(server="https://control-1:6443", ca=PEM, user=None, context="lab", current="lab", cluster=None):
    """A kubeconfig with one cluster, one user and one context, as kubectl writes them."""
    cluster_body = {"server": server, **({"certificate-authority-data": b64(ca)} if ca else {}), **(cluster or {})}
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": current,
        "clusters": [{"name": "fabric", "cluster": cluster_body}],
        "users": [{"name": "reader", "user": {"token": CLUSTER_TOKEN} if user is None else user}],
        "contexts": [{"name": context, "context": {"cluster": "fabric", "user": "reader", "namespace": "default"}}],
    })


def test_a_token_kubeconfig_gives_its_server_ca_and_token():
    target = parse_kubeconfig(kubeconfig())
    assert (target.context, target.server, target.ca_cert, target.token, target.verify_tls) == (
        "lab", "https://control-1:6443", PEM, CLUSTER_TOKEN, True)
    assert target.secrets == [CLUSTER_TOKEN]


def test_a_named_context_and_insecure_skip_verify():
    text = kubeconfig(context="other", current="missing", ca="", cluster={"insecure-skip-tls-verify": True})
    target = parse_kubeconfig(text, "other")
    assert target.context == "other" and not target.verify_tls and target.ca_cert == ""
    with pytest.raises(ValueError, match="no context named 'missing'"):
        parse_kubeconfig(text)


@pytest.mark.parametrize("user, cluster, message", [
    ({"exec": {"command": "aws", "args": ["eks", "get-token"]}}, None, "user 'reader' uses 'exec'"),
    ({"auth-provider": {"name": "oidc"}}, None, "'auth-provider'"),
    ({"tokenFile": "/var/run/secrets/token"}, None, "'tokenFile' (a token file on the NetBox host"),
    ({"client-certificate": "/etc/ssl/me.pem", "client-key": "/etc/ssl/me.key"}, None, "'client-certificate'"),
    ({"username": "admin", "password": "hunter2"}, None, "'username'"),
    ({"token": "t", "as": "system:admin"}, None, "impersonation"),
    ({"client-certificate-data": b64(PEM)}, None, "needs both client-certificate-data and client-key-data"),
    ({"token": "t"}, {"certificate-authority": "/etc/kubernetes/ca.crt"}, "'certificate-authority' (a CA file"),
    ({"token": "t"}, {"proxy-url": "http://proxy:3128"}, "'proxy-url'"),
])
def test_what_would_run_a_program_read_a_local_file_or_go_elsewhere_is_refused(user, cluster, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_kubeconfig(kubeconfig(user=user, cluster=cluster))


@pytest.mark.parametrize("text, message", [
    (kubeconfig(server="file:///etc/passwd"), "server: Enter an http:// or https:// URL"),
    (kubeconfig(server="https://user:pw@control-1"), "server: Enter an http:// or https:// URL"),
    (kubeconfig().replace(b64(PEM), "not-base64!"), "certificate-authority-data is not base64 of PEM text"),
    (kubeconfig(ca="just text"), "certificate-authority-data does not hold a PEM block"),
    ("clusters: [unclosed\n", "not valid YAML at line 2"),
    ("- a list\n", "the document is not a mapping"),
    ("[" * 5000 + "]" * 5000, "nests deeper than 20 levels"),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef", strict=True)),
     "expands to more than 20000 YAML nodes"),
    ("x" * (MAX_KUBECONFIG_BYTES + 1), "larger than 64 KiB"),
])
def test_malformed_or_hostile_kubeconfigs_are_refused_with_the_reason(text, message):
    with pytest.raises(ValueError, match=message):
        parse_kubeconfig(text)


class KubeconfigAPITest(APITestCase):
    url = reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-list")

    def setUp(self):
        super().setUp()
        self.add_permissions("netbox_hedgehog.add_hedgehogfabric", "netbox_hedgehog.view_hedgehogfabric")

    def post(self, **fields):
        return self.client.post(self.url, {"name": "kc", **fields}, format="json", **self.header)

    def test_a_kubeconfig_is_stored_write_only(self):
        response = self.post(kubernetes_kubeconfig=kubeconfig(), kubernetes_context="lab")
        self.assertHttpStatus(response, status.HTTP_201_CREATED)
        self.assertTrue(response.data["has_kubernetes_kubeconfig"])
        self.assertNotIn("kubernetes_kubeconfig", response.data)
        self.assertNotIn(CLUSTER_TOKEN, response.content.decode())
        fabric = HedgehogFabric.objects.get(name="kc")
        self.assertTrue(fabric.has_kubernetes and fabric.kubernetes_context == "lab")
        self.assertIn(fabric.pk, HedgehogFabric.objects.scheduled().values_list("pk", flat=True))

    def test_refusals_name_the_field(self):
        response = self.post(kubernetes_kubeconfig=kubeconfig(user={"exec": {"command": "sh"}}))
        self.assertHttpStatus(response, status.HTTP_400_BAD_REQUEST)
        self.assertIn("uses 'exec'", str(response.data["kubernetes_kubeconfig"]))
        response = self.post(kubernetes_kubeconfig=kubeconfig(), kubernetes_server="https://control-1:6443")
        self.assertHttpStatus(response, status.HTTP_400_BAD_REQUEST)
        self.assertIn("not both", str(response.data["kubernetes_kubeconfig"]))
        response = self.post(kubernetes_kubeconfig=kubeconfig(), kubernetes_context="nope")
        self.assertIn("no context named 'nope'", str(response.data["kubernetes_kubeconfig"]))
        self.assertFalse(HedgehogFabric.objects.exists())


@pytest.mark.django_db
def test_sync_and_test_connection_through_a_token_kubeconfig(cluster):
    fabric = HedgehogFabric.objects.create(name="kc", kubernetes_kubeconfig=kubeconfig(cluster.url, cluster.ca_pem))
    result = run_sync(fabric)
    assert result.ok, result.error
    assert Switch.objects.filter(fabric=fabric).count() == 6
    report = check_fabric_connection(fabric)
    assert report.ok and "kubeconfig context 'lab'" in report.message and "Switch" in report.crds_found


@pytest.mark.django_db
def test_a_wrong_token_in_the_kubeconfig_is_a_401_without_the_token(cluster):
    wrong = "wrong-" + CLUSTER_TOKEN[::-1]
    fabric = HedgehogFabric.objects.create(
        name="kc", kubernetes_kubeconfig=kubeconfig(cluster.url, cluster.ca_pem, user={"token": wrong}))
    result = run_sync(fabric)
    assert not result.ok and "401" in result.error and wrong not in result.error
    report = check_fabric_connection(fabric)
    assert not report.ok and "401" in report.message and wrong not in report.message


@pytest.mark.django_db
def test_sync_with_a_client_certificate(kube_emulator):
    emulator = kube_emulator(token=None, client_certs=True)
    user = {"client-certificate-data": b64(emulator.client_cert_pem), "client-key-data": b64(emulator.client_key_pem)}
    fabric = HedgehogFabric.objects.create(
        name="cert", kubernetes_kubeconfig=kubeconfig(emulator.url, emulator.ca_pem, user=user))
    result = run_sync(fabric)
    assert result.ok, result.error
    assert Switch.objects.filter(fabric=fabric).count() == 6
    assert "PRIVATE KEY" not in str(result.as_dict())
    # Without the certificate the same cluster says 401.
    fabric.kubernetes_kubeconfig = kubeconfig(emulator.url, emulator.ca_pem, user={"token": "anything"})
    fabric.save()
    assert "401" in run_sync(fabric).error


@pytest.mark.django_db
def test_a_stored_kubeconfig_that_became_unusable_fails_the_run_with_the_reason(cluster):
    fabric = HedgehogFabric.objects.create(name="kc", kubernetes_kubeconfig=kubeconfig(cluster.url, cluster.ca_pem))
    HedgehogFabric.objects.filter(pk=fabric.pk).update(kubernetes_context="gone")
    fabric.refresh_from_db()
    result = run_sync(fabric)
    assert not result.ok and "no context named 'gone'" in result.error
    assert not check_fabric_connection(fabric).ok
