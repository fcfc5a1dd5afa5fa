"""
The KINDS table against the upstream CRD manifests (the predecessor guessed plurals and asked
for `switchs`), and the upstream sample wiring files against their CRD schemas.
"""
import pytest

from netbox_hedgehog.kinds import AGENT, IGNORED_KINDS, KINDS, KINDS_BY_NAME
from netbox_hedgehog.schemas import load_crd_manifests, validate_against_crd
from tests.helpers import SAMPLES_DIR, load_sample, sample_files

# In both lab-ci wiring files the static ExternalAttachment omits spec.switch and spec.neighbor,
# which the CRD marks required; the cluster stores them as {} after the webhook round-trip.
STATIC_ATTACHMENT = "ds3000-03--static-ext"
FILES_WITH_STATIC_ATTACHMENT = {"lab-ci_env-ci-1_wiring.yaml", "lab-ci_env-ci-1_wiring_mclag-variant.yaml"}


@pytest.mark.parametrize("kind", [*KINDS, AGENT], ids=lambda kind: kind.kind)
def test_kind_matches_crd(kind):
    crd = load_crd_manifests().get(kind.kind)
    assert crd is not None, f"no CRD manifest for {kind.kind}"
    names = crd["spec"]["names"]
    served = [version["name"] for version in crd["spec"]["versions"] if version.get("served")]
    assert names["kind"] == kind.kind
    assert crd["spec"]["group"] == kind.group
    assert names["plural"] == kind.plural
    assert served == [kind.version]
    assert crd["metadata"]["name"] == f"{kind.plural}.{kind.group}"
    assert crd["spec"]["scope"] == "Namespaced"


@pytest.mark.parametrize("kind", sorted(IGNORED_KINDS))
def test_ignored_kind_matches_crd(kind):
    assert load_crd_manifests()[kind]["spec"]["group"] == IGNORED_KINDS[kind]


def test_every_crd_is_synced_or_ignored():
    synced = {kind.kind for kind in KINDS}
    assert not synced & set(IGNORED_KINDS)
    assert set(load_crd_manifests()) == synced | set(IGNORED_KINDS)
    assert set(KINDS_BY_NAME) == synced


def test_the_ignored_kinds_are_the_ones_not_stored():
    assert set(IGNORED_KINDS) == {"Agent", "Catalog", "GatewayPeering", "VPCInfo"}


def test_every_kind_has_its_model_in_the_same_order():
    from netbox_hedgehog.models import HEDGEHOG_MODELS

    assert [model.KIND for model in HEDGEHOG_MODELS] == [kind.kind for kind in KINDS]
    assert [model._meta.model_name for model in HEDGEHOG_MODELS] == [kind.model for kind in KINDS]


def test_referenced_kinds_come_first():
    order = [kind.kind for kind in KINDS]
    references = {
        "Switch": ["SwitchGroup", "VLANNamespace", "SwitchProfile"],
        "Server": ["ServerProfile"],
        "Gateway": ["GatewayGroup"],
        "Connection": ["Switch", "Server", "Gateway"],
        "VPC": ["IPv4Namespace", "VLANNamespace"],
        "VPCAttachment": ["VPC", "Connection"],
        "VPCPeering": ["VPC"],
        "External": ["IPv4Namespace"],
        "ExternalAttachment": ["External", "Connection"],
        "ExternalPeering": ["External", "VPC"],
    }
    for kind, referenced in references.items():
        for other in referenced:
            assert order.index(other) < order.index(kind), f"{other} must come before {kind}"


def test_samples_hold_only_known_kinds():
    known = {kind.kind for kind in KINDS} | set(IGNORED_KINDS)
    for path in sample_files():
        for obj in load_sample(path):
            assert obj["kind"] in known, f"{path.name}: {obj['kind']}"


def test_every_sample_validates_the_static_attachment_too():
    # Wiring files are checked as the API server checks a create: without `status`. The static attachment's
    # `switch` and `neighbor` are required objects that may be empty, which a file may leave out.
    failures = {}
    for path in sample_files():
        for obj in load_sample(path):
            errors = validate_against_crd(obj, status=False)
            if errors:
                failures[(path.name, obj["metadata"]["name"])] = errors
    assert failures == {}
    for name in FILES_WITH_STATIC_ATTACHMENT:
        (attachment,) = [obj for obj in load_sample(SAMPLES_DIR / name) if obj["metadata"]["name"] == STATIC_ATTACHMENT]
        assert "switch" not in attachment["spec"] and "neighbor" not in attachment["spec"]


def test_required_fields_that_are_not_empty_objects_stay_required():
    attachment = {"apiVersion": "vpc.githedgehog.com/v1beta1", "kind": "ExternalAttachment",
                  "metadata": {"name": "att"}, "spec": {"connection": "c", "external": "e",
                                                        "inboundACL": {"statements": [{"seq": 1}]}}}
    errors = validate_against_crd(attachment, status=False)
    assert "spec.inboundACL.statements.0: 'action' is a required property" in errors
    assert validate_against_crd({"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Switch",
                                 "metadata": {"name": "leaf"}, "spec": {}}) == ["spec: 'role' is a required property"]


def test_static_attachment_validates_as_the_cluster_stores_it():
    for name in FILES_WITH_STATIC_ATTACHMENT:
        (attachment,) = [obj for obj in load_sample(SAMPLES_DIR / name)
                         if obj["metadata"]["name"] == STATIC_ATTACHMENT]
        stored = {**attachment, "spec": {**attachment["spec"], "switch": {}, "neighbor": {}}}
        assert validate_against_crd(stored) == []


def test_agent_sample_status_is_the_only_other_gap():
    # The Agent sample carries `status: {}`, which the status schema rejects (conditions is
    # required). A real API server drops status on create, so only the strict check sees it.
    (agent,) = load_sample(SAMPLES_DIR / "fabric-testdata_agent_l3vni-leaf-01.yaml")
    assert validate_against_crd(agent) == ["status: 'conditions' is a required property"]
    assert validate_against_crd(agent, status=False) == []


def test_validator_catches_mistakes():
    switch = {"apiVersion": "wiring.githedgehog.com/v1beta1", "kind": "Switch",
              "metadata": {"name": "leaf-01", "namespace": "default"}, "spec": {"role": "server-leaf"}}
    assert validate_against_crd(switch) == []
    assert validate_against_crd({**switch, "apiVersion": "wiring.githedgehog.com/v1alpha2"}) == [
        "apiVersion: 'wiring.githedgehog.com/v1alpha2' is not 'wiring.githedgehog.com/v1beta1'"
    ]
    assert validate_against_crd({**switch, "spec": {"role": "leaf"}})[0].startswith("spec.role: 'leaf' is not one of")
    assert validate_against_crd({**switch, "spec": {"role": "spine", "asn": 2**32}}) == [
        "spec.asn: 4294967296 is not a 'int32'"
    ]
    assert "spec: Additional properties are not allowed ('rol' was unexpected)" in validate_against_crd(
        {**switch, "spec": {"rol": "spine"}}
    )
    assert validate_against_crd({**switch, "metadata": {"name": 1}}) == ["metadata.name: 1 is not of type 'string'"]
    assert validate_against_crd({**switch, "kind": "Switchs"}) == ["kind: no CRD for kind 'Switchs'"]
