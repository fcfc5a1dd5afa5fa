from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from netbox.models import NetBoxModel

from ..choices import DriftChoices, OriginChoices
from ..schemas import NAME_MAX_LENGTH, NAMESPACE_MAX_LENGTH, RESOURCE_VERSION_MAX_LENGTH, UID_MAX_LENGTH
from ..validators import GIT_FILE_MAX_LENGTH

__all__ = ("HedgehogObject", "fit_column", "spec_asn", "spec_list", "spec_mapping", "spec_text",
           "unique_per_fabric")


class HedgehogObject(NetBoxModel):
    """
    One Hedgehog custom resource as the last sync saw it. Owned by the sync: the UI shows it read-only.
    `spec` is the cluster's copy when the fabric has a cluster, else the Git copy; `git_spec` keeps the
    Git copy alongside when both sources hold the object, so the page can show the difference.
    """

    KIND = ""

    fabric = models.ForeignKey(to="netbox_hedgehog.HedgehogFabric", on_delete=models.CASCADE,
                               related_name="%(class)s_set")
    name = models.CharField(verbose_name=_("name"), max_length=NAME_MAX_LENGTH)
    namespace = models.CharField(verbose_name=_("namespace"), max_length=NAMESPACE_MAX_LENGTH, default="default")
    uid = models.CharField(verbose_name=_("UID"), max_length=UID_MAX_LENGTH, blank=True)
    resource_version = models.CharField(verbose_name=_("resource version"),
                                        max_length=RESOURCE_VERSION_MAX_LENGTH, blank=True)
    generation = models.BigIntegerField(verbose_name=_("generation"), null=True, blank=True)
    labels = models.JSONField(verbose_name=_("labels"), default=dict, blank=True)
    annotations = models.JSONField(verbose_name=_("annotations"), default=dict, blank=True)
    spec = models.JSONField(verbose_name=_("spec"), default=dict, blank=True)
    status = models.JSONField(verbose_name=_("status"), default=dict, blank=True)

    origin = models.CharField(verbose_name=_("origin"), max_length=10, choices=OriginChoices)
    git_file = models.CharField(verbose_name=_("Git file"), max_length=GIT_FILE_MAX_LENGTH, blank=True)
    git_commit = models.CharField(verbose_name=_("Git commit"), max_length=64, blank=True)
    git_spec = models.JSONField(verbose_name=_("Git spec"), null=True, blank=True)
    drift = models.CharField(verbose_name=_("drift"), max_length=20, choices=DriftChoices, blank=True)

    class Meta:
        abstract = True
        ordering = ("fabric", "name")

    def __str__(self):
        return self.name

    def serialize_object(self, exclude=None):
        """Sync-owned objects carry no tags; skipping the tag lookup keeps bulk change logging to one query."""
        from utilities.serialization import serialize_object

        return serialize_object(self, resolve_tags=False, exclude=exclude)

    @classmethod
    def spec_columns(cls, spec):
        """Values of the filterable columns this kind derives from its spec, whatever the spec's shape."""
        return {}

    @classmethod
    def column_values(cls, spec):
        """spec_columns() fitted to their columns (fit_column); the reconcile writes these."""
        values = cls.spec_columns(spec if isinstance(spec, dict) else {})
        return {name: fit_column(cls._meta.get_field(name), value) for name, value in values.items()}

    def get_origin_color(self):
        return OriginChoices.colors.get(self.origin)

    def get_drift_color(self):
        return DriftChoices.colors.get(self.drift)


def unique_per_fabric(model_name):
    return models.UniqueConstraint(
        fields=("fabric", "namespace", "name"),
        name=f"netbox_hedgehog_{model_name}_unique_fabric_namespace_name",
        violation_error_message=_("An object with this name already exists in this fabric and namespace."),
    )


def spec_text(value):
    """A spec value as a column string: missing values become ""."""
    return "" if value is None else str(value)


def spec_asn(value):
    """A spec's ASN as a column value: None unless it is a whole number an ASN can be (0 to 2**32 - 1)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**32:
        return value
    return None


def spec_mapping(value):
    """A spec value that should be a mapping, or {} when it is not (a cluster may hold anything)."""
    return value if isinstance(value, dict) else {}


def spec_list(value):
    """A spec value that should be a list, or [] when it is not."""
    return value if isinstance(value, list) else []


def fit_column(field, value):
    """
    `value` as `field` can hold it. The spec is the object's whole truth and a column only a copy to filter on,
    so text longer than the column is cut and a number out of the column's range is left empty.
    """
    from django.core.exceptions import ValidationError

    if isinstance(field, ArrayField):
        return [fit_column(field.base_field, item) for item in spec_list(value)]
    if isinstance(field, models.CharField):
        return spec_text(value).replace("\x00", "")[:field.max_length]
    if isinstance(field, models.IntegerField):
        if not isinstance(value, int) or isinstance(value, bool):
            return None if field.null else 0
        try:
            field.run_validators(value)
        except ValidationError:
            return None if field.null else 0
    return value
