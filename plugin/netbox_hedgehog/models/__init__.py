from .fabric import HedgehogFabric
from .gateway import Gateway, GatewayGroup
from .vpc import VPC, External, ExternalAttachment, ExternalPeering, IPv4Namespace, VPCAttachment, VPCPeering
from .wiring import Connection, Server, ServerProfile, Switch, SwitchGroup, SwitchProfile, VLANNamespace

__all__ = (
    "VPC",
    "Connection",
    "External",
    "ExternalAttachment",
    "ExternalPeering",
    "Gateway",
    "GatewayGroup",
    "HedgehogFabric",
    "IPv4Namespace",
    "Server",
    "ServerProfile",
    "Switch",
    "SwitchGroup",
    "SwitchProfile",
    "VLANNamespace",
    "VPCAttachment",
    "VPCPeering",
)

# Model per Hedgehog kind, in the KINDS table's order.
HEDGEHOG_MODELS = (VLANNamespace, IPv4Namespace, SwitchGroup, SwitchProfile, ServerProfile, Switch, Server,
                   GatewayGroup, Gateway, Connection, VPC, VPCAttachment, VPCPeering, External, ExternalAttachment,
                   ExternalPeering)
MODEL_BY_KIND = {model.KIND: model for model in HEDGEHOG_MODELS}
