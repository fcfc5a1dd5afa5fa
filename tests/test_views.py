"""UI views: the fabric's full set of NetBox views, the kinds' read-only list and detail pages, filtersets."""

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from core.models import ObjectType
from users.models import ObjectPermission
from utilities.testing import TestCase, ViewTestCases

from netbox_hedgehog import filtersets
from netbox_hedgehog.choices import DriftChoices, FabricStatusChoices, OriginChoices
from netbox_hedgehog.models import (
    HEDGEHOG_MODELS,
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


class PluginURLMixin:
    """NetBox's view tests assume a core app's URL namespace; plugin views live under plugins:<app>."""

    def _get_base_url(self):
        return f"plugins:netbox_hedgehog:{self.model._meta.model_name}_{{}}"

    def test_list_objects_with_permission(self):
        # NetBox's version compares the query count with a baseline file NetBox keeps for its own apps; for the
        # plugin what matters is that the count does not grow with the rows.
        self.add_permissions(f"netbox_hedgehog.view_{self.model._meta.model_name}")
        self.client.get(self._get_url("list"))  # warm NetBox's per-process caches first
        counts = []
        for _round in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(self._get_url("list"))
            self.assertHttpStatus(response, 200)
            counts.append(len(queries))
            self.add_more_objects()
        self.assertEqual(counts[0], counts[1], "the list's query count grows with the number of objects")


#
# Fabrics
#

class HedgehogFabricViewTestCase(PluginURLMixin, ViewTestCases.PrimaryObjectViewTestCase,
                                 ViewTestCases.BulkRenameObjectsViewTestCase):
    model = HedgehogFabric
    # Write-only: never read back into a form, so NetBox's form/instance comparison cannot see them.
    validation_excluded_fields = ["kubernetes_token", "git_password"]

    @classmethod
    def setUpTestData(cls):
        create_fabrics()
        cls.form_data = {
            "name": "fabric-x",
            "description": "A new fabric",
            "status": FabricStatusChoices.STATUS_ACTIVE,
            "kubernetes_server": "https://control-x.example.com:6443",
            "kubernetes_namespace": "default",
            "kubernetes_verify_tls": True,
            "kubernetes_ca_cert": "",
            "kubernetes_token": "token-value-x",
            "git_url": "https://git.example.com/x.git",
            "git_branch": "main",
            "git_path": "wiring",
            "git_username": "bot",
            "git_password": "password-value-x",
            "sync_enabled": True,
            "scheduler_enabled": False,
            "sync_interval": 600,
            "skip_invalid_objects": False,
            "comments": "Some comments",
            "tags": [],
        }
        cls.csv_data = (
            "name,kubernetes_server,git_url,sync_interval,status",
            "fabric-4,https://control-4.example.com:6443,,300,active",
            "fabric-5,,https://git.example.com/fab5.git,60,planned",
            "fabric-6,https://control-6.example.com:6443,ssh://git@git.example.com/fab6.git,900,decommissioning",
        )
        fabrics = HedgehogFabric.objects.order_by("pk")
        cls.csv_update_data = (
            "id,name,description",
            f"{fabrics[0].pk},fabric-7,New description 7",
            f"{fabrics[1].pk},fabric-8,New description 8",
            f"{fabrics[2].pk},fabric-9,New description 9",
        )
        cls.bulk_edit_data = {
            "description": "Bulk edited",
            "status": FabricStatusChoices.STATUS_DECOMMISSIONING,
            "sync_interval": 120,
        }

    def add_more_objects(self):
        for i in range(3):
            HedgehogFabric.objects.create(name=f"more-{HedgehogFabric.objects.count()}-{i}",
                                          git_url="https://git.example.com/more.git")

    def test_edit_form_keeps_and_clears_secrets(self):
        self.add_permissions("netbox_hedgehog.change_hedgehogfabric", "netbox_hedgehog.view_hedgehogfabric")
        fabric = HedgehogFabric.objects.get(name="fabric-1")
        HedgehogFabric.objects.filter(pk=fabric.pk).update(kubernetes_token="tok-1", git_password="pw-1")
        data = {
            "name": "fabric-1", "status": "active", "kubernetes_server": fabric.kubernetes_server,
            "kubernetes_namespace": "default", "kubernetes_verify_tls": True, "git_url": fabric.git_url,
            "git_branch": "main", "sync_enabled": True, "scheduler_enabled": True, "sync_interval": 300,
            "kubernetes_token": "", "git_password": "",
        }
        url = self._get_url("edit", fabric)
        self.assertHttpStatus(self.client.post(url, data), 302)
        fabric.refresh_from_db()
        self.assertEqual((fabric.kubernetes_token, fabric.git_password), ("tok-1", "pw-1"))

        self.assertHttpStatus(self.client.post(url, {**data, "kubernetes_token": "tok-2"}), 302)
        fabric.refresh_from_db()
        self.assertEqual((fabric.kubernetes_token, fabric.git_password), ("tok-2", "pw-1"))

        self.assertHttpStatus(self.client.post(url, {**data, "clear_git_password": "on"}), 302)
        fabric.refresh_from_db()
        self.assertEqual((fabric.kubernetes_token, fabric.git_password), ("tok-2", ""))

    def test_yaml_import(self):
        self.add_permissions("netbox_hedgehog.add_hedgehogfabric", "netbox_hedgehog.view_hedgehogfabric")
        data = (
            "- name: yaml-1\n  kubernetes_server: https://control-9.example.com:6443\n  kubernetes_token: yaml-token\n"
            "- name: yaml-2\n  git_url: ssh://git@git.example.com/y.git\n  git_branch: release\n  sync_interval: 60\n"
        )
        response = self.client.post(self._get_url("bulk_import"), {"data": data, "format": "yaml"})
        self.assertHttpStatus(response, 302)
        fabric = HedgehogFabric.objects.get(name="yaml-1")
        self.assertEqual(fabric.kubernetes_token, "yaml-token")
        # Columns left out take the model's defaults (TLS verification stays on).
        self.assertEqual((fabric.kubernetes_verify_tls, fabric.sync_enabled, fabric.sync_interval, fabric.status),
                         (True, True, 300, "active"))
        fabric = HedgehogFabric.objects.get(name="yaml-2")
        self.assertEqual((fabric.git_branch, fabric.sync_interval, fabric.kubernetes_namespace),
                         ("release", 60, "default"))

    def test_import_refuses_an_invalid_fabric(self):
        self.add_permissions("netbox_hedgehog.add_hedgehogfabric", "netbox_hedgehog.view_hedgehogfabric")
        before = HedgehogFabric.objects.count()
        response = self.client.post(self._get_url("bulk_import"),
                                    {"data": "name,sync_interval\nno-source,300", "format": "csv"})
        self.assertHttpStatus(response, 200)
        self.assertIn("git_url", response.content.decode())
        self.assertEqual(HedgehogFabric.objects.count(), before)

    def test_status_fields_are_not_editable(self):
        self.add_permissions("netbox_hedgehog.change_hedgehogfabric", "netbox_hedgehog.view_hedgehogfabric")
        fabric = HedgehogFabric.objects.get(name="fabric-2")
        data = {
            "name": "fabric-2", "status": "active", "kubernetes_server": fabric.kubernetes_server,
            "kubernetes_namespace": "default", "git_branch": "main", "sync_interval": 300,
            "sync_status": "in_sync", "connection_status": "connected", "sync_error": "boom",
            "last_sync": "2020-01-01 00:00:00",
        }
        self.assertHttpStatus(self.client.post(self._get_url("edit", fabric), data), 302)
        fabric.refresh_from_db()
        self.assertEqual((fabric.sync_status, fabric.connection_status, fabric.sync_error, fabric.last_sync),
                         ("never_synced", "unknown", "", None))

    def test_detail_page_panels(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.view_switch")
        fabric = HedgehogFabric.objects.get(name="fabric-1")
        create_kind_objects(Switch, fabric, count=2)
        fabric.set_sync_state("error", error="could not reach the API server")
        response = self.client.get(fabric.get_absolute_url())
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        for text in ("Sources", "Status", "Objects", "Next sync due", "could not reach the API server",
                     "https://control-1.example.com:6443", "not set"):
            self.assertIn(text, content)
        switch_list = reverse("plugins:netbox_hedgehog:switch_list")
        self.assertIn(f'href="{switch_list}?fabric_id={fabric.pk}">2</a>', content)
        # Only kinds the user may view are counted.
        self.assertNotIn(reverse("plugins:netbox_hedgehog:vpc_list"), content.split('id="fabric-objects"')[1])

    def test_next_due_shown_when_the_model_provides_it(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        fabric = HedgehogFabric.objects.get(name="fabric-1")
        response = self.client.get(fabric.get_absolute_url())
        status_panel = response.content.decode().split('id="fabric-status"')[1].split("</table>")[0]
        self.assertIn("—", status_panel.split("Next sync due")[1])


#
# Hedgehog kinds: read-only list and detail
#

class HedgehogObjectViewTests:
    """List, detail and change log of one kind; nothing that edits. (A mixin: unittest collects TestCases.)"""

    @classmethod
    def setUpTestData(cls):
        fabric = create_fabrics()[0]
        create_kind_objects(cls.model, fabric)

    def add_more_objects(self):
        fabric = HedgehogFabric.objects.create(name=f"more-{HedgehogFabric.objects.count()}",
                                               git_url="https://git.example.com/more.git")
        create_kind_objects(self.model, fabric)

    def test_no_edit_views(self):
        for action in ("add", "bulk_import", "bulk_edit", "bulk_delete"):
            with self.assertRaises(NoReverseMatch, msg=action):
                self._get_url(action)
        instance = self._get_queryset().first()
        for action in ("edit", "delete"):
            with self.assertRaises(NoReverseMatch, msg=action):
                self._get_url(action, instance)

    def test_list_has_no_add_or_delete_buttons(self):
        # A superuser sees every button a view offers.
        self.user.is_superuser = True
        self.user.save()
        response = self.client.get(self._get_url("list"))
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        self.assertNotIn(f"{self._get_url('list')}add/", content)
        self.assertNotIn(f"{self._get_url('list')}import/", content)
        self.assertNotIn(f"{self._get_url('list')}delete/", content)

    def test_detail_page_is_read_only(self):
        self.user.is_superuser = True
        self.user.save()
        instance = self._get_queryset().first()
        response = self.client.get(instance.get_absolute_url())
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        self.assertIn("Managed by sync from Git: read-only.", content)
        self.assertIn(instance.uid, content)
        self.assertIn(instance.git_commit, content)
        self.assertIn("fabric.githedgehog.com/test", content)
        self.assertNotIn(f"{instance.get_absolute_url()}edit/", content)
        self.assertNotIn(f"{instance.get_absolute_url()}delete/", content)

    def test_list_filtered_by_fabric(self):
        self.add_permissions(f"netbox_hedgehog.view_{self.model._meta.model_name}")
        other = HedgehogFabric.objects.get(name="fabric-2")
        self.model.objects.create(fabric=other, name="only-in-fabric-2", origin=OriginChoices.CLUSTER)
        response = self.client.get(f"{self._get_url('list')}?fabric_id={other.pk}")
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        self.assertIn("only-in-fabric-2", content)
        self.assertNotIn(self._get_queryset().filter(fabric__name="fabric-1").first().get_absolute_url(), content)


def _kind_test_case(model):
    bases = (PluginURLMixin, HedgehogObjectViewTests, ViewTestCases.GetObjectViewTestCase,
             ViewTestCases.GetObjectChangelogViewTestCase, ViewTestCases.ListObjectsViewTestCase)
    return type(f"{model.__name__}ViewTestCase", bases, {"model": model, "__module__": __name__})


VLANNamespaceViewTestCase = _kind_test_case(VLANNamespace)
IPv4NamespaceViewTestCase = _kind_test_case(IPv4Namespace)
SwitchGroupViewTestCase = _kind_test_case(SwitchGroup)
SwitchViewTestCase = _kind_test_case(Switch)
ServerViewTestCase = _kind_test_case(Server)
SwitchProfileViewTestCase = _kind_test_case(SwitchProfile)
ServerProfileViewTestCase = _kind_test_case(ServerProfile)
GatewayGroupViewTestCase = _kind_test_case(GatewayGroup)
GatewayViewTestCase = _kind_test_case(Gateway)
ConnectionViewTestCase = _kind_test_case(Connection)
VPCViewTestCase = _kind_test_case(VPC)
VPCAttachmentViewTestCase = _kind_test_case(VPCAttachment)
VPCPeeringViewTestCase = _kind_test_case(VPCPeering)
ExternalViewTestCase = _kind_test_case(External)
ExternalAttachmentViewTestCase = _kind_test_case(ExternalAttachment)
ExternalPeeringViewTestCase = _kind_test_case(ExternalPeering)


class KindDetailPageTestCase(TestCase):
    """Per-kind parts of the detail pages."""

    @classmethod
    def setUpTestData(cls):
        cls.fabric = create_fabrics()[0]
        cls.switches = create_kind_objects(Switch, cls.fabric)
        cls.connections = create_kind_objects(Connection, cls.fabric)

    def setUp(self):
        super().setUp()
        self.user.is_superuser = True
        self.user.save()

    def test_switch_agent(self):
        alive, stale, _unknown = self.switches
        Switch.objects.filter(pk=_unknown.pk).update(agent_heartbeat=None, agent_applied_generation=None)
        panel = self._panel(alive, "switch-agent")
        self.assertIn(">yes<", panel.split("Agent alive")[1].split("</tr>")[0])
        self.assertIn(">yes<", panel.split("Applied current generation")[1])
        panel = self._panel(stale, "switch-agent")
        self.assertIn(">no<", panel.split("Agent alive")[1].split("</tr>")[0])
        self.assertIn(">no<", panel.split("Applied current generation")[1])
        panel = self._panel(_unknown, "switch-agent")
        self.assertIn("unknown", panel.split("Agent alive")[1].split("</tr>")[0])

    def test_connection_endpoints(self):
        connection = self.connections[0]
        panel = self._panel(connection, "connection-endpoints")
        for endpoint in connection.endpoints:
            self.assertIn(f"<code>{endpoint}</code>", panel)

    def test_drift_diff(self):
        switch = self.switches[0]
        self.assertNotIn('id="spec-diff"', self.client.get(switch.get_absolute_url()).content.decode())
        Switch.objects.filter(pk=switch.pk).update(
            origin=OriginChoices.BOTH, drift=DriftChoices.DIFFERS,
            git_spec={**switch.spec, "asn": 64999, "description": "from git"},
        )
        panel = self._panel(switch, "spec-diff")
        self.assertIn('<span class="text-danger">-  &quot;asn&quot;: 64999,</span>', panel)
        self.assertIn('<span class="text-success">+  &quot;asn&quot;: 65101,</span>', panel)
        self.assertIn("from git", panel)

    def _panel(self, instance, panel_id):
        response = self.client.get(instance.get_absolute_url())
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        self.assertIn(f'id="{panel_id}"', content)
        return content.split(f'id="{panel_id}"')[1].split('<div class="card"')[0]


class NavigationTestCase(TestCase):
    def test_menu_respects_permissions(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.view_switch")
        content = self.client.get(reverse("home")).content.decode()
        self.assertIn(reverse("plugins:netbox_hedgehog:hedgehogfabric_list"), content)
        self.assertIn(reverse("plugins:netbox_hedgehog:switch_list"), content)
        self.assertNotIn(reverse("plugins:netbox_hedgehog:vpc_list"), content)

    def test_menu_lists_every_model(self):
        self.user.is_superuser = True
        self.user.save()
        content = self.client.get(reverse("home")).content.decode()
        self.assertIn("Hedgehog", content)
        self.assertIn(reverse("plugins:netbox_hedgehog:hedgehogfabric_add"), content)
        for model in (HedgehogFabric, *HEDGEHOG_MODELS):
            self.assertIn(reverse(f"plugins:netbox_hedgehog:{model._meta.model_name}_list"), content)


@override_settings(EXEMPT_VIEW_PERMISSIONS=["*"])
class GlobalSearchTestCase(TestCase):
    def test_search_finds_fabric_and_switch(self):
        from netbox.search.backends import search_backend

        fabric = create_fabrics()[0]
        switches = create_kind_objects(Switch, fabric)
        # NetBox indexes after the transaction commits; a TestCase never commits, so index here.
        search_backend.cache([fabric])
        search_backend.cache(switches)
        content = self.client.get(f"{reverse('search')}?q=switch-2").content.decode()
        self.assertIn(Switch.objects.get(name="switch-2").get_absolute_url(), content)
        content = self.client.get(f"{reverse('search')}?q=fabric-1").content.decode()
        self.assertIn(fabric.get_absolute_url(), content)


#
# Filtersets
#

class FilterSetTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.fabrics = create_fabrics()
        for model in HEDGEHOG_MODELS:
            create_kind_objects(model, cls.fabrics[0])
            create_kind_objects(model, cls.fabrics[1], count=1)

    def count(self, filterset, model, **params):
        return filterset(params, model.objects.all()).qs.count()

    def test_fabric(self):
        fs = filtersets.HedgehogFabricFilterSet
        self.assertEqual(self.count(fs, HedgehogFabric, q="control-1"), 1)
        self.assertEqual(self.count(fs, HedgehogFabric, status=["planned"]), 1)
        self.assertEqual(self.count(fs, HedgehogFabric, has_git=True), 2)
        self.assertEqual(self.count(fs, HedgehogFabric, has_kubernetes=False), 1)
        self.assertEqual(self.count(fs, HedgehogFabric, sync_status=["never_synced"]), 3)
        self.assertNotIn("kubernetes_token", fs.get_filters())
        self.assertNotIn("git_password", fs.get_filters())

    def test_common_filters(self):
        for model in HEDGEHOG_MODELS:
            fs = filtersets.__dict__[f"{model.__name__}FilterSet"]
            with self.subTest(model=model.__name__):
                self.assertEqual(self.count(fs, model, fabric_id=[self.fabrics[0].pk]), 3)
                self.assertEqual(self.count(fs, model, fabric=["fabric-2"]), 1)
                self.assertEqual(self.count(fs, model, name=[f"{model.KIND.lower()}-2"]), 1)
                self.assertEqual(self.count(fs, model, q=f"{model.KIND.lower()}-3"), 1)
                self.assertEqual(self.count(fs, model, namespace=["default"]), 4)
                self.assertEqual(self.count(fs, model, origin=["git"]), 4)
                self.assertEqual(self.count(fs, model, origin=["cluster"]), 0)
        model = Switch
        model.objects.filter(name="switch-1", fabric=self.fabrics[0]).update(drift=DriftChoices.DIFFERS)
        self.assertEqual(self.count(filtersets.SwitchFilterSet, model, drift=["differs"]), 1)

    def test_kind_filters(self):
        cases = (
            (filtersets.SwitchFilterSet, Switch, {"role": ["spine"]}, 2),
            (filtersets.SwitchFilterSet, Switch, {"asn": [65102]}, 1),
            (filtersets.SwitchFilterSet, Switch, {"profile": ["vs"]}, 4),
            (filtersets.SwitchFilterSet, Switch, {"redundancy_group": ["mclag-1"]}, 4),
            (filtersets.ConnectionFilterSet, Connection, {"connection_type": ["unbundled"]}, 4),
            (filtersets.ConnectionFilterSet, Connection, {"endpoint": ["leaf-01/E1/2"]}, 1),
            (filtersets.ConnectionFilterSet, Connection, {"endpoint": ["leaf-01/E1/2", "leaf-01/E1/3"]}, 2),
            (filtersets.ConnectionFilterSet, Connection, {"device": ["server-02"]}, 1),
            (filtersets.ConnectionFilterSet, Connection, {"device": ["leaf-01"]}, 4),
            (filtersets.VPCFilterSet, VPC, {"subnet": ["10.0.2.0/24"]}, 1),
            (filtersets.VPCFilterSet, VPC, {"ipv4_namespace": ["default"]}, 4),
            (filtersets.VPCAttachmentFilterSet, VPCAttachment, {"vpc": ["vpc-1"]}, 2),
            (filtersets.VPCAttachmentFilterSet, VPCAttachment, {"subnet": ["default"]}, 4),
            (filtersets.VPCAttachmentFilterSet, VPCAttachment, {"connection": ["server-03--unbundled--leaf-01"]}, 1),
            (filtersets.VPCPeeringFilterSet, VPCPeering, {"vpc": ["vpc-2"]}, 3),
            (filtersets.IPv4NamespaceFilterSet, IPv4Namespace, {"subnet": ["10.2.0.0/16"]}, 1),
            (filtersets.ExternalFilterSet, External, {"inbound_community": ["65102:1"]}, 2),
            (filtersets.ExternalAttachmentFilterSet, ExternalAttachment, {"external": ["ext-2"]}, 1),
            (filtersets.ExternalAttachmentFilterSet, ExternalAttachment, {"is_static": True}, 1),
            (filtersets.ExternalPeeringFilterSet, ExternalPeering, {"vpc": ["vpc-1"], "external": ["ext-1"]}, 2),
            (filtersets.ServerFilterSet, Server, {"profile": ["linux"]}, 4),
            (filtersets.SwitchProfileFilterSet, SwitchProfile, {"switch_silicon": ["Broadcom TH3"]}, 2),
            (filtersets.SwitchProfileFilterSet, SwitchProfile, {"port_count__gte": [9]}, 2),
            (filtersets.SwitchProfileFilterSet, SwitchProfile, {"display_name__ic": ["model 3"]}, 1),
            (filtersets.ServerProfileFilterSet, ServerProfile, {"nic": ["nic2"]}, 4),
            (filtersets.ServerProfileFilterSet, ServerProfile, {"port_count": [6]}, 1),
            (filtersets.GatewayFilterSet, Gateway, {"group": ["group-3"]}, 1),
            (filtersets.GatewayFilterSet, Gateway, {"group": ["default"]}, 4),
            (filtersets.GatewayFilterSet, Gateway, {"asn": [65502]}, 1),
            (filtersets.GatewayFilterSet, Gateway, {"interface_count__gt": [1]}, 2),
            (filtersets.GatewayFilterSet, Gateway, {"protocol_ip": ["172.30.8.101/32"]}, 2),
        )
        for fs, model, params, expected in cases:
            with self.subTest(model=model.__name__, params=params):
                self.assertEqual(self.count(fs, model, **params), expected)

    def test_object_permissions_restrict_lists(self):
        perm = ObjectPermission.objects.create(name="fabric-2 switches", actions=["view"],
                                               constraints={"fabric__name": "fabric-2"})
        perm.users.add(self.user)
        perm.object_types.add(ObjectType.objects.get_for_model(Switch))
        response = self.client.get(reverse("plugins:netbox_hedgehog:switch_list"))
        self.assertHttpStatus(response, 200)
        content = response.content.decode()
        self.assertNotIn(Switch.objects.get(fabric=self.fabrics[0], name="switch-1").get_absolute_url(), content)
        self.assertIn(Switch.objects.get(fabric=self.fabrics[1]).get_absolute_url(), content)
