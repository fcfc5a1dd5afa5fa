"""Sync now, Test connection and the live run panel: the REST actions and the UI, with and without permission."""
import pytest
from django.urls import reverse
from rest_framework import status

from core.choices import JobStatusChoices
from core.models import Job
from utilities.testing import APITestCase, TestCase

from netbox_hedgehog.choices import ConnectionStatusChoices
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.queues import redis_connection
from tests.helpers import cluster_fabric


def sync_url(pk):
    return reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-sync", kwargs={"pk": pk})


class SyncTriggerAPITest(APITestCase):
    def setUp(self):
        super().setUp()
        redis_connection().flushdb()
        self.fabric = HedgehogFabric.objects.create(name="api", git_url="https://git.example.com/fabric.git",
                                                    scheduler_enabled=False)

    def test_sync_answers_202_with_the_job(self):
        self.add_permissions("netbox_hedgehog.sync_hedgehogfabric")
        response = self.client.post(sync_url(self.fabric.pk), {}, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_202_ACCEPTED)
        job = Job.objects.get(pk=response.data["id"])
        self.assertEqual(job.object_id, self.fabric.pk)
        self.assertEqual(job.queue_name, "high")
        self.assertEqual(response.data["status"]["value"], JobStatusChoices.STATUS_PENDING)
        self.assertTrue(response.data["url"].endswith(f"/api/core/jobs/{job.pk}/"))

    def test_sync_while_queued_returns_the_same_job(self):
        self.add_permissions("netbox_hedgehog.sync_hedgehogfabric")
        # The job reaches Redis after commit; run those callbacks as a real commit would.
        with self.captureOnCommitCallbacks(execute=True):
            first = self.client.post(sync_url(self.fabric.pk), {}, format="json", **self.header)
        second = self.client.post(sync_url(self.fabric.pk), {"dry_run": True}, format="json", **self.header)
        self.assertHttpStatus(second, status.HTTP_202_ACCEPTED)
        self.assertEqual(first.data["id"], second.data["id"])
        self.assertEqual(Job.objects.filter(object_id=self.fabric.pk).count(), 1)

    def test_sync_without_permission_is_403(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.add_hedgehogfabric")
        response = self.client.post(sync_url(self.fabric.pk), {}, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_403_FORBIDDEN)
        self.assertFalse(Job.objects.exists())

    def test_sync_of_an_unknown_fabric_is_404(self):
        self.add_permissions("netbox_hedgehog.sync_hedgehogfabric")
        response = self.client.post(sync_url(999999), {}, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_404_NOT_FOUND)

    def test_sync_rejects_a_malformed_body(self):
        self.add_permissions("netbox_hedgehog.sync_hedgehogfabric")
        response = self.client.post(sync_url(self.fabric.pk), {"dry_run": "perhaps"}, format="json", **self.header)
        self.assertHttpStatus(response, status.HTTP_400_BAD_REQUEST)
        self.assertIn("dry_run", response.data)


@pytest.fixture
def cluster(kube_emulator):
    """The lab sample on a cluster where only three of the Hedgehog CRDs are installed."""
    return kube_emulator(crds={"Switch", "Server", "Connection"})


@pytest.mark.django_db
class TestConnectionAPI:
    """Test connection through the API against the Kubernetes emulator."""

    def test_reports_crds_and_stores_the_status(self, cluster, admin_client):
        fabric = cluster_fabric(cluster, name="k8s")
        url = reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-test-connection", kwargs={"pk": fabric.pk})
        data = admin_client.post(url, content_type="application/json").json()
        assert data["ok"] and data["connection_status"] == ConnectionStatusChoices.CONNECTED
        assert set(data["crds_found"]) == {"Switch", "Server", "Connection"}
        assert "VPC" in data["crds_missing"]
        fabric.refresh_from_db()
        assert fabric.connection_status == ConnectionStatusChoices.CONNECTED

    def test_a_wrong_token_is_a_clear_error_without_the_token(self, cluster, admin_client):
        wrong = "wrong-token-ffffffffffffffff"
        fabric = cluster_fabric(cluster, name="k8s", kubernetes_token=wrong)
        url = reverse("plugins-api:netbox_hedgehog-api:hedgehogfabric-test-connection", kwargs={"pk": fabric.pk})
        response = admin_client.post(url, content_type="application/json")
        data = response.json()
        assert not data["ok"] and "401" in data["message"] and wrong not in response.content.decode()
        fabric.refresh_from_db()
        assert fabric.connection_status == ConnectionStatusChoices.ERROR and wrong not in fabric.connection_error
        page = admin_client.get(fabric.get_absolute_url()).content.decode()
        assert "401" in page and wrong not in page


class SyncButtonsUITest(TestCase):
    def setUp(self):
        super().setUp()
        redis_connection().flushdb()
        self.fabric = HedgehogFabric.objects.create(name="ui", git_url="https://git.example.com/fabric.git",
                                                    scheduler_enabled=False)

    def test_without_sync_permission_there_is_no_button_and_posting_is_refused(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric")
        page = self.client.get(self.fabric.get_absolute_url()).content.decode()
        self.assertNotIn('id="sync-now"', page)
        self.assertNotIn('id="test-connection"', page)
        response = self.client.post(reverse("plugins:netbox_hedgehog:hedgehogfabric_sync", kwargs={"pk":
                                                                                                   self.fabric.pk}))
        self.assertHttpStatus(response, 403)
        self.assertFalse(Job.objects.exists())

    def test_sync_now_with_no_worker_says_it_is_queued_and_the_panel_polls(self):
        self.add_permissions("netbox_hedgehog.view_hedgehogfabric", "netbox_hedgehog.sync_hedgehogfabric",
                             "core.view_job")
        page = self.client.get(self.fabric.get_absolute_url()).content.decode()
        self.assertIn('id="sync-now"', page)
        self.assertNotIn("hx-trigger", page)  # nothing running: no polling
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("plugins:netbox_hedgehog:hedgehogfabric_sync",
                                                kwargs={"pk": self.fabric.pk}), follow=True)
        page = response.content.decode()
        self.assertIn("no worker is running", page)
        self.assertIn("Queued", page)
        self.assertIn('hx-trigger="every 2s"', page)
        self.assertIn("latest-run-waiting", page)
        panel = self.client.get(reverse("plugins:netbox_hedgehog:hedgehogfabric_run_panel",
                                        kwargs={"pk": self.fabric.pk})).content.decode()
        self.assertIn('id="fabric-live"', panel)
        self.assertIn('hx-trigger="every 2s"', panel)
        self.assertNotIn("<html", panel)
        Job.objects.update(status=JobStatusChoices.STATUS_COMPLETED, data={"outcome": "success", "counts": {
            "Switch": {"created": 6, "updated": 0, "deleted": 0, "unchanged": 0}}})
        panel = self.client.get(reverse("plugins:netbox_hedgehog:hedgehogfabric_run_panel",
                                        kwargs={"pk": self.fabric.pk})).content.decode()
        self.assertNotIn("hx-trigger", panel)  # the run ended: polling stops
        self.assertIn("latest-run-counts", panel)
