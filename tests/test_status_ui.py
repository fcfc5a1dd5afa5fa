"""The Hedgehog status page, the dashboard widget and the health banner, with and without permission."""
from django.urls import reverse

from utilities.testing import TestCase

from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.queues import redis_connection
from netbox_hedgehog.widgets import HedgehogStatusWidget


class StatusPageTest(TestCase):
    def setUp(self):
        super().setUp()
        redis_connection().flushdb()  # no worker, no sidecar: the banner must say so
        self.fabric = HedgehogFabric.objects.create(name="status-fabric", git_url="https://git.example.com/f.git")
        self.fabric.set_sync_state("error", error="Git remote unreachable")

    def test_status_page_lists_fabrics_and_says_no_worker_or_sidecar_runs(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        page = self.client.get(reverse("plugins:netbox_hedgehog:status")).content.decode()
        self.assertIn("status-fabric", page)
        self.assertIn("Git remote unreachable", page)
        self.assertIn('id="hedgehog-health-banner"', page)
        self.assertIn("no live RQ worker serves queue", page)
        self.assertIn("no active scheduler sidecar", page)
        self.assertIn("registrations differ", page)

    def test_status_page_needs_view_permission(self):
        response = self.client.get(reverse("plugins:netbox_hedgehog:status"))
        self.assertHttpStatus(response, 403)

    def test_fabric_pages_show_the_banner(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        for url in (reverse("plugins:netbox_hedgehog:hedgehogfabric_list"), self.fabric.get_absolute_url()):
            page = self.client.get(url).content.decode()
            self.assertIn('id="hedgehog-health-banner"', page, url)

    def test_widget_renders_for_a_user_with_and_without_permission(self):
        widget = HedgehogStatusWidget()
        request = self.client.get(reverse("home")).wsgi_request
        request.user = self.user
        self.assertIn("No permission", widget.render(request))
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        request.user = type(self.user).objects.get(pk=self.user.pk)  # fresh permission cache
        html = widget.render(request)
        self.assertIn("status-fabric", html)
        self.assertIn("hedgehog-health-banner", html)
