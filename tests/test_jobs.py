"""Sync runs in-process: attribution of scheduled runs, skipping while another run holds the lock, housekeeping."""
import os

import pytest
from django.contrib.auth import get_user_model

from core.choices import JobStatusChoices
from core.models import Job, ObjectChange

from netbox_hedgehog.jobs import housekeeping_state, run_housekeeping, run_scheduled_sync
from netbox_hedgehog.locks import fabric_lock
from netbox_hedgehog.models import HedgehogFabric
from tests.helpers import plugin_settings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_redis")]

CA_AND_KEY = """-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUZmFrZS1jZXJ0aWZpY2F0ZS1mb3ItdGVzdHMwCgYIKoZI
-----END CERTIFICATE-----
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIFakeKeyMaterialThatMustNeverBeStored0123456789abcdef
-----END EC PRIVATE KEY-----
"""


def test_a_private_key_pasted_with_the_ca_is_never_stored():
    fabric = HedgehogFabric.objects.create(name="ca", kubernetes_server="https://k8s:6443",
                                           kubernetes_ca_cert=CA_AND_KEY)
    fabric.refresh_from_db()
    assert "PRIVATE KEY" not in fabric.kubernetes_ca_cert
    assert fabric.kubernetes_ca_cert.startswith("-----BEGIN CERTIFICATE-----")


def test_scheduled_runs_are_attributed_to_the_sync_user(lab_repo):
    bot = get_user_model().objects.create_user(username="syncbot")
    fabric = HedgehogFabric.objects.create(name="scheduled", git_url=lab_repo.url)
    with plugin_settings(sync_user="syncbot"):
        outcome = run_scheduled_sync(fabric_id=fabric.pk, due="2026-11-23T10:00:00+00:00")
    job = Job.objects.get(pk=outcome["job"])
    assert job.status == JobStatusChoices.STATUS_COMPLETED and job.user == bot
    assert job.object_id == fabric.pk and job.scheduled.isoformat() == "2026-11-23T10:00:00+00:00"
    assert set(ObjectChange.objects.filter(request_id=job.job_id).values_list("user_name", flat=True)) == {"syncbot"}


def test_a_scheduled_run_that_finds_a_run_in_progress_is_recorded_as_skipped(lab_repo):
    fabric = HedgehogFabric.objects.create(name="busy", git_url=lab_repo.url)
    with fabric_lock(fabric.pk) as acquired:
        assert acquired
        outcome = run_scheduled_sync(fabric_id=fabric.pk)
    job = Job.objects.get(pk=outcome["job"])
    assert job.status == JobStatusChoices.STATUS_COMPLETED
    assert job.data["outcome"] == "skipped" and "another sync" in job.data["reason"]
    fabric.refresh_from_db()
    assert fabric.sync_status == "never_synced"


def test_housekeeping_drops_the_git_caches_of_deleted_fabrics(tmp_path):
    fabric = HedgehogFabric.objects.create(name="kept", git_url="https://git.example.com/r.git")
    for name in (f"fabric-{fabric.pk}", "fabric-999999"):
        os.makedirs(tmp_path / name / "repo")
    with plugin_settings(git_cache_dir=str(tmp_path)):
        outcome = run_housekeeping()
    assert outcome["removed_git_caches"] == 1 and housekeeping_state() == outcome
    assert sorted(os.listdir(tmp_path)) == [f"fabric-{fabric.pk}"]
