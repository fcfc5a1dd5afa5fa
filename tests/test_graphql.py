"""GraphQL: a type, a filter and get/list queries for every model; fabric secrets never in the schema."""
import json

from django.test import override_settings
from django.urls import reverse
from rest_framework import status

from utilities.testing import APITestCase, APIViewTestCases, GraphQLFilterTest

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

# Query field names carry a hedgehog_ prefix: plugin queries share one namespace with NetBox's own.
BASE_NAMES = {
    HedgehogFabric: "hedgehog_fabric", VLANNamespace: "hedgehog_vlan_namespace",
    IPv4Namespace: "hedgehog_ipv4_namespace", SwitchGroup: "hedgehog_switch_group",
    SwitchProfile: "hedgehog_switch_profile", ServerProfile: "hedgehog_server_profile", Switch: "hedgehog_switch",
    Server: "hedgehog_server", GatewayGroup: "hedgehog_gateway_group", Gateway: "hedgehog_gateway",
    Connection: "hedgehog_connection", VPC: "hedgehog_vpc",
    VPCAttachment: "hedgehog_vpc_attachment", VPCPeering: "hedgehog_vpc_peering", External: "hedgehog_external",
    ExternalAttachment: "hedgehog_external_attachment", ExternalPeering: "hedgehog_external_peering",
}


class HedgehogFabricGraphQLTest(APIViewTestCases.GraphQLTestCase):
    model = HedgehogFabric
    graphql_base_name = BASE_NAMES[HedgehogFabric]
    graphql_filter_tests = (
        GraphQLFilterTest(name="name", filters='name: {exact: "fabric-2"}', expected={"name": "fabric-2"}),
        GraphQLFilterTest(name="status", filters='status: {exact: "planned"}', expected={"status": "planned"}),
    )

    @classmethod
    def setUpTestData(cls):
        create_fabrics()

    def test_secrets_not_in_schema(self):
        from netbox.graphql.schema import schema

        type_fields = {field.name for field in schema.get_type_by_name("HedgehogFabricType").fields}
        self.assertNotIn("kubernetes_token", type_fields)
        self.assertNotIn("git_password", type_fields)
        self.assertIn("has_kubernetes_token", type_fields)
        filter_fields = {field.name for field in schema.get_type_by_name("HedgehogFabricFilter").fields}
        self.assertFalse(filter_fields & {"kubernetes_token", "git_password"})

    @override_settings(LOGIN_REQUIRED=True)
    def test_query_for_a_secret_is_rejected(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        HedgehogFabric.objects.filter(name="fabric-1").update(kubernetes_token="graphql-secret-token")
        for query in ("{ hedgehog_fabric_list { name kubernetes_token } }",
                      "{ hedgehog_fabric_list { name git_password } }"):
            response = self.client.post(reverse("graphql"), data={"query": query}, format="json", **self.header)
            self.assertIn("errors", response.json())
            self.assertNotIn("graphql-secret-token", response.content.decode())


class HedgehogObjectGraphQLTests:
    """GraphQL get, list and filters of one kind. (A mixin: unittest collects TestCase subclasses.)"""

    # As in NetBox's own tests of objects with a required parent: the parent must be visible too.
    user_permissions = ("netbox_hedgehog.view_hedgehogfabric",)

    @classmethod
    def setUpTestData(cls):
        fabrics = create_fabrics()
        create_kind_objects(cls.model, fabrics[0])
        create_kind_objects(cls.model, fabrics[1], count=1)

    @override_settings(LOGIN_REQUIRED=True)
    def test_graphql_nested_fabric(self):
        self.add_permissions(f"netbox_hedgehog.view_{self.model._meta.model_name}",
                             "netbox_hedgehog.view_hedgehogfabric")
        field = f"{self.graphql_base_name}_list"
        fabric_filter = '{fabric: {name: {exact: "fabric-2"}}}'
        query = f"{{ {field}(filters: {fabric_filter}) {{ name origin fabric {{ name }} }} }}"
        response = self.client.post(reverse("graphql"), data={"query": query}, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        data = json.loads(response.content)
        self.assertNotIn("errors", data)
        self.assertEqual(data["data"][field], [{"name": f"{self.model.KIND.lower()}-1", "origin": "git",
                                                "fabric": {"name": "fabric-2"}}])


def _kind_test_case(model, **attrs):
    return type(f"{model.__name__}GraphQLTest", (HedgehogObjectGraphQLTests, APIViewTestCases.GraphQLTestCase), {
        "model": model, "graphql_base_name": BASE_NAMES[model], "__module__": __name__, **attrs,
    })


VLANNamespaceGraphQLTest = _kind_test_case(VLANNamespace)
IPv4NamespaceGraphQLTest = _kind_test_case(IPv4Namespace, graphql_filter_tests=(
    GraphQLFilterTest(name="subnets", filters='subnets: {contains: ["10.2.0.0/16"]}',
                      expected={"subnets__contains": ["10.2.0.0/16"]}),
))
SwitchGroupGraphQLTest = _kind_test_case(SwitchGroup)
SwitchGraphQLTest = _kind_test_case(Switch, graphql_filter_tests=(
    GraphQLFilterTest(name="role", filters='role: {exact: "spine"}', expected={"role": "spine"}),
))
ServerGraphQLTest = _kind_test_case(Server)
SwitchProfileGraphQLTest = _kind_test_case(SwitchProfile, graphql_filter_tests=(
    GraphQLFilterTest(name="switch_silicon", filters='switch_silicon: {exact: "Broadcom TH3"}',
                      expected={"switch_silicon": "Broadcom TH3"}),
    GraphQLFilterTest(name="port_count", filters="port_count: {comparison_lookup: {gte: 9}}",
                      expected={"port_count__gte": 9}),
))
ServerProfileGraphQLTest = _kind_test_case(ServerProfile, graphql_filter_tests=(
    GraphQLFilterTest(name="port_count", filters="port_count: {filter_lookup: {exact: 4}}", expected={"port_count": 4}),
))
GatewayGroupGraphQLTest = _kind_test_case(GatewayGroup)
GatewayGraphQLTest = _kind_test_case(Gateway, graphql_filter_tests=(
    GraphQLFilterTest(name="groups", filters='groups: {contains: ["group-2"]}',
                      expected={"groups__contains": ["group-2"]}),
    GraphQLFilterTest(name="asn", filters="asn: {filter_lookup: {exact: 65501}}", expected={"asn": 65501}),
))
ConnectionGraphQLTest = _kind_test_case(Connection, graphql_filter_tests=(
    GraphQLFilterTest(name="endpoints", filters='endpoints: {contains: ["leaf-01/E1/1"]}',
                      expected={"endpoints__contains": ["leaf-01/E1/1"]}),
    GraphQLFilterTest(name="devices", filters='devices: {overlap: ["server-02", "server-03"]}',
                      expected={"devices__overlap": ["server-02", "server-03"]}),
))
VPCGraphQLTest = _kind_test_case(VPC)
VPCAttachmentGraphQLTest = _kind_test_case(VPCAttachment)
VPCPeeringGraphQLTest = _kind_test_case(VPCPeering)
ExternalGraphQLTest = _kind_test_case(External)
ExternalAttachmentGraphQLTest = _kind_test_case(ExternalAttachment)
ExternalPeeringGraphQLTest = _kind_test_case(ExternalPeering)


class SchemaNamesTest(APITestCase):
    def test_every_model_has_get_and_list_queries(self):
        from netbox.graphql.schema import schema

        query_fields = {field.name for field in schema.get_type_by_name("Query").fields}
        for model, base_name in BASE_NAMES.items():
            with self.subTest(model=model.__name__):
                self.assertIn(base_name, query_fields)
                self.assertIn(f"{base_name}_list", query_fields)
