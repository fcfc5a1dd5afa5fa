from netbox.search import SearchIndex

from . import models

__all__ = ("indexes",)


class HedgehogFabricIndex(SearchIndex):
    """Secrets are never indexed: the search would otherwise hand them back."""

    model = models.HedgehogFabric
    fields = (
        ("name", 100),
        ("description", 500),
        ("kubernetes_server", 300),
        ("git_url", 300),
        ("comments", 5000),
    )
    display_attrs = ("status", "sync_status", "description")


def _kind_index(model, extra_fields=(), display_attrs=()):
    return type(f"{model.__name__}Index", (SearchIndex,), {
        "__module__": __name__,
        "model": model,
        "fields": (("name", 100), ("uid", 60), *extra_fields),
        "display_attrs": ("fabric", "namespace", "origin", *display_attrs),
    })


indexes = [
    HedgehogFabricIndex,
    _kind_index(models.VLANNamespace),
    _kind_index(models.IPv4Namespace),
    _kind_index(models.SwitchGroup),
    _kind_index(models.SwitchProfile, (("display_name", 200), ("switch_silicon", 300), ("platform", 300)),
                ("display_name", "switch_silicon", "port_count")),
    _kind_index(models.ServerProfile, (), ("nic_count", "port_count")),
    _kind_index(models.Switch, (("description", 500), ("profile", 300), ("redundancy_group", 300)),
                ("role", "asn", "description")),
    _kind_index(models.Server, (("description", 500), ("profile", 300)), ("description",)),
    _kind_index(models.GatewayGroup),
    _kind_index(models.Gateway, (("protocol_ip", 300), ("vtep_ip", 300)), ("asn", "protocol_ip", "interface_count")),
    _kind_index(models.Connection, (("connection_type", 300),), ("connection_type",)),
    _kind_index(models.VPC, (("ipv4_namespace", 300),), ("mode", "subnet_count")),
    _kind_index(models.VPCAttachment, (("vpc", 300), ("connection", 300)), ("vpc", "subnet", "connection")),
    _kind_index(models.VPCPeering),
    _kind_index(models.External, (("ipv4_namespace", 300),), ("ipv4_namespace",)),
    _kind_index(models.ExternalAttachment, (("external", 300), ("connection", 300)), ("external", "connection")),
    _kind_index(models.ExternalPeering, (("vpc", 300), ("external", 300)), ("vpc", "external")),
]
