from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import HedgehogObject, spec_list, spec_mapping, spec_text, unique_per_fabric

__all__ = ("VPC", "External", "ExternalAttachment", "ExternalPeering", "IPv4Namespace", "VPCAttachment",
           "VPCPeering")


class IPv4Namespace(HedgehogObject):
    KIND = "IPv4Namespace"

    subnets = ArrayField(models.CharField(max_length=50), verbose_name=_("subnets"), default=list, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("IPv4 namespace")
        verbose_name_plural = _("IPv4 namespaces")
        constraints = [unique_per_fabric("ipv4namespace")]

    @classmethod
    def spec_columns(cls, spec):
        return {"subnets": [spec_text(subnet) for subnet in spec_list(spec.get("subnets"))]}


class VPC(HedgehogObject):
    KIND = "VPC"

    mode = models.CharField(verbose_name=_("mode"), max_length=30, blank=True)
    ipv4_namespace = models.CharField(verbose_name=_("IPv4 namespace"), max_length=253, blank=True)
    vlan_namespace = models.CharField(verbose_name=_("VLAN namespace"), max_length=253, blank=True)
    subnet_count = models.PositiveIntegerField(verbose_name=_("subnets"), default=0)
    subnets = ArrayField(models.CharField(max_length=50), verbose_name=_("subnet prefixes"), default=list, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("VPC")
        verbose_name_plural = _("VPCs")
        constraints = [unique_per_fabric("vpc")]

    @classmethod
    def spec_columns(cls, spec):
        subnets = spec_mapping(spec.get("subnets"))
        return {
            "mode": spec_text(spec.get("mode")),
            "ipv4_namespace": spec_text(spec.get("ipv4Namespace")),
            "vlan_namespace": spec_text(spec.get("vlanNamespace")),
            "subnet_count": len(subnets),
            "subnets": sorted(spec_text(spec_mapping(s).get("subnet")) for s in subnets.values()
                              if spec_mapping(s).get("subnet")),
        }


class VPCAttachment(HedgehogObject):
    KIND = "VPCAttachment"

    vpc = models.CharField(verbose_name=_("VPC"), max_length=253, blank=True)
    subnet = models.CharField(verbose_name=_("subnet"), max_length=253, blank=True)
    connection = models.CharField(verbose_name=_("connection"), max_length=253, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("VPC attachment")
        verbose_name_plural = _("VPC attachments")
        constraints = [unique_per_fabric("vpcattachment")]

    @classmethod
    def spec_columns(cls, spec):
        vpc, _slash, subnet = spec_text(spec.get("subnet")).partition("/")
        return {"vpc": vpc, "subnet": subnet, "connection": spec_text(spec.get("connection"))}


class VPCPeering(HedgehogObject):
    KIND = "VPCPeering"

    vpcs = ArrayField(models.CharField(max_length=253), verbose_name=_("VPCs"), default=list, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("VPC peering")
        verbose_name_plural = _("VPC peerings")
        constraints = [unique_per_fabric("vpcpeering")]

    @classmethod
    def spec_columns(cls, spec):
        vpcs = set()
        for permit in spec_list(spec.get("permit")):
            vpcs.update(spec_mapping(permit).keys())
        return {"vpcs": sorted(vpcs)}


class External(HedgehogObject):
    KIND = "External"

    ipv4_namespace = models.CharField(verbose_name=_("IPv4 namespace"), max_length=253, blank=True)
    inbound_community = models.CharField(verbose_name=_("inbound community"), max_length=50, blank=True)
    outbound_community = models.CharField(verbose_name=_("outbound community"), max_length=50, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("external")
        verbose_name_plural = _("externals")
        constraints = [unique_per_fabric("external")]

    @classmethod
    def spec_columns(cls, spec):
        return {
            "ipv4_namespace": spec_text(spec.get("ipv4Namespace")),
            "inbound_community": spec_text(spec.get("inboundCommunity")),
            "outbound_community": spec_text(spec.get("outboundCommunity")),
        }


class ExternalAttachment(HedgehogObject):
    KIND = "ExternalAttachment"

    external = models.CharField(verbose_name=_("external"), max_length=253, blank=True)
    connection = models.CharField(verbose_name=_("connection"), max_length=253, blank=True)
    is_static = models.BooleanField(verbose_name=_("static"), default=False)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("external attachment")
        verbose_name_plural = _("external attachments")
        constraints = [unique_per_fabric("externalattachment")]

    @classmethod
    def spec_columns(cls, spec):
        return {"external": spec_text(spec.get("external")), "connection": spec_text(spec.get("connection")),
                "is_static": bool(spec.get("static"))}


class ExternalPeering(HedgehogObject):
    KIND = "ExternalPeering"

    vpc = models.CharField(verbose_name=_("VPC"), max_length=253, blank=True)
    external = models.CharField(verbose_name=_("external"), max_length=253, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("external peering")
        verbose_name_plural = _("external peerings")
        constraints = [unique_per_fabric("externalpeering")]

    @classmethod
    def spec_columns(cls, spec):
        permit = spec_mapping(spec.get("permit"))
        return {"vpc": spec_text(spec_mapping(permit.get("vpc")).get("name")),
                "external": spec_text(spec_mapping(permit.get("external")).get("name"))}
