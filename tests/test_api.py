"""REST API under /api/plugins/hedgehog/: fabrics read-write, the kinds read-only."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework import status

from core.models import ObjectType
from users.models import ObjectPermission
from utilities.testing import APITestCase, APIViewTestCases

from netbox_hedgehog.models import (
    VPC,
    Connection,
    External,
    ExternalAttachment,
    ExternalPeering,
    Gateway,
    GatewayGroup,
    HedgehogFabric,
    IPv4Namespace,
    Server,
    ServerProfile,
    Switch,
    SwitchGroup,
    SwitchProfile,
    VLANNamespace,
    VPCAttachment,
    VPCPeering,
)
from tests.helpers import create_fabrics, create_kind_objects

API_NAMESPACE = "plugins-api:netbox_hedgehog"

# Route per model, as documented.
ROUTES = {
    HedgehogFabric: "fabrics", Switch: "switches", SwitchGroup: "switch-groups", SwitchProfile: "switch-profiles",
    Server: "servers", ServerProfile: "server-profiles", Gateway: "gateways", GatewayGroup: "gateway-groups",
    Connection: "connections", VLANNamespace: "vlan-namespaces", IPv4Namespace: "ipv4-namespaces", VPC: "vpcs",
    VPCAttachment: "vpc-attachments", VPCPeering: "vpc-peerings", External: "externals",
    ExternalAttachment: "external-attachments", ExternalPeering: "external-peerings",
}


class ListQueryCountMixin:
    """
    NetBox's test_list_objects compares the query count with a baseline file NetBox keeps for its own apps.
    Here the same request is checked the way that matters for a plugin: the count does not grow with the rows.
    """

    def test_list_objects(self):
        instance1, instance2 = self._get_queryset()[:2]
        obj_perm = ObjectPermission.objects.create(name="Test permission", actions=["view"],
                                                   constraints={"pk__in": [instance1.pk, instance2.pk]})
        obj_perm.users.add(self.user)
        obj_perm.object_types.add(ObjectType.objects.get_for_model(self.model))
        response = self.client.get(self._get_list_url(), **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertEqual(len(response.data["results"]), 2)

        obj_perm.constraints = None
        obj_perm.save()
        self.client.get(self._get_list_url(), **self.header)  # warm NetBox's per-process caches first
        counts = []
        for _round in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self._get_list_url(), **self.header)
            self.assertEqual(response.data["count"], self._get_queryset().count())
            counts.append(len(queries))
            self.add_more_objects()
        self.assertEqual(counts[0], counts[1], "the list's query count grows with the number of objects")


class AppTest(APITestCase):
    def test_root(self):
        response = self.client.get(reverse(f"{API_NAMESPACE}-api:api-root"), **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)

    def test_routes(self):
        for model, route in ROUTES.items():
            with self.subTest(model=model.__name__):
                url = reverse(f"{API_NAMESPACE}-api:{model._meta.model_name}-list")
                self.assertEqual(url, f"/api/plugins/hedgehog/{route}/")


class HedgehogFabricTest(ListQueryCountMixin, APIViewTestCases.GetObjectViewTestCase,
                         APIViewTestCases.ListObjectsViewTestCase,
                         APIViewTestCases.CreateObjectViewTestCase, APIViewTestCases.UpdateObjectViewTestCase,
                         APIViewTestCases.DeleteObjectViewTestCase):
    model = HedgehogFabric
    view_namespace = API_NAMESPACE
    brief_fields = ["description", "display", "id", "name", "status", "sync_status", "url"]
    # Write-only: never in a response, so NetBox's response/instance comparison cannot see them.
    validation_excluded_fields = ["kubernetes_token", "git_password"]
    bulk_update_data = {"description": "Bulk updated", "sync_interval": 900}

    @classmethod
    def setUpTestData(cls):
        create_fabrics()
        cls.create_data = [
            {"name": "fabric-4", "kubernetes_server": "https://control-4.example.com:6443",
             "kubernetes_token": "token-4"},
            {"name": "fabric-5", "git_url": "https://git.example.com/fab5.git", "git_branch": "release",
             "git_username": "bot", "git_password": "password-5", "sync_interval": 60},
            {"name": "fabric-6", "kubernetes_server": "https://10.0.0.6:6443", "git_url": "ssh://git@example.com/f.git",
             "status": "planned", "scheduler_enabled": False},
        ]

    def add_more_objects(self):
        for i in range(3):
            HedgehogFabric.objects.create(name=f"more-{HedgehogFabric.objects.count()}-{i}",
                                          git_url="https://git.example.com/more.git")

    def test_status_fields_are_read_only(self):
        self.add_permissions("netbox_hedgehog.change_hedgehogfabric")
        fabric = HedgehogFabric.objects.get(name="fabric-1")
        data = {"sync_status": "in_sync", "connection_status": "connected", "sync_error": "x",
                "connection_error": "y", "last_sync": "2020-01-01T00:00:00Z", "last_sync_attempt": "2020-01-01T00:00Z"}
        response = self.client.patch(self._get_detail_url(fabric), data, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        fabric.refresh_from_db()
        self.assertEqual((fabric.sync_status, fabric.connection_status, fabric.sync_error, fabric.connection_error,
                          fabric.last_sync, fabric.last_sync_attempt), ("never_synced", "unknown", "", "", None, None))

    def test_secrets_are_write_only(self):
        self.add_permissions("netbox_hedgehog.change_hedgehogfabric", "netbox_hedgehog.view_hedgehogfabric")
        fabric = HedgehogFabric.objects.get(name="fabric-1")
        url = self._get_detail_url(fabric)
        response = self.client.patch(url, {"kubernetes_token": "tok-a", "git_password": "pw-a"}, format="json",
                                     **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertNotIn("kubernetes_token", response.data)
        self.assertNotIn("git_password", response.data)
        self.assertTrue(response.data["has_kubernetes_token"])
        self.assertTrue(response.data["has_git_password"])
        fabric.refresh_from_db()
        self.assertEqual((fabric.kubernetes_token, fabric.git_password), ("tok-a", "pw-a"))

        # Omitted: kept. Empty: cleared.
        self.client.patch(url, {"description": "x"}, format="json", **self.header)
        fabric.refresh_from_db()
        self.assertEqual((fabric.kubernetes_token, fabric.git_password), ("tok-a", "pw-a"))
        response = self.client.patch(url, {"git_password": ""}, format="json", **self.header)
        self.assertFalse(response.data["has_git_password"])
        fabric.refresh_from_db()
        self.assertEqual((fabric.kubernetes_token, fabric.git_password), ("tok-a", ""))

    def test_filters(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        url = self._get_list_url()
        for params, expected in (({"name": "fabric-2"}, 1), ({"has_git": "true"}, 2), ({"status": "planned"}, 1),
                                 ({"q": "control"}, 2)):
            with self.subTest(params=params):
                response = self.client.get(url, params, **self.header)
                self.assertEqual(response.data["count"], expected)


class HedgehogObjectAPITests:
    """Read-only API of one kind. (A mixin: unittest collects TestCase subclasses.)"""

    view_namespace = API_NAMESPACE
    brief_fields = ["display", "id", "name", "namespace", "url"]

    @classmethod
    def setUpTestData(cls):
        fabric = create_fabrics()[0]
        create_kind_objects(cls.model, fabric)

    def add_more_objects(self):
        fabric = HedgehogFabric.objects.create(name=f"more-{HedgehogFabric.objects.count()}",
                                               git_url="https://git.example.com/more.git")
        create_kind_objects(self.model, fabric)

    def test_read_only(self):
        self.add_permissions(*(f"netbox_hedgehog.{action}_{self.model._meta.model_name}"
                               for action in ("view", "add", "change", "delete")))
        instance = self._get_queryset().first()
        list_url, detail_url = self._get_list_url(), self._get_detail_url(instance)
        count = self._get_queryset().count()
        for method, url in (("post", list_url), ("put", detail_url), ("patch", detail_url), ("delete", detail_url),
                            ("patch", list_url), ("delete", list_url)):
            with self.subTest(method=method, url=url):
                response = getattr(self.client, method)(url, {"name": "changed"}, format="json", **self.header)
                self.assertHttpStatus(response, status.HTTP_405_METHOD_NOT_ALLOWED)
        self.assertEqual(self._get_queryset().count(), count)
        instance.refresh_from_db()
        self.assertNotEqual(instance.name, "changed")

    def test_detail_has_source_fields(self):
        self.add_permissions(f"netbox_hedgehog.view_{self.model._meta.model_name}")
        instance = self._get_queryset().first()
        response = self.client.get(self._get_detail_url(instance), **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertEqual(response.data["fabric"]["name"], "fabric-1")
        self.assertEqual(response.data["origin"]["value"], "git")
        self.assertEqual(response.data["spec"], instance.spec)
        self.assertEqual(response.data["git_commit"], instance.git_commit)
        self.assertNotIn("kubernetes_token", response.data["fabric"])

    def test_filter_by_fabric(self):
        self.add_permissions(f"netbox_hedgehog.view_{self.model._meta.model_name}")
        fabric = HedgehogFabric.objects.get(name="fabric-1")
        for params, expected in (({"fabric_id": fabric.pk}, 3), ({"fabric": "fabric-2"}, 0),
                                 ({"name": f"{self.model.KIND.lower()}-2"}, 1), ({"origin": "git"}, 3)):
            with self.subTest(params=params):
                response = self.client.get(self._get_list_url(), params, **self.header)
                self.assertEqual(response.data["count"], expected)


def _kind_test_case(model, **attrs):
    bases = (ListQueryCountMixin, HedgehogObjectAPITests, APIViewTestCases.GetObjectViewTestCase,
             APIViewTestCases.ListObjectsViewTestCase)
    return type(f"{model.__name__}Test", bases, {"model": model, "__module__": __name__, **attrs})


VLANNamespaceTest = _kind_test_case(VLANNamespace)
IPv4NamespaceTest = _kind_test_case(IPv4Namespace)
SwitchGroupTest = _kind_test_case(SwitchGroup)
SwitchProfileTest = _kind_test_case(SwitchProfile,
                                    brief_fields=["display", "display_name", "id", "name", "namespace", "url"])
ServerProfileTest = _kind_test_case(ServerProfile)
SwitchTest = _kind_test_case(Switch, brief_fields=["display", "id", "name", "namespace", "role", "url"])
ServerTest = _kind_test_case(Server)
GatewayGroupTest = _kind_test_case(GatewayGroup)
GatewayTest = _kind_test_case(Gateway)
ConnectionTest = _kind_test_case(Connection,
                                 brief_fields=["connection_type", "display", "id", "name", "namespace", "url"])
VPCTest = _kind_test_case(VPC)
VPCAttachmentTest = _kind_test_case(VPCAttachment)
VPCPeeringTest = _kind_test_case(VPCPeering)
ExternalTest = _kind_test_case(External)
ExternalAttachmentTest = _kind_test_case(ExternalAttachment)
ExternalPeeringTest = _kind_test_case(ExternalPeering)


class KindFilterAPITest(APITestCase):
    @classmethod
    def setUpTestData(cls):
        fabric = create_fabrics()[0]
        create_kind_objects(Switch, fabric)
        create_kind_objects(Connection, fabric)

    def test_switch_and_connection_filters(self):
        self.add_permissions("netbox_hedgehog.view_switch", "netbox_hedgehog.view_connection")
        switches = reverse(f"{API_NAMESPACE}-api:switch-list")
        connections = reverse(f"{API_NAMESPACE}-api:connection-list")
        for url, params, expected in (
            (switches, {"role": "server-leaf"}, 2),
            (switches, {"asn": 65101}, 1),
            (switches, {"redundancy_group": "mclag-1"}, 3),
            (connections, {"endpoint": "leaf-01/E1/3"}, 1),
            (connections, {"device": "leaf-01"}, 3),
            (connections, {"connection_type": "unbundled"}, 3),
        ):
            with self.subTest(url=url, params=params):
                response = self.client.get(url, params, **self.header)
                self.assertHttpStatus(response, status.HTTP_200_OK)
                self.assertEqual(response.data["count"], expected)

    def test_switch_agent_fields(self):
        self.add_permissions("netbox_hedgehog.view_switch")
        switch = Switch.objects.get(name="switch-1")
        response = self.client.get(reverse(f"{API_NAMESPACE}-api:switch-detail", kwargs={"pk": switch.pk}),
                                   **self.header)
        self.assertIs(response.data["agent_alive"], True)
        self.assertIs(response.data["agent_applied_current"], True)
