"""
The one home of the small helpers the tests share: waiting for a condition, overriding plugin settings,
the sample wiring files, and factories for fabrics and kind objects. Fixtures built on them live in
tests/conftest.py; the harnesses that drive real things are tests/processes.py (NetBox processes and the
session's redis-server), tests/gitrepo.py (Git repositories) and tests/kube_emulator (a Kubernetes API).
"""
import time
from datetime import timedelta
from pathlib import Path

import yaml

__all__ = ("AGENT_SAMPLE", "CLUSTER_TOKEN", "DATA_DIR", "LAB_GATEWAY", "LAB_WIRING", "SAMPLES_DIR", "billion_laughs",
           "cluster_fabric", "create_fabrics", "create_kind_objects", "git_fabric", "lab_objects", "load_sample",
           "plugin_settings", "sample_files", "server_yaml", "subscribe", "table_lock", "wait_for", "waiting_on_lock")

DATA_DIR = Path(__file__).resolve().parent / "data"
# Hedgehog's own sample wiring files (origins and licence in data/hedgehog/README.md).
SAMPLES_DIR = DATA_DIR / "hedgehog" / "samples"
LAB_WIRING = SAMPLES_DIR / "lab-ci_env-ci-1_wiring.yaml"
# Its gateways: a GatewayGroup, two Gateways and their connections to the spines of LAB_WIRING.
LAB_GATEWAY = SAMPLES_DIR / "lab-ci_env-ci-1_wiring-gateway.yaml"
AGENT_SAMPLE = SAMPLES_DIR / "fabric-testdata_agent_l3vni-leaf-01.yaml"
# The bearer token the `cluster` emulator wants: long and distinctive, so a leak anywhere would be found.
CLUSTER_TOKEN = "eyJhbGciOiJSUzI1NiJ9.hedgehog-test-token-4f9c2a7e1b"


def wait_for(condition, timeout, interval=0.1, message="condition"):
    """Poll `condition` until it returns something truthy; return that, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def table_lock(model, mode="EXCLUSIVE"):
    """
    Lock `model`'s table from a connection of its own (returned; roll it back to release). EXCLUSIVE lets others
    read but blocks their writes, so a sync stops mid-transaction; ACCESS EXCLUSIVE blocks reads too.
    """
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    blocker = psycopg.connect(dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
                              port=settings["PORT"])
    blocker.execute(f"LOCK TABLE {model._meta.db_table} IN {mode} MODE")
    return blocker


def waiting_on_lock(model, statement):
    """Whether some session waits for a lock with a `statement` ("INSERT", "SELECT", ...) on `model`'s table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE %s",
                       [f"%{statement}%\"{model._meta.db_table}\"%"])
        return cursor.fetchone()[0] > 0


def plugin_settings(**values):
    """override_settings() for some of the plugin's settings, the others kept."""
    from django.conf import settings
    from django.test import override_settings

    return override_settings(PLUGINS_CONFIG={
        **settings.PLUGINS_CONFIG, "netbox_hedgehog": {**settings.PLUGINS_CONFIG["netbox_hedgehog"], **values}})


def server_yaml(name, spec="description: a server"):
    """One Server document as text, its spec given as one line of YAML (`spec`)."""
    return (f"apiVersion: wiring.githedgehog.com/v1beta1\nkind: Server\nmetadata:\n  name: {name}\n"
            f"spec:\n  {spec}\n")


def billion_laughs(levels, width=10):
    """A Server whose spec holds a "billion laughs": `levels` lists of `width` aliases of the level below, a few
    hundred bytes that expand into width**levels strings."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return server_yaml("laughs", "\n  ".join(lines))


def sample_files():
    return sorted(SAMPLES_DIR.glob("*.yaml"))


def load_sample(path):
    """The objects of one multi-document sample file (comment-only documents dropped)."""
    return [doc for doc in yaml.safe_load_all(Path(path).read_text()) if doc is not None]


def lab_objects():
    """The lab-ci sample's objects (every kind in it is one the plugin syncs)."""
    return load_sample(LAB_WIRING)


#
# Fabrics and kind objects, as the sync leaves them (need the database)
#

def create_fabrics():
    """Three fabrics: one per source combination."""
    from netbox_hedgehog.choices import FabricStatusChoices
    from netbox_hedgehog.models import HedgehogFabric

    return [
        HedgehogFabric.objects.create(name="fabric-1", kubernetes_server="https://control-1.example.com:6443",
                                      git_url="https://git.example.com/fab1.git"),
        HedgehogFabric.objects.create(name="fabric-2", kubernetes_server="https://control-2.example.com:6443"),
        HedgehogFabric.objects.create(name="fabric-3", git_url="https://git.example.com/fab3.git",
                                      status=FabricStatusChoices.STATUS_PLANNED),
    ]


def git_fabric(remote, name="git-fabric", **fields):
    """A fabric whose only source is the Git repository `remote` (tests/gitrepo.Remote)."""
    from netbox_hedgehog.models import HedgehogFabric

    return HedgehogFabric.objects.create(name=name, git_url=remote.url, **fields)


def subscribe(group, event_type):
    """An event rule notifying the NotificationGroup `group` of `event_type` on fabrics (see the `operator` fixture)."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import ObjectType
    from extras.choices import EventRuleActionChoices
    from extras.models import EventRule, NotificationGroup

    from netbox_hedgehog.models import HedgehogFabric

    rule = EventRule.objects.create(
        name=f"notify on {event_type}", event_types=[event_type], action_type=EventRuleActionChoices.NOTIFICATION,
        action_object_type=ContentType.objects.get_for_model(NotificationGroup), action_object_id=group.pk)
    rule.object_types.set([ObjectType.objects.get_for_model(HedgehogFabric)])
    return rule


def cluster_fabric(emulator, name="cluster-fabric", **fields):
    """A fabric reading the Kubernetes API `emulator` with CLUSTER_TOKEN (and its CA when it speaks TLS)."""
    from netbox_hedgehog.models import HedgehogFabric

    fields.setdefault("kubernetes_token", CLUSTER_TOKEN)
    fields.setdefault("kubernetes_ca_cert", emulator.ca_pem or "")
    return HedgehogFabric.objects.create(name=name, kubernetes_server=emulator.url, **fields)


def _kind_values(model, i):
    """Spec and column values for the i-th (1-based) sample object of a kind."""
    from django.utils import timezone

    kind = model.KIND
    if kind == "VLANNamespace":
        return {"spec": {"ranges": [{"from": 1000 * i, "to": 1000 * i + 999}]}}
    if kind == "IPv4Namespace":
        subnet = f"10.{i}.0.0/16"
        return {"spec": {"subnets": [subnet]}, "subnets": [subnet]}
    if kind == "SwitchGroup":
        return {"spec": {}}
    if kind == "SwitchProfile":
        ports = {"M1": {"nos": "Management0", "management": True}}
        ports.update({f"E1/{n}": {"nos": f"Ethernet{n - 1}", "label": str(n), "profile": "SFP28-25G"}
                      for n in range(1, 4 * i + 1)})
        silicon = "Broadcom TH3" if i == 1 else "Broadcom TD3-X7 3.2T"
        return {"spec": {"displayName": f"Switch model {i}", "switchSilicon": silicon, "platform": f"x86_64-model{i}",
                         "nosType": "sonic-bcm-base", "ports": ports,
                         "portProfiles": {"SFP28-25G": {"speed": {"default": "25G", "supported": ["10G", "25G"]}}}},
                "display_name": f"Switch model {i}", "switch_silicon": silicon, "platform": f"x86_64-model{i}",
                "nos_type": "sonic-bcm-base", "port_count": 4 * i + 1}
    if kind == "ServerProfile":
        nics = [{"name": f"nic{n}", "ports": [{"name": f"enp{n}s{p}"} for p in range(i)]} for n in range(1, 3)]
        return {"spec": {"nics": nics}, "nics": ["nic1", "nic2"], "nic_count": 2, "port_count": 2 * i}
    if kind == "GatewayGroup":
        return {"spec": {}}
    if kind == "Gateway":
        groups = ["default"] if i == 1 else ["default", f"group-{i}"]
        return {"spec": {"asn": 65500 + i, "protocolIP": f"172.30.8.{100 + i}/32", "vtepIP": f"172.30.12.{100 + i}/32",
                         "groups": [{"name": group, "priority": 10} for group in groups],
                         "interfaces": {f"enp2s{n}": {"ips": [f"172.30.128.{2 * n}/31"]} for n in range(i)}},
                "groups": groups, "interface_count": i, "asn": 65500 + i, "protocol_ip": f"172.30.8.{100 + i}/32",
                "vtep_ip": f"172.30.12.{100 + i}/32"}
    if kind == "Switch":
        role = "spine" if i == 1 else "server-leaf"
        return {
            "spec": {"role": role, "asn": 65100 + i, "profile": "vs", "redundancy": {"group": "mclag-1",
                                                                                    "type": "mclag"}},
            "role": role, "asn": 65100 + i, "profile": "vs", "redundancy_group": "mclag-1", "redundancy_type": "mclag",
            "description": f"switch {i}", "generation": 3,
            "agent_heartbeat": timezone.now() - timedelta(seconds=5 if i == 1 else 3600),
            "agent_applied_generation": 3 if i == 1 else 2,
        }
    if kind == "Server":
        return {"spec": {"profile": "linux", "description": f"server {i}"}, "profile": "linux",
                "description": f"server {i}"}
    if kind == "Connection":
        endpoints = [f"server-0{i}/enp2s1", f"leaf-01/E1/{i}"]
        return {
            "spec": {"unbundled": {"link": {"server": {"port": endpoints[0]}, "switch": {"port": endpoints[1]}}}},
            "connection_type": "unbundled", "endpoints": endpoints, "devices": sorted({"leaf-01", f"server-0{i}"}),
        }
    if kind == "VPC":
        subnet = f"10.0.{i}.0/24"
        return {"spec": {"ipv4Namespace": "default", "vlanNamespace": "default",
                         "subnets": {"default": {"subnet": subnet, "vlan": 1000 + i}}},
                "ipv4_namespace": "default", "vlan_namespace": "default", "subnet_count": 1, "subnets": [subnet]}
    if kind == "VPCAttachment":
        return {"spec": {"subnet": f"vpc-{i}/default", "connection": f"server-0{i}--unbundled--leaf-01"},
                "vpc": f"vpc-{i}", "subnet": "default", "connection": f"server-0{i}--unbundled--leaf-01"}
    if kind == "VPCPeering":
        vpcs = [f"vpc-{i}", f"vpc-{i + 1}"]
        return {"spec": {"permit": [{vpcs[0]: {}, vpcs[1]: {}}]}, "vpcs": vpcs}
    if kind == "External":
        return {"spec": {"ipv4Namespace": "default", "inboundCommunity": f"65102:{i}", "outboundCommunity": "5:5"},
                "ipv4_namespace": "default", "inbound_community": f"65102:{i}", "outbound_community": "5:5"}
    if kind == "ExternalAttachment":
        return {"spec": {"external": f"ext-{i}", "connection": f"leaf-01--external--{i}"},
                "external": f"ext-{i}", "connection": f"leaf-01--external--{i}", "is_static": i == 2}
    if kind == "ExternalPeering":
        return {"spec": {"permit": {"vpc": {"name": f"vpc-{i}"}, "external": {"name": f"ext-{i}"}}},
                "vpc": f"vpc-{i}", "external": f"ext-{i}"}
    raise AssertionError(model)


def create_kind_objects(model, fabric, count=3):
    """`count` objects of one kind in `fabric`, as the sync would leave them (origin git)."""
    from netbox_hedgehog.choices import OriginChoices

    objects = []
    for i in range(1, count + 1):
        values = _kind_values(model, i)
        values.setdefault("generation", i)
        objects.append(model.objects.create(
            fabric=fabric, name=f"{model.KIND.lower()}-{i}", origin=OriginChoices.GIT,
            uid=f"00000000-0000-0000-0000-00000000000{i}", resource_version=str(100 + i),
            labels={"fabric.githedgehog.com/test": "yes"}, annotations={"note": f"object {i}"},
            git_file=f"wiring/{model.KIND.lower()}.yaml", git_commit="0123456789abcdef0123456789abcdef01234567",
            status={"applied": {"gen": i}},
            **values,
        ))
    return objects
