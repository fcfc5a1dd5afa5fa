from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import HedgehogObject, spec_asn, spec_text, unique_per_fabric

__all__ = ("Gateway", "GatewayGroup")


class GatewayGroup(HedgehogObject):
    KIND = "GatewayGroup"

    class Meta(HedgehogObject.Meta):
        verbose_name = _("gateway group")
        verbose_name_plural = _("gateway groups")
        constraints = [unique_per_fabric("gatewaygroup")]


class Gateway(HedgehogObject):
    """A Hedgehog gateway node: the far end of the fabric's `gateway` connections."""

    KIND = "Gateway"

    groups = ArrayField(models.CharField(max_length=253), verbose_name=_("groups"), default=list, blank=True)
    interface_count = models.PositiveIntegerField(verbose_name=_("interfaces"), default=0)
    asn = models.BigIntegerField(verbose_name=_("ASN"), null=True, blank=True)
    protocol_ip = models.CharField(verbose_name=_("protocol IP"), max_length=50, blank=True)
    vtep_ip = models.CharField(verbose_name=_("VTEP IP"), max_length=50, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")
        constraints = [unique_per_fabric("gateway")]

    @classmethod
    def spec_columns(cls, spec):
        groups = spec.get("groups")
        interfaces = spec.get("interfaces")
        return {
            "groups": [spec_text(group.get("name")) for group in groups
                       if isinstance(group, dict) and group.get("name")] if isinstance(groups, list) else [],
            "interface_count": len(interfaces) if isinstance(interfaces, dict) else 0,
            "asn": spec_asn(spec.get("asn")),
            "protocol_ip": spec_text(spec.get("protocolIP")),
            "vtep_ip": spec_text(spec.get("vtepIP")),
        }
