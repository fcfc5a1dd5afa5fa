from netbox.api.fields import ChoiceField
from netbox.api.serializers import NetBoxModelSerializer

from ...choices import DriftChoices, OriginChoices
from .fabric import HedgehogFabricSerializer

__all__ = ("COMMON_FIELDS", "BRIEF_FIELDS", "HedgehogObjectSerializer")

COMMON_FIELDS = (
    "id", "url", "display_url", "display", "fabric", "name", "namespace", "uid", "resource_version", "generation",
    "labels", "annotations", "spec", "status", "origin", "git_file", "git_commit", "git_spec", "drift",
)
TAIL_FIELDS = ("tags", "custom_fields", "created", "last_updated")
BRIEF_FIELDS = ("id", "url", "display", "name", "namespace")


class HedgehogObjectSerializer(NetBoxModelSerializer):
    """Kinds are read-only through the API: the sync owns them."""

    fabric = HedgehogFabricSerializer(nested=True, read_only=True)
    origin = ChoiceField(choices=OriginChoices, read_only=True)
    drift = ChoiceField(choices=DriftChoices, read_only=True, allow_blank=True)

    @staticmethod
    def fields_for(*extra):
        return (*COMMON_FIELDS, *extra, *TAIL_FIELDS)
