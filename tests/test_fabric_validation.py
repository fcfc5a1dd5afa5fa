"""A bad fabric is refused with an error on the field at fault, through the REST API and the UI form alike."""

from django.urls import reverse
from rest_framework import status

from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.models import HedgehogFabric
from tests.helpers import plugin_settings

API_LIST = "plugins-api:netbox_hedgehog-api:hedgehogfabric-list"
UI_ADD = "plugins:netbox_hedgehog:hedgehogfabric_add"

VALID = {
    "name": "fabric-new",
    "status": "active",
    "kubernetes_server": "https://control-1.example.com:6443",
    "kubernetes_namespace": "default",
    "git_url": "",
    "git_branch": "main",
    "sync_interval": 300,
}

# Only https and ssh: the test configuration also allows file.
NO_FILE_SCHEME = plugin_settings(git_allowed_schemes=["https", "ssh"])

# (case, changed fields, fields that must carry an error)
CASES = (
    ("interval below the minimum", {"sync_interval": 1}, {"sync_interval"}),
    ("malformed Kubernetes URL", {"kubernetes_server": "control-1 port 6443"}, {"kubernetes_server"}),
    ("Kubernetes URL with a non-http scheme", {"kubernetes_server": "ftp://control-1.example.com"},
     {"kubernetes_server"}),
    ("disallowed Git scheme", {"git_url": "ftp://git.example.com/fabric.git"}, {"git_url"}),
    ("no source at all", {"kubernetes_server": "", "git_url": ""}, {"kubernetes_server", "git_url"}),
    ("duplicate name", {"name": "existing"}, {"name"}),
)


class FabricAPIValidationTest(APITestCase):
    @classmethod
    def setUpTestData(cls):
        HedgehogFabric.objects.create(name="existing", git_url="https://git.example.com/existing.git")

    def setUp(self):
        super().setUp()
        self.add_permissions("netbox_hedgehog.add_hedgehogfabric", "netbox_hedgehog.change_hedgehogfabric",
                             "netbox_hedgehog.view_hedgehogfabric")

    def post(self, data):
        return self.client.post(reverse(API_LIST), data, format="json", **self.header)

    def assertRefused(self, data, fields):
        before = HedgehogFabric.objects.count()
        response = self.post(data)
        self.assertHttpStatus(response, status.HTTP_400_BAD_REQUEST)
        for field in fields:
            self.assertIn(field, response.data, f"no error on {field}: {response.data}")
            self.assertTrue(str(response.data[field][0]).strip())
        self.assertEqual(HedgehogFabric.objects.count(), before)

    def test_valid_fabric_is_created(self):
        response = self.post(VALID)
        self.assertHttpStatus(response, status.HTTP_201_CREATED)
        self.assertTrue(HedgehogFabric.objects.filter(name="fabric-new").exists())

    def test_invalid_fabrics_are_refused(self):
        for case, changes, fields in CASES:
            with self.subTest(case=case):
                self.assertRefused({**VALID, **changes}, fields)

    def test_interval_error_names_the_minimum(self):
        from netbox_hedgehog.models.fabric import min_sync_interval

        response = self.post({**VALID, "sync_interval": min_sync_interval() - 1})
        self.assertIn(str(min_sync_interval()), str(response.data["sync_interval"]))

    def test_no_source_error_explains(self):
        response = self.post({**VALID, "kubernetes_server": ""})
        self.assertIn("source", str(response.data["git_url"]).lower())

    @NO_FILE_SCHEME
    def test_file_scheme_refused_when_not_allowed(self):
        self.assertRefused({**VALID, "git_url": "file:///srv/git/fabric"}, {"git_url"})

    def test_file_scheme_accepted_when_allowed(self):
        response = self.post({**VALID, "git_url": "file:///srv/git/fabric"})
        self.assertHttpStatus(response, status.HTTP_201_CREATED)

    def test_update_is_validated_too(self):
        fabric = HedgehogFabric.objects.get(name="existing")
        url = reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-detail", kwargs={"pk": fabric.pk})
        response = self.client.patch(url, {"sync_interval": 1}, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_400_BAD_REQUEST)
        self.assertIn("sync_interval", response.data)
        response = self.client.patch(url, {"git_url": ""}, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_400_BAD_REQUEST)
        self.assertIn("git_url", response.data)
        fabric.refresh_from_db()
        self.assertEqual((fabric.sync_interval, fabric.git_url), (300, "https://git.example.com/existing.git"))


class FabricFormValidationTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        HedgehogFabric.objects.create(name="existing", git_url="https://git.example.com/existing.git")

    def setUp(self):
        super().setUp()
        self.add_permissions("netbox_hedgehog.add_hedgehogfabric", "netbox_hedgehog.view_hedgehogfabric")

    def post(self, data):
        return self.client.post(reverse(UI_ADD), {k: v for k, v in data.items() if v is not None})

    def assertRefused(self, data, fields):
        before = HedgehogFabric.objects.count()
        response = self.post(data)
        # The form comes back (200, not a redirect) with the errors on the fields.
        self.assertHttpStatus(response, 200)
        form = response.context["form"]
        for field in fields:
            self.assertIn(field, form.errors, f"no error on {field}: {form.errors.as_data()}")
            # The message is shown next to the field on the page.
            self.assertIn(str(form.errors[field][0]).replace("'", "&#x27;"), response.content.decode())
        self.assertEqual(HedgehogFabric.objects.count(), before)

    def test_valid_fabric_is_created(self):
        self.assertHttpStatus(self.post(VALID), 302)
        self.assertTrue(HedgehogFabric.objects.filter(name="fabric-new").exists())

    def test_invalid_fabrics_are_refused(self):
        for case, changes, fields in CASES:
            with self.subTest(case=case):
                self.assertRefused({**VALID, **changes}, fields)

    @NO_FILE_SCHEME
    def test_file_scheme_refused_when_not_allowed(self):
        self.assertRefused({**VALID, "git_url": "file:///srv/git/fabric"}, {"git_url"})

    def test_form_has_no_status_fields(self):
        response = self.client.get(reverse(UI_ADD))
        self.assertHttpStatus(response, 200)
        form = response.context["form"]
        for field in ("sync_status", "connection_status", "last_sync", "last_sync_attempt", "sync_error",
                      "connection_error"):
            self.assertNotIn(field, form.fields)
