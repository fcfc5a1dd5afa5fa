from .fabric import HedgehogFabric
from .vpc import VPC, External, ExternalAttachment, ExternalPeering, IPv4Namespace, VPCAttachment, VPCPeering
from .wiring import Connection, Server, Switch, SwitchGroup, VLANNamespace

__all__ = (
    "VPC",
    "Connection",
    "External",
    "ExternalAttachment",
    "ExternalPeering",
    "HedgehogFabric",
    "IPv4Namespace",
    "Server",
    "Switch",
    "SwitchGroup",
    "VLANNamespace",
    "VPCAttachment",
    "VPCPeering",
)

# Model per Hedgehog kind, in the KINDS table's order.
HEDGEHOG_MODELS = (VLANNamespace, IPv4Namespace, SwitchGroup, Switch, Server, Connection, VPC, VPCAttachment,
                   VPCPeering, External, ExternalAttachment, ExternalPeering)
MODEL_BY_KIND = {model.KIND: model for model in HEDGEHOG_MODELS}
