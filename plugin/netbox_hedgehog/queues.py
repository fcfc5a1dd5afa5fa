"""The RQ queues the plugin uses. Names are NetBox's; their Redis connections come from RQ_QUEUES."""
from netbox.constants import RQ_QUEUE_DEFAULT, RQ_QUEUE_HIGH, RQ_QUEUE_LOW

__all__ = ("QUEUE_DEFAULT", "QUEUE_HIGH", "QUEUE_LOW")

QUEUE_HIGH = RQ_QUEUE_HIGH  # manual and API-triggered syncs
QUEUE_DEFAULT = RQ_QUEUE_DEFAULT  # scheduled syncs
QUEUE_LOW = RQ_QUEUE_LOW  # housekeeping
