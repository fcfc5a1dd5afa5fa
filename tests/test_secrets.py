"""
The fabric's secrets (Kubernetes token, Git password) are write-only: set through the API or the form, they never
come back out through the REST API, GraphQL, the UI pages and forms, the list exports, the search index or the
change log.
"""
import json

from django.urls import reverse
from rest_framework import status

from core.models import ObjectChange
from extras.models import CachedValue
from netbox.search.backends import search_backend
from utilities.testing import APITestCase

from netbox_hedgehog.models import HedgehogFabric

TOKEN = "tok-SECRET-7f3a9c1e5b2d4680"
PASSWORD = "pw-SECRET-c0ffee1234abcd99"
NEW_TOKEN = "tok-SECRET-rotated-55aa77bb"
SECRETS = (TOKEN, PASSWORD, NEW_TOKEN)

FABRIC_DATA = {
    "name": "secret-fabric",
    "kubernetes_server": "https://control-1.example.com:6443",
    "kubernetes_token": TOKEN,
    "git_url": "https://git.example.com/fabric.git",
    "git_username": "bot",
    "git_password": PASSWORD,
}


class SecretsNeverLeakTest(APITestCase):
    def setUp(self):
        super().setUp()
        self.add_permissions(
            "netbox_hedgehog.add_hedgehogfabric", "netbox_hedgehog.change_hedgehogfabric",
            "netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.delete_hedgehogfabric",
            "core.view_objectchange",
        )
        # The same user browses the UI.
        self.client.force_login(self.user)
        response = self.client.post(reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-list"), FABRIC_DATA,
                                    format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_201_CREATED)
        self.create_response = response
        self.fabric = HedgehogFabric.objects.get(name="secret-fabric")
        # The secrets were stored: the test checks they are not shown, not that they are missing.
        self.assertEqual((self.fabric.kubernetes_token, self.fabric.git_password), (TOKEN, PASSWORD))

    def assertNoSecret(self, content, where):
        if not isinstance(content, str):
            content = content.decode() if isinstance(content, bytes) else json.dumps(content, default=str)
        for secret in SECRETS:
            if secret in content:
                self.fail(f"a secret appears in {where}")

    def api_get(self, viewname, **params):
        response = self.client.get(reverse(viewname, kwargs=params.pop("kwargs", None)), params, **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        return response

    def rotate_token_via_api(self):
        url = reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-detail", kwargs={"pk": self.fabric.pk})
        response = self.client.patch(url, {"kubernetes_token": NEW_TOKEN, "description": "rotated"}, format="json",
                                     **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        self.assertNoSecret(response.content, "the PATCH response")
        self.fabric.refresh_from_db()
        self.assertEqual(self.fabric.kubernetes_token, NEW_TOKEN)

    def test_rest_api(self):
        self.assertNoSecret(self.create_response.content, "the POST response")
        self.rotate_token_via_api()
        detail = self.api_get("plugins-api:netbox_hedgehog-api:hedgehogfabric-detail", kwargs={"pk": self.fabric.pk})
        self.assertNoSecret(detail.content, "the REST detail")
        self.assertTrue(detail.data["has_kubernetes_token"])
        self.assertTrue(detail.data["has_git_password"])
        for params in ({}, {"brief": "1"}, {"fields": "id,name,kubernetes_token,git_password"}):
            response = self.api_get("plugins-api:netbox_hedgehog-api:hedgehogfabric-list", **params)
            self.assertNoSecret(response.content, f"the REST list {params}")
        # Ordering on a secret would let a reader guess it: DRF only orders on readable fields.
        response = self.api_get("plugins-api:netbox_hedgehog-api:hedgehogfabric-list", ordering="kubernetes_token")
        self.assertNoSecret(response.content, "the ordered REST list")

    def test_schema(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        response = self.client.get(reverse("schema"), {"format": "json"}, **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        schema = json.loads(response.content)
        fabric = schema["components"]["schemas"]["HedgehogFabric"]["properties"]
        self.assertNotIn("kubernetes_token", fabric)
        self.assertNotIn("git_password", fabric)
        request = schema["components"]["schemas"]["HedgehogFabricRequest"]["properties"]
        self.assertTrue(request["kubernetes_token"]["writeOnly"])

    def test_graphql(self):
        self.rotate_token_via_api()
        from netbox.graphql.schema import schema

        fields = [field.name for field in schema.get_type_by_name("HedgehogFabricType").fields
                  if field.name not in ("changelog", "tags", "journal_entries") and not field.name.endswith("_set")]
        query = f"{{ hedgehog_fabric_list {{ {' '.join(fields)} changelog {{ prechange_data postchange_data }} }} }}"
        response = self.client.post(reverse("graphql"), data={"query": query}, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_200_OK)
        data = json.loads(response.content)
        self.assertNotIn("errors", data)
        self.assertEqual(data["data"]["hedgehog_fabric_list"][0]["name"], "secret-fabric")
        self.assertTrue(data["data"]["hedgehog_fabric_list"][0]["has_kubernetes_token"])
        self.assertNoSecret(response.content, "GraphQL")

    def test_ui_pages(self):
        self.rotate_token_via_api()
        for name, url in (
            ("the detail page", self.fabric.get_absolute_url()),
            ("the edit form", reverse("plugins:netbox_hedgehog:hedgehogfabric_edit", kwargs={"pk": self.fabric.pk})),
            ("the clone form", f"{reverse('plugins:netbox_hedgehog:hedgehogfabric_add')}?name=x&"
                               f"kubernetes_token=&git_password="),
            ("the list", reverse("plugins:netbox_hedgehog:hedgehogfabric_list")),
            ("the list (all columns)", reverse("plugins:netbox_hedgehog:hedgehogfabric_list") + "?per_page=100"),
            ("the change log tab", reverse("plugins:netbox_hedgehog:hedgehogfabric_changelog",
                                           kwargs={"pk": self.fabric.pk})),
            ("the journal tab", reverse("plugins:netbox_hedgehog:hedgehogfabric_journal",
                                        kwargs={"pk": self.fabric.pk})),
        ):
            with self.subTest(page=name):
                response = self.client.get(url)
                self.assertHttpStatus(response, 200)
                self.assertNoSecret(response.content, name)
        content = self.client.get(self.fabric.get_absolute_url()).content.decode()
        self.assertIn('id="fabric-status"', content)
        self.assertIn(">set<", content)

    def test_edit_form_never_renders_the_secret(self):
        url = reverse("plugins:netbox_hedgehog:hedgehogfabric_edit", kwargs={"pk": self.fabric.pk})
        response = self.client.get(url)
        self.assertNoSecret(response.content, "the edit form")
        form = response.context["form"]
        self.assertNotIn("kubernetes_token", form.initial)
        self.assertNotIn("git_password", form.initial)
        self.assertIn('type="password"', response.content.decode())
        # A form that fails validation is rendered again: the secret just typed must not be echoed back.
        data = {"name": "secret-fabric", "status": "active", "kubernetes_server": "not a url",
                "kubernetes_namespace": "default", "git_branch": "main", "sync_interval": 300,
                "kubernetes_token": NEW_TOKEN}
        response = self.client.post(url, data)
        self.assertHttpStatus(response, 200)
        self.assertNoSecret(response.content, "the re-rendered edit form")

    def test_exports(self):
        list_url = reverse("plugins:netbox_hedgehog:hedgehogfabric_list")
        for name, query in (("the default export (all columns)", "?export"), ("the table CSV export", "?export=table")):
            with self.subTest(export=name):
                response = self.client.get(f"{list_url}{query}")
                self.assertHttpStatus(response, 200)
                content = b"".join(response.streaming_content) if response.streaming else response.content
                self.assertIn(b"secret-fabric", content)
                self.assertNoSecret(content, name)
        # The bulk import/edit forms only describe the fields.
        for action in ("bulk_import", "bulk_edit"):
            response = self.client.get(reverse(f"plugins:netbox_hedgehog:hedgehogfabric_{action}"))
            self.assertNoSecret(response.content, action)

    def test_change_log(self):
        # Create (API), update (API), update (UI form), delete: every change record is free of secrets.
        self.rotate_token_via_api()
        url = reverse("plugins:netbox_hedgehog:hedgehogfabric_edit", kwargs={"pk": self.fabric.pk})
        data = {"name": "secret-fabric", "status": "active", "kubernetes_server": self.fabric.kubernetes_server,
                "kubernetes_namespace": "default", "git_url": self.fabric.git_url, "git_branch": "main",
                "sync_interval": 300, "git_password": "", "kubernetes_token": "", "description": "via the form"}
        self.assertHttpStatus(self.client.post(url, data), 302)
        self.fabric.refresh_from_db()
        self.assertEqual((self.fabric.kubernetes_token, self.fabric.git_password), (NEW_TOKEN, PASSWORD))

        changes = ObjectChange.objects.filter(changed_object_id=self.fabric.pk,
                                              changed_object_type__model="hedgehogfabric")
        self.assertEqual(changes.count(), 3)
        for change in changes:
            self.assertNoSecret(change.prechange_data, f"prechange data of {change.action}")
            self.assertNoSecret(change.postchange_data, f"postchange data of {change.action}")
            for key in ("kubernetes_token", "git_password"):
                self.assertNotIn(key, change.postchange_data or {})
            response = self.client.get(change.get_absolute_url())
            self.assertHttpStatus(response, 200)
            self.assertNoSecret(response.content, f"the change record page of {change.action}")
        response = self.api_get("core-api:objectchange-list", changed_object_id=self.fabric.pk)
        self.assertEqual(response.data["count"], 3)
        self.assertNoSecret(response.content, "the change log API")

        # Deleting records the object's last state.
        detail = reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-detail", kwargs={"pk": self.fabric.pk})
        self.assertHttpStatus(self.client.delete(detail, **self.header), status.HTTP_204_NO_CONTENT)
        deletion = ObjectChange.objects.get(changed_object_id=self.fabric.pk, action="delete",
                                            changed_object_type__model="hedgehogfabric")
        self.assertNoSecret(deletion.prechange_data, "prechange data of the deletion")
        self.assertNoSecret(self.client.get(reverse("core:objectchange_list")).content, "the change log list")

    def test_event_payload(self):
        # Webhooks and event rules send the REST serialization of the object.
        from extras.events import serialize_for_event

        self.assertNoSecret(serialize_for_event(self.fabric), "the event (webhook) payload")

    def test_search_index(self):
        search_backend.cache([self.fabric])
        values = list(CachedValue.objects.filter(object_id=self.fabric.pk).values_list("value", flat=True))
        self.assertIn("secret-fabric", values)
        self.assertNoSecret(" ".join(values), "the search index")
        response = self.client.get(reverse("search"), {"q": TOKEN})
        self.assertNotIn(self.fabric.get_absolute_url(), response.content.decode())
