"""
The one table of Hedgehog kinds the plugin knows.

Group, version and plural come from the upstream CRD manifests (a test checks this table
against them), so nothing guesses a plural. Kept free of Django imports: sources, the
generator and the scheduler's worker entry points all read it.
"""
from dataclasses import dataclass

__all__ = ("AGENT", "IGNORED_KINDS", "KINDS", "KINDS_BY_NAME", "Kind")


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str
    version: str
    plural: str
    model: str  # model name in netbox_hedgehog (lower case), "" for kinds not stored as objects
    # The fabric controller creates and enforces these objects itself (SwitchProfile: its catalog of the
    # switch models it supports), so a Git repository rarely holds them: a copy only in the cluster is not drift.
    controller_catalog: bool = False

    @property
    def api_version(self):
        return f"{self.group}/{self.version}"


_WIRING = "wiring.githedgehog.com"
_VPC = "vpc.githedgehog.com"
_GATEWAY = "gateway.githedgehog.com"

# Order matters: referenced kinds come before the kinds that reference them, so the
# reconcile creates namespaces, profiles, switches and gateways before the connections that use them.
KINDS = (
    Kind("VLANNamespace", _WIRING, "v1beta1", "vlannamespaces", "vlannamespace"),
    Kind("IPv4Namespace", _VPC, "v1beta1", "ipv4namespaces", "ipv4namespace"),
    Kind("SwitchGroup", _WIRING, "v1beta1", "switchgroups", "switchgroup"),
    Kind("SwitchProfile", _WIRING, "v1beta1", "switchprofiles", "switchprofile", controller_catalog=True),
    Kind("ServerProfile", _WIRING, "v1beta1", "serverprofiles", "serverprofile"),
    Kind("Switch", _WIRING, "v1beta1", "switches", "switch"),
    Kind("Server", _WIRING, "v1beta1", "servers", "server"),
    Kind("GatewayGroup", _GATEWAY, "v1alpha1", "gatewaygroups", "gatewaygroup"),
    Kind("Gateway", _GATEWAY, "v1alpha1", "gateways", "gateway"),
    Kind("Connection", _WIRING, "v1beta1", "connections", "connection"),
    Kind("VPC", _VPC, "v1beta1", "vpcs", "vpc"),
    Kind("VPCAttachment", _VPC, "v1beta1", "vpcattachments", "vpcattachment"),
    Kind("VPCPeering", _VPC, "v1beta1", "vpcpeerings", "vpcpeering"),
    Kind("External", _VPC, "v1beta1", "externals", "external"),
    Kind("ExternalAttachment", _VPC, "v1beta1", "externalattachments", "externalattachment"),
    Kind("ExternalPeering", _VPC, "v1beta1", "externalpeerings", "externalpeering"),
)
KINDS_BY_NAME = {k.kind: k for k in KINDS}

# Agents carry each switch's live status; they are read from the cluster, not stored as objects.
AGENT = Kind("Agent", "agent.githedgehog.com", "v1beta1", "agents", "")

# Hedgehog kinds that may appear in a wiring file but are not synced into NetBox. A source
# reports them as ignored instead of failing the run with "unknown kind".
IGNORED_KINDS = {
    "Agent": "agent.githedgehog.com",
    "Catalog": "agent.githedgehog.com",
    "GatewayPeering": _GATEWAY,
    "VPCInfo": _GATEWAY,
}
