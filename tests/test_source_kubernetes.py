"""
The Kubernetes source against the Kubernetes API emulator, through the real `kubernetes` client
over HTTP(S). No database, no mocks of the client.
"""
import copy
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import trustme

from netbox_hedgehog.kinds import AGENT, KINDS
from netbox_hedgehog.schemas import CrdSchemas, load_crd_manifests
from netbox_hedgehog.sync.kubernetes import ConnectionReport, KubernetesLimits, KubernetesSource
from netbox_hedgehog.sync.types import SourceError
from tests.helpers import AGENT_SAMPLE, LAB_GATEWAY, LAB_WIRING, load_sample
from tests.helpers import CLUSTER_TOKEN as TOKEN
from tests.kube_emulator import EMULATED_KINDS, HostileKubeServer, KubeEmulator

REPO_ROOT = Path(__file__).resolve().parents[1]

FAST = 2  # seconds: every request in these tests answers in milliseconds unless told to stall


@pytest.fixture(scope="module")
def lab_objects():
    return load_sample(LAB_WIRING)


@pytest.fixture(scope="module")
def agent_object():
    return load_sample(AGENT_SAMPLE)[0]


@pytest.fixture
def cluster(kube_emulator, lab_objects, agent_object):
    """The lab sample and one Agent, over plain HTTP (the TLS cases use tls_cluster)."""
    return kube_emulator([*lab_objects, agent_object], tls=False)


@pytest.fixture(scope="module")
def tls_cluster(lab_objects):
    with KubeEmulator(lab_objects, token=TOKEN, tls=True) as emulator:
        yield emulator


def source_for(emulator, **overrides):
    settings = {"server": emulator.url, "token": TOKEN, "ca_cert": emulator.ca_pem, "timeout": FAST}
    settings.update(overrides)
    return KubernetesSource(**settings)


def load_error(source):
    with pytest.raises(SourceError) as raised:
        source.load()
    message = str(raised.value)
    assert TOKEN not in message and TOKEN not in repr(raised.value)
    assert raised.value.__cause__ is None
    return message


# --- loading ---------------------------------------------------------------------------------


def test_load_returns_every_sample_object_with_counts_per_kind(cluster, lab_objects):
    snapshot = source_for(cluster).load()

    assert snapshot.source == "kubernetes"
    assert Counter(o.kind for o in snapshot.objects) == Counter(m["kind"] for m in lab_objects)
    assert Counter(o.kind for o in snapshot.objects) == {
        "Connection": 24, "Server": 8, "Switch": 6, "ExternalAttachment": 5, "External": 3, "SwitchGroup": 3,
        "VLANNamespace": 1, "IPv4Namespace": 1}
    assert snapshot.skipped_kinds == {}
    assert snapshot.problems == []
    assert snapshot.revision == cluster.resource_version


def test_loaded_objects_carry_cluster_metadata(cluster):
    snapshot = source_for(cluster).load()

    switch = next(o for o in snapshot.objects if o.kind == "Switch")
    assert switch.location == "cluster"
    assert switch.namespace == "default"
    assert switch.key == ("Switch", "default", switch.name)
    assert switch.manifest["apiVersion"] == "wiring.githedgehog.com/v1beta1"
    metadata = switch.manifest["metadata"]
    assert metadata["name"] == switch.name
    assert metadata["uid"] and metadata["resourceVersion"] and metadata["generation"] == 1
    assert metadata["creationTimestamp"].endswith("Z")
    assert len({o.key for o in snapshot.objects}) == len(snapshot.objects)


def test_agents_are_keyed_by_switch_name(cluster):
    snapshot = source_for(cluster).load()

    assert set(snapshot.agents) == {"leaf-01"}
    assert snapshot.agents["leaf-01"]["kind"] == "Agent"
    assert all(o.kind != "Agent" for o in snapshot.objects)


def test_revision_follows_cluster_changes(cluster, lab_objects):
    source = source_for(cluster)
    first = source.load()

    switch = next(m for m in lab_objects if m["kind"] == "Switch")
    changed = {**switch, "spec": {**switch["spec"], "description": "moved to rack 7"}}
    stored = cluster.upsert(changed)
    assert stored["metadata"]["generation"] == 2
    cluster.delete("Server", next(m for m in lab_objects if m["kind"] == "Server")["metadata"]["name"])
    second = source.load()

    assert int(second.revision) > int(first.revision)
    assert len(second.objects) == len(first.objects) - 1
    reloaded = next(o for o in second.objects if o.name == switch["metadata"]["name"] and o.kind == "Switch")
    assert reloaded.manifest["spec"]["description"] == "moved to rack 7"
    assert reloaded.manifest["metadata"]["generation"] == 2


def test_pagination_reads_every_page_without_loss_or_duplicates(cluster, lab_objects):
    cluster.clear_requests()
    snapshot = source_for(cluster, page_size=5).load()

    connection_lists = cluster.list_requests("connections")
    assert len(connection_lists) == 5  # 24 connections, 5 a page
    assert [r.query.get("limit") for r in connection_lists] == ["5"] * 5
    assert "continue" not in connection_lists[0].query
    assert all(r.query.get("continue") for r in connection_lists[1:])
    assert len({r.query["continue"] for r in connection_lists[1:]}) == 4

    names = sorted(o.name for o in snapshot.objects if o.kind == "Connection")
    assert names == sorted(m["metadata"]["name"] for m in lab_objects if m["kind"] == "Connection")
    assert len(snapshot.objects) == len(lab_objects)


def test_page_size_larger_than_a_kind_needs_one_request(cluster):
    cluster.clear_requests()
    source_for(cluster, page_size=500).load()

    assert len(cluster.list_requests()) == len(KINDS) + 1  # every kind once, plus Agents


def test_missing_crd_is_skipped_and_the_rest_loads(lab_objects):
    installed = set(EMULATED_KINDS) - {"Connection", "Agent"}
    with KubeEmulator(lab_objects, crds=installed, token=TOKEN) as emulator:
        snapshot = source_for(emulator).load()

    assert snapshot.skipped_kinds == {
        "Connection": "CRD connections.wiring.githedgehog.com not installed in the cluster",
        "Agent": "CRD agents.agent.githedgehog.com not installed in the cluster",
    }
    assert snapshot.agents == {}
    kinds = Counter(o.kind for o in snapshot.objects)
    assert "Connection" not in kinds
    assert kinds["Switch"] == 6 and kinds["Server"] == 8


def test_gateways_and_profiles_are_read_from_their_groups(lab_objects):
    gateway_wiring = load_sample(LAB_GATEWAY)
    profile = {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "SwitchProfile",
               "metadata": {"name": "vs", "namespace": "default"},
               "spec": {"displayName": "Virtual Switch", "ports": {"M1": {"nos": "Management0", "management": True}}}}
    with KubeEmulator([*lab_objects, *gateway_wiring, profile], token=TOKEN) as emulator:
        snapshot = source_for(emulator).load()
        requests = {request.path for request in emulator.list_requests()}

    kinds = Counter(o.kind for o in snapshot.objects)
    assert (kinds["Gateway"], kinds["GatewayGroup"], kinds["SwitchProfile"], kinds["Connection"]) == (2, 1, 1, 26)
    assert snapshot.skipped_kinds == {}
    assert "/apis/gateway.githedgehog.com/v1alpha1/namespaces/default/gateways" in requests
    gateway = next(o for o in snapshot.objects if o.kind == "Gateway" and o.name == "gateway-1")
    assert gateway.manifest["apiVersion"] == "gateway.githedgehog.com/v1alpha1"
    assert gateway.manifest["spec"]["interfaces"] == {"enp2s1np0": {}}


def test_a_cluster_without_the_gateway_crds_skips_them(lab_objects):
    # Older fabrics serve no gateway.githedgehog.com group at all.
    installed = set(EMULATED_KINDS) - {"Gateway", "GatewayGroup"}
    with KubeEmulator(lab_objects, crds=installed, token=TOKEN) as emulator:
        snapshot = source_for(emulator).load()
        report = source_for(emulator).test_connection()

    assert snapshot.skipped_kinds == {
        "GatewayGroup": "CRD gatewaygroups.gateway.githedgehog.com not installed in the cluster",
        "Gateway": "CRD gateways.gateway.githedgehog.com not installed in the cluster",
    }
    assert Counter(o.kind for o in snapshot.objects)["Switch"] == 6
    assert report.ok and report.crds_missing == ["GatewayGroup", "Gateway"]
    assert "15 of 17" in report.message and "not installed: GatewayGroup, Gateway" in report.message


# --- TLS -------------------------------------------------------------------------------------


def test_tls_with_ca_and_token_loads(tls_cluster, lab_objects):
    assert tls_cluster.url.startswith("https://")
    snapshot = source_for(tls_cluster).load()

    assert len(snapshot.objects) == len(lab_objects)


def test_tls_with_wrong_ca_fails_verification(tls_cluster):
    other_ca = trustme.CA().cert_pem.bytes().decode()
    message = load_error(source_for(tls_cluster, ca_cert=other_ca))

    assert message.startswith(f"Kubernetes API at {tls_cluster.url}: TLS verification failed")
    assert "BEGIN CERTIFICATE" not in message


def test_tls_without_ca_fails_verification(tls_cluster):
    message = load_error(source_for(tls_cluster, ca_cert=""))

    assert "TLS verification failed" in message


def test_tls_verification_off_accepts_an_unknown_ca(tls_cluster, lab_objects):
    other_ca = trustme.CA().cert_pem.bytes().decode()
    snapshot = source_for(tls_cluster, ca_cert=other_ca, verify_tls=False).load()

    assert len(snapshot.objects) == len(lab_objects)


def test_ca_that_is_not_pem_is_reported(tls_cluster):
    message = load_error(source_for(tls_cluster, ca_cert="not a certificate " + TOKEN))

    assert "CA certificate could not be loaded" in message


def test_no_ca_file_is_left_behind(tls_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    source_for(tls_cluster).load()
    load_error(source_for(tls_cluster, ca_cert=trustme.CA().cert_pem.bytes().decode()))

    assert list(tmp_path.iterdir()) == []


# --- failures --------------------------------------------------------------------------------


def test_wrong_token_is_401(cluster):
    message = load_error(source_for(cluster, token="wrong-" + TOKEN[::-1]))

    assert message == f"Kubernetes API at {cluster.url} rejected the credentials (401 Unauthorized)"


def test_missing_token_is_401(cluster):
    assert "401 Unauthorized" in load_error(source_for(cluster, token=""))


def test_forbidden_is_403(lab_objects):
    with KubeEmulator(lab_objects, token=TOKEN, forbidden=True) as emulator:
        message = load_error(source_for(emulator))

    assert "403 Forbidden" in message
    assert "vlannamespaces.wiring.githedgehog.com" in message


def test_server_error_is_reported_with_the_resource(cluster):
    cluster.fail_with(500, path_contains="/switches")
    message = load_error(source_for(cluster))

    assert message == (f"Kubernetes API at {cluster.url} answered HTTP 500 while listing "
                       "switches.wiring.githedgehog.com")


def test_slow_server_times_out(cluster):
    cluster.delay(1.5)
    message = load_error(source_for(cluster, timeout=0.3))

    assert message == (f"Kubernetes API at {cluster.url} timed out after 0.3 s while listing "
                       "vlannamespaces.wiring.githedgehog.com")


def test_server_dying_mid_list_is_an_error_not_a_short_list(cluster):
    cluster.die_after_pages(3)
    message = load_error(source_for(cluster, page_size=2))

    assert message.startswith(f"Kubernetes API at {cluster.url} closed the connection while listing")


def test_server_dying_mid_list_over_tls(lab_objects):
    with KubeEmulator(lab_objects, token=TOKEN, tls=True) as emulator:
        emulator.die_after_pages(1)
        message = load_error(source_for(emulator, page_size=2))

    assert "closed the connection while listing" in message


def test_garbage_response_is_reported(cluster):
    cluster.respond_garbage()
    message = load_error(source_for(cluster))

    assert "not valid Kubernetes JSON" in message


def test_expired_continue_token_is_410(cluster):
    cluster.fail_with(410, times=1, path_contains="/connections")
    message = load_error(source_for(cluster, page_size=5))

    assert "410 Gone" in message and "connections.wiring.githedgehog.com" in message


def test_connection_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    message = load_error(KubernetesSource(server=f"http://127.0.0.1:{port}", token=TOKEN, timeout=FAST))

    assert message == f"Kubernetes API at http://127.0.0.1:{port}: connection refused"


@pytest.mark.parametrize("server", ["", "127.0.0.1:6443", "ftp://host", "https://"])
def test_server_url_must_be_http(server):
    message = load_error(KubernetesSource(server=server, token=TOKEN))

    assert "is not an http(s):// URL" in message


def test_token_never_appears_in_any_message(cluster, tls_cluster):
    """Every failure path, with a token the server would echo if it were careless."""
    messages = []
    for setup, overrides in [
        (lambda: cluster.fail_with(500), {}),
        (lambda: cluster.fail_with(403), {}),
        (lambda: cluster.fail_with(410), {}),
        (lambda: cluster.delay(1), {"timeout": 0.2}),
        (lambda: cluster.die_after_pages(0), {}),
        (cluster.respond_garbage, {}),
        (lambda: None, {"token": TOKEN + "x"}),
        (lambda: None, {"server": cluster.url + "/" + TOKEN}),
    ]:
        cluster.reset_faults()
        setup()
        source = source_for(cluster, **overrides)
        messages.append(load_error(source))
        messages.append(source.test_connection().message)
    cluster.reset_faults()
    for overrides in ({"ca_cert": ""}, {"ca_cert": TOKEN}, {"ca_cert": trustme.CA().cert_pem.bytes().decode()}):
        source = source_for(tls_cluster, **overrides)
        messages.append(load_error(source))
        messages.append(source.test_connection().message)

    assert len(messages) == 22
    for message in messages:
        assert message and TOKEN not in message


# --- test_connection -------------------------------------------------------------------------


def test_connection_ok_lists_every_crd(cluster):
    report = source_for(cluster).test_connection()

    assert report == ConnectionReport(
        ok=True, message=f"Connected to Kubernetes API at {cluster.url}: 17 of 17 Hedgehog kinds served",
        crds_found=[k.kind for k in (*KINDS, AGENT)], crds_missing=[])


def test_connection_with_tls(tls_cluster):
    report = source_for(tls_cluster).test_connection()

    assert report.ok, report.message


def test_connection_partial_crds(lab_objects):
    # The whole vpc group missing answers 404 on its discovery; Agent is missing from its own group.
    installed = {k.kind for k in KINDS if k.group == "wiring.githedgehog.com"}
    with KubeEmulator(lab_objects, crds=installed, token=TOKEN) as emulator:
        report = source_for(emulator).test_connection()

    assert report.ok
    assert report.crds_found == ["VLANNamespace", "SwitchGroup", "SwitchProfile", "ServerProfile", "Switch",
                                 "Server", "Connection"]
    assert report.crds_missing == ["IPv4Namespace", "GatewayGroup", "Gateway", "VPC", "VPCAttachment",
                                   "VPCPeering", "External", "ExternalAttachment", "ExternalPeering", "Agent"]
    assert "7 of 17" in report.message and "not installed: IPv4Namespace, GatewayGroup" in report.message


def test_connection_without_any_hedgehog_crd():
    with KubeEmulator([], crds=set(), token=TOKEN) as emulator:
        report = source_for(emulator).test_connection()

    assert not report.ok
    assert "no Hedgehog CRDs were found" in report.message
    assert report.crds_found == [] and len(report.crds_missing) == len(KINDS) + 1


def test_connection_wrong_token(cluster):
    report = source_for(cluster, token="not-the-token").test_connection()

    assert report == ConnectionReport(
        ok=False, message=f"Kubernetes API at {cluster.url} rejected the credentials (401 Unauthorized)")


def test_connection_discovery_allowed_but_list_forbidden(cluster):
    cluster.fail_with(403, path_contains="/namespaces/")
    report = source_for(cluster).test_connection()

    assert not report.ok
    assert "403 Forbidden" in report.message and "vlannamespaces" in report.message


def test_connection_refused_report():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = KubernetesSource(server=f"http://127.0.0.1:{port}", timeout=FAST).test_connection()

    assert not report.ok and report.message.endswith("connection refused")


# --- the module stays light, the emulator behaves like a cluster ------------------------------


def test_importing_the_source_does_not_import_the_kubernetes_client():
    code = "import sys, netbox_hedgehog.sync.kubernetes; sys.exit('kubernetes' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT).returncode == 0


def test_emulator_serves_single_objects_and_expires_continue_tokens(cluster, lab_objects):
    from kubernetes import client

    switch_name = next(m["metadata"]["name"] for m in lab_objects if m["kind"] == "Switch")

    configuration = client.Configuration(host=cluster.url, api_key={"authorization": TOKEN},
                                         api_key_prefix={"authorization": "Bearer"})
    with client.ApiClient(configuration) as api_client:
        custom_objects = client.CustomObjectsApi(api_client)
        arguments = ("wiring.githedgehog.com", "v1beta1", "default", "connections")
        first = custom_objects.list_namespaced_custom_object(*arguments, limit=10)
        assert first["metadata"]["remainingItemCount"] == 14
        cluster.expire_continue_tokens()
        with pytest.raises(client.ApiException) as raised:
            custom_objects.list_namespaced_custom_object(*arguments, limit=10, _continue=first["metadata"]["continue"])
        assert raised.value.status == 410
        switch = custom_objects.get_namespaced_custom_object("wiring.githedgehog.com", "v1beta1", "default",
                                                              "switches", switch_name)
        assert switch["kind"] == "Switch" and switch["metadata"]["name"] == switch_name
        with pytest.raises(client.ApiException) as raised:
            custom_objects.get_namespaced_custom_object("wiring.githedgehog.com", "v1beta1", "default", "switches",
                                                        "no-such-switch")
        assert raised.value.status == 404


def test_emulator_upsert_of_an_unchanged_object_keeps_its_resource_version(cluster, lab_objects):
    before = cluster.resource_version
    stored = cluster.upsert(lab_objects[0])

    assert cluster.resource_version == before
    assert stored["metadata"]["generation"] == 1


def test_emulator_as_a_process_with_tls_and_token(tmp_path, lab_objects):
    command = [sys.executable, "-m", "tests.kube_emulator", "--port", "0", "--objects", str(LAB_WIRING),
               "--token", TOKEN, "--tls-dir", str(tmp_path)]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:"), process.stderr.read()
        ca_pem = (tmp_path / "ca.pem").read_text()
        snapshot = KubernetesSource(server=url, token=TOKEN, ca_cert=ca_pem, timeout=FAST).load()
        assert len(snapshot.objects) == len(lab_objects)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()
        process.stderr.close()


def test_cluster_without_any_hedgehog_crd_is_an_error_not_an_empty_fabric():
    with KubeEmulator([], crds={"Agent"}, token=TOKEN) as emulator:
        message = load_error(source_for(emulator))

    assert message == (f"Kubernetes API at {emulator.url} serves none of the Hedgehog CRDs (is it a Hedgehog "
                       "control node, and is the URL right?)")


# --- limits: servers that never stop, answer too much or drip -------------------------------------

def hostile_source(server, **overrides):
    settings = {"server": server.url, "token": TOKEN, "timeout": 10, "limits": KubernetesLimits(max_pages=40)}
    settings.update(overrides)
    return KubernetesSource(**settings)


def test_a_server_that_hands_out_continue_tokens_forever_is_stopped_at_the_page_limit():
    with HostileKubeServer("endless_pages") as server:
        message = load_error(hostile_source(server))
    assert message == (f"Kubernetes API at {server.url} answered more than 40 pages (setting kubernetes_max_pages) "
                       "while listing vlannamespaces.wiring.githedgehog.com")
    assert server.requests == 40


def test_a_server_that_hands_out_continue_tokens_forever_is_stopped_by_the_object_limit_or_the_deadline():
    with HostileKubeServer("endless_pages") as server:
        message = load_error(hostile_source(server, limits=KubernetesLimits(max_objects=25)))
        assert message == (f"Kubernetes API at {server.url} holds more than 25 objects (setting "
                           "kubernetes_max_objects) of vlannamespaces.wiring.githedgehog.com")
        started = time.monotonic()
        message = load_error(hostile_source(server, timeout=1, limits=KubernetesLimits(max_pages=10**9)))
    assert message == (f"Kubernetes API at {server.url} timed out after 1 s while listing "
                       "vlannamespaces.wiring.githedgehog.com")
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("behaviour", ["huge_body", "huge_body_unannounced"])
def test_a_huge_answer_is_read_only_up_to_the_size_limit(behaviour):
    with HostileKubeServer(behaviour) as server:
        message = load_error(hostile_source(server, limits=KubernetesLimits(max_response_size=1024 * 1024)))
        sent = server.sent
    assert message == (f"Kubernetes API at {server.url} answered more than 1048576 bytes (setting "
                       "kubernetes_max_response_size) while listing vlannamespaces.wiring.githedgehog.com")
    # The server had 512 MiB to send; it got rid of the limit and what the sockets' buffers held.
    assert sent < 32 * 1024 * 1024


@pytest.mark.parametrize("behaviour", ["drip_body", "drip_headers"])
def test_a_server_that_drips_bytes_ends_the_load_at_the_deadline(behaviour):
    with HostileKubeServer(behaviour, interval=0.2) as server:
        started = time.monotonic()
        message = load_error(hostile_source(server, timeout=1.5))
        elapsed = time.monotonic() - started
        report = hostile_source(server, timeout=1).test_connection()
    assert message == (f"Kubernetes API at {server.url} timed out after 1.5 s while listing "
                       "vlannamespaces.wiring.githedgehog.com")
    assert elapsed < 3.5  # the deadline, not the 0.2 s between bytes, and not the length of the drip
    assert not report.ok and "timed out after 1 s" in report.message


def test_objects_the_cluster_serves_that_netbox_cannot_store_are_per_object_problems(cluster):
    def switch(name, **fields):
        return {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Switch",
                "metadata": {"name": name, "namespace": "default"}, "spec": {"role": "server-leaf"}, **fields}

    cluster.add_raw_items("Switch", [
        {**switch("x"), "metadata": ["not", "a", "mapping"]},
        {**switch("labels"), "metadata": {"name": "labels", "labels": ["a"]}},
        switch("nul", spec={"description": "a\x00b"}),
        switch("surrogate", spec={"description": "\ud800"}),
        switch("huge-asn", spec={"role": "spine", "asn": 2**70}),
        switch("n" * 300),
        switch("status", status=["not", "a", "mapping"]),
        "not an object",
    ])
    snapshot = source_for(cluster).load()
    problems = [(p.kind, p.name, p.message) for p in snapshot.problems]
    assert problems == [
        ("Switch", "", "metadata: ['not', 'a', 'mapping'] is not of type 'object'"),
        ("Switch", "labels", "metadata.labels: ['a'] is not of type 'object', 'null'"),
        ("Switch", "nul", "spec.description: the text 'a\\x00b' holds a NUL character"),
        ("Switch", "surrogate", "spec.description: the text '\\ud800' holds a lone UTF-16 surrogate"),
        ("Switch", "huge-asn", "spec.asn: the integer 1180591620717411303424 does not fit in 64 bits"),
        ("Switch", "n" * 253, f"metadata.name: '{'n' * 50}...' is too long"),
        ("Switch", "status", "'status' is a list, not a mapping"),
        ("Switch", "", "the cluster listed 'str', not an object"),
    ]
    assert sum(1 for obj in snapshot.objects if obj.kind == "Switch") == 6  # the lab's, which are fine


def test_an_answer_that_is_not_json_fails_the_load(cluster):
    cluster.add_raw_items("VLANNamespace", [float("nan")])
    message = load_error(source_for(cluster))
    assert message == (f"Kubernetes API at {cluster.url} returned a response that is not valid Kubernetes JSON "
                       "while listing vlannamespaces.wiring.githedgehog.com")
    with HostileKubeServer("deep_json") as server:
        message = load_error(hostile_source(server))
    assert message == (f"Kubernetes API at {server.url} returned a response that is not valid Kubernetes JSON "
                       "while listing vlannamespaces.wiring.githedgehog.com")


def test_the_crds_the_cluster_serves_are_read_for_the_git_objects(lab_objects):
    crd = copy.deepcopy(load_crd_manifests()["Server"])
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["rack"] = {
        "type": "string"}
    racked = {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Server", "metadata": {"name": "srv"},
              "spec": {"rack": "r7"}}
    with KubeEmulator(lab_objects, token=TOKEN, crd_manifests={"Server": crd}) as emulator:
        schemas = source_for(emulator).load().crd_schemas
        assert schemas.origin == f"the CRDs Kubernetes API at {emulator.url} serves"
        assert schemas.errors(racked, status=False) == []
        assert len(emulator.requests_for("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/")) == len(KINDS)
    with KubeEmulator(lab_objects, token=TOKEN, crds_readable=False) as emulator:
        schemas = source_for(emulator).load().crd_schemas
    assert schemas is CrdSchemas.shipped()
    assert "('rack' was unexpected)" in schemas.errors(racked, status=False)[0]
    broken = copy.deepcopy(crd)
    broken["spec"]["versions"] = []
    with KubeEmulator(lab_objects, token=TOKEN, crd_manifests={"Server": broken}) as emulator:
        message = load_error(source_for(emulator))
    assert message == f"Kubernetes API at {emulator.url}: the CRD of Server cannot be used: serves no version 'v1beta1'"
