"""Receivers: a fabric's schedule change reaches the scheduler sidecar right after it is committed."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import HedgehogFabric
from .scheduling import notify_fabric_changed


@receiver((post_save, post_delete), sender=HedgehogFabric)
def fabric_schedule_changed(sender, instance, **kwargs):
    notify_fabric_changed(instance.pk)
