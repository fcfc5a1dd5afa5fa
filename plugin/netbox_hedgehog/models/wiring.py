from datetime import timedelta

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..connections import connection_endpoints
from .base import HedgehogObject, spec_asn, spec_mapping, spec_text, unique_per_fabric

__all__ = ("AGENT_ALIVE_WINDOW", "PORT_OPER_UP", "Connection", "Server", "ServerProfile", "Switch", "SwitchGroup",
           "SwitchProfile", "VLANNamespace", "port_oper")

# A switch agent whose last heartbeat is older than this is reported as not alive.
AGENT_ALIVE_WINDOW = timedelta(minutes=1)
# The oper state of a working port; any other reported state is a port that does not work.
PORT_OPER_UP = "up"


def port_oper(interfaces, port):
    """The oper state a switch's agent reports for `port` (its `agent_interfaces`); "" when it reports none."""
    state = interfaces.get(port) if isinstance(interfaces, dict) else None
    oper = state.get("oper") if isinstance(state, dict) else None
    return str(oper) if oper not in (None, "") else ""


class VLANNamespace(HedgehogObject):
    KIND = "VLANNamespace"

    class Meta(HedgehogObject.Meta):
        verbose_name = _("VLAN namespace")
        verbose_name_plural = _("VLAN namespaces")
        constraints = [unique_per_fabric("vlannamespace")]


class SwitchGroup(HedgehogObject):
    KIND = "SwitchGroup"

    class Meta(HedgehogObject.Meta):
        verbose_name = _("switch group")
        verbose_name_plural = _("switch groups")
        constraints = [unique_per_fabric("switchgroup")]


class SwitchProfile(HedgehogObject):
    """
    One switch model the fabric supports. `spec` keeps everything (ports with their NOS names, port groups,
    port profiles with speeds and breakouts); the columns are what an operator filters on.
    """

    KIND = "SwitchProfile"

    display_name = models.CharField(verbose_name=_("display name"), max_length=200, blank=True)
    switch_silicon = models.CharField(verbose_name=_("switch silicon"), max_length=100, blank=True)
    platform = models.CharField(verbose_name=_("platform"), max_length=100, blank=True)
    nos_type = models.CharField(verbose_name=_("NOS type"), max_length=100, blank=True)
    port_count = models.PositiveIntegerField(verbose_name=_("ports"), default=0,
                                             help_text=_("Ports the profile lists, management ports included"))

    class Meta(HedgehogObject.Meta):
        verbose_name = _("switch profile")
        verbose_name_plural = _("switch profiles")
        constraints = [unique_per_fabric("switchprofile")]

    @classmethod
    def spec_columns(cls, spec):
        ports = spec.get("ports")
        return {
            "display_name": spec_text(spec.get("displayName")),
            "switch_silicon": spec_text(spec.get("switchSilicon")),
            "platform": spec_text(spec.get("platform")),
            "nos_type": spec_text(spec.get("nosType")),
            "port_count": len(ports) if isinstance(ports, dict) else 0,
        }


class ServerProfile(HedgehogObject):
    KIND = "ServerProfile"

    nics = ArrayField(models.CharField(max_length=253), verbose_name=_("NICs"), default=list, blank=True)
    nic_count = models.PositiveIntegerField(verbose_name=_("NIC count"), default=0)
    port_count = models.PositiveIntegerField(verbose_name=_("ports"), default=0, help_text=_("Ports of all NICs"))

    class Meta(HedgehogObject.Meta):
        verbose_name = _("server profile")
        verbose_name_plural = _("server profiles")
        constraints = [unique_per_fabric("serverprofile")]

    @classmethod
    def spec_columns(cls, spec):
        nics = spec.get("nics")
        nics = [nic for nic in nics if isinstance(nic, dict)] if isinstance(nics, list) else []
        return {
            "nics": [spec_text(nic.get("name")) for nic in nics if nic.get("name")],
            "nic_count": len(nics),
            "port_count": sum(len(nic["ports"]) for nic in nics if isinstance(nic.get("ports"), list)),
        }


class Switch(HedgehogObject):
    KIND = "Switch"

    role = models.CharField(verbose_name=_("role"), max_length=50, blank=True)
    asn = models.BigIntegerField(verbose_name=_("ASN"), null=True, blank=True)
    profile = models.CharField(verbose_name=_("profile"), max_length=100, blank=True)
    redundancy_group = models.CharField(verbose_name=_("redundancy group"), max_length=253, blank=True)
    redundancy_type = models.CharField(verbose_name=_("redundancy type"), max_length=20, blank=True)
    description = models.CharField(verbose_name=_("description"), max_length=200, blank=True)
    # Live status from the switch's Agent object (cluster sources only).
    agent_heartbeat = models.DateTimeField(verbose_name=_("agent heartbeat"), null=True, blank=True)
    agent_applied_generation = models.BigIntegerField(verbose_name=_("agent applied generation"), null=True,
                                                      blank=True)
    agent_interfaces = models.JSONField(verbose_name=_("agent interfaces"), default=dict, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("switch")
        verbose_name_plural = _("switches")
        constraints = [unique_per_fabric("switch")]

    @classmethod
    def spec_columns(cls, spec):
        redundancy = spec_mapping(spec.get("redundancy"))
        return {
            "role": spec_text(spec.get("role")),
            "asn": spec_asn(spec.get("asn")),
            "profile": spec_text(spec.get("profile")),
            "redundancy_group": spec_text(redundancy.get("group")),
            "redundancy_type": spec_text(redundancy.get("type")),
            "description": spec_text(spec.get("description")),
        }

    @property
    def agent_alive(self):
        """True or False once the cluster reported an agent; None when no agent is known."""
        if self.agent_heartbeat is None:
            return None
        return timezone.now() - self.agent_heartbeat < AGENT_ALIVE_WINDOW

    @property
    def agent_applied_current(self):
        if self.agent_applied_generation is None or self.generation is None:
            return None
        return self.agent_applied_generation >= self.generation


class Server(HedgehogObject):
    KIND = "Server"

    profile = models.CharField(verbose_name=_("profile"), max_length=100, blank=True)
    description = models.CharField(verbose_name=_("description"), max_length=200, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("server")
        verbose_name_plural = _("servers")
        constraints = [unique_per_fabric("server")]

    @classmethod
    def spec_columns(cls, spec):
        return {"profile": spec_text(spec.get("profile")), "description": spec_text(spec.get("description"))}


class Connection(HedgehogObject):
    KIND = "Connection"

    connection_type = models.CharField(verbose_name=_("type"), max_length=30, blank=True)
    endpoints = ArrayField(models.CharField(max_length=300), verbose_name=_("endpoints"), default=list, blank=True,
                           help_text=_("Ports in device/port form, e.g. leaf-01/E1/1"))
    devices = ArrayField(models.CharField(max_length=253), verbose_name=_("devices"), default=list, blank=True)

    class Meta(HedgehogObject.Meta):
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        constraints = [unique_per_fabric("connection")]

    def port_states(self):
        """(endpoint, oper state) for each of this connection's switch ports whose agent reports it."""
        interfaces = dict(Switch.objects.filter(fabric_id=self.fabric_id, name__in=self.devices)
                          .values_list("name", "agent_interfaces"))
        states = []
        for endpoint in self.endpoints:
            device, _slash, port = endpoint.partition("/")
            if device in interfaces:
                states.append((endpoint, port_oper(interfaces[device], port)))
        return states

    @classmethod
    def spec_columns(cls, spec):
        connection_type, endpoints = connection_endpoints(spec)
        devices = sorted({endpoint.split("/", 1)[0] for endpoint in endpoints})
        return {"connection_type": connection_type, "endpoints": endpoints, "devices": devices}
