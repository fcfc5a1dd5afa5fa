import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from netbox.models import NetBoxModel
from netbox.models.features import JobsMixin
from netbox.plugins import get_plugin_config
from utilities.querysets import RestrictedQuerySet

from ..choices import ConnectionStatusChoices, FabricStatusChoices, SyncStatusChoices
from ..kubeconfig import MAX_KUBECONFIG_BYTES, parse_kubeconfig
from ..validators import (
    validate_git_branch,
    validate_git_path,
    validate_git_url,
    validate_kubernetes_url,
    validate_namespace,
)

__all__ = ("SECRET_FIELDS", "HedgehogFabric", "min_sync_interval", "strip_private_keys")

# Write-only: never rendered, returned, exported, indexed, filtered on or written to the change log.
SECRET_FIELDS = ("kubernetes_token", "kubernetes_kubeconfig", "git_password")

_PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----\s*", re.S)


def min_sync_interval():
    """The smallest sync interval a fabric may have (plugin setting `min_sync_interval`, default 10 s)."""
    return get_plugin_config("netbox_hedgehog", "min_sync_interval")


def strip_private_keys(pem):
    """A CA bundle needs certificates only; a pasted private key is dropped, never stored."""
    return _PRIVATE_KEY_BLOCK.sub("", pem or "").strip()


class HedgehogFabricQuerySet(RestrictedQuerySet):
    def scheduled(self):
        """Fabrics the scheduler sidecar keeps a recurring registration for (docs/architecture.md, "Scheduling")."""
        return self.filter(sync_enabled=True, scheduler_enabled=True).exclude(
            kubernetes_server="", kubernetes_kubeconfig="", git_url="")


class HedgehogFabric(JobsMixin, NetBoxModel):
    name = models.CharField(verbose_name=_("name"), max_length=100, unique=True)
    description = models.CharField(verbose_name=_("description"), max_length=200, blank=True)
    comments = models.TextField(verbose_name=_("comments"), blank=True)
    status = models.CharField(
        verbose_name=_("status"), max_length=30, choices=FabricStatusChoices, default=FabricStatusChoices.STATUS_ACTIVE
    )

    kubernetes_server = models.CharField(
        verbose_name=_("Kubernetes API server"), max_length=255, blank=True,
        help_text=_("URL of the fabric's Kubernetes API, e.g. https://control-1:6443"),
    )
    kubernetes_token = models.TextField(verbose_name=_("Kubernetes token"), blank=True)
    kubernetes_ca_cert = models.TextField(
        verbose_name=_("Kubernetes CA certificate"), blank=True,
        help_text=_("PEM certificate(s) of the CA that signed the API server's certificate"),
    )
    kubernetes_namespace = models.CharField(
        verbose_name=_("Kubernetes namespace"), max_length=63, default="default",
        help_text=_("Hedgehog keeps its objects in namespace 'default'"),
    )
    kubernetes_verify_tls = models.BooleanField(verbose_name=_("verify TLS"), default=True)
    kubernetes_kubeconfig = models.TextField(
        verbose_name=_("kubeconfig"), blank=True,
        help_text=_("Instead of a server URL, token and CA: a kubeconfig whose context names the API server and "
                    "its credentials (inline only)"),
    )
    kubernetes_context = models.CharField(
        verbose_name=_("kubeconfig context"), max_length=253, blank=True,
        help_text=_("Context of the kubeconfig to use; empty for its current-context"),
    )

    git_url = models.CharField(verbose_name=_("Git URL"), max_length=500, blank=True)
    git_branch = models.CharField(verbose_name=_("Git branch"), max_length=200, default="main")
    git_path = models.CharField(
        verbose_name=_("Git path"), max_length=500, blank=True,
        help_text=_("Folder inside the repository holding the YAML files; empty for the repository root"),
    )
    git_username = models.CharField(verbose_name=_("Git username"), max_length=200, blank=True)
    git_password = models.TextField(verbose_name=_("Git password or token"), blank=True)

    sync_enabled = models.BooleanField(verbose_name=_("sync enabled"), default=True)
    scheduler_enabled = models.BooleanField(verbose_name=_("scheduled sync"), default=True)
    sync_interval = models.PositiveIntegerField(
        verbose_name=_("sync interval"), default=300, validators=[MinValueValidator(1)],
        help_text=_("Seconds between scheduled syncs"),
    )
    skip_invalid_objects = models.BooleanField(
        verbose_name=_("skip invalid objects"), default=False,
        help_text=_("Sync the valid objects and mark the run partial instead of failing on invalid input"),
    )

    # Written only by set_sync_state() and set_connection_state().
    sync_status = models.CharField(
        verbose_name=_("sync status"), max_length=20, choices=SyncStatusChoices,
        default=SyncStatusChoices.NEVER_SYNCED, editable=False,
    )
    connection_status = models.CharField(
        verbose_name=_("connection status"), max_length=20, choices=ConnectionStatusChoices,
        default=ConnectionStatusChoices.UNKNOWN, editable=False,
    )
    last_sync = models.DateTimeField(verbose_name=_("last successful sync"), null=True, blank=True, editable=False)
    last_sync_attempt = models.DateTimeField(verbose_name=_("last sync attempt"), null=True, blank=True,
                                             editable=False)
    sync_error = models.TextField(verbose_name=_("last sync error"), blank=True, editable=False)
    connection_error = models.TextField(verbose_name=_("last connection error"), blank=True, editable=False)

    objects = HedgehogFabricQuerySet.as_manager()

    clone_fields = ("status", "kubernetes_namespace", "kubernetes_verify_tls", "git_branch", "git_path",
                    "sync_enabled", "scheduler_enabled", "sync_interval", "skip_invalid_objects")

    class Meta:
        ordering = ("name",)
        verbose_name = _("fabric")
        verbose_name_plural = _("fabrics")
        permissions = [("sync", "Sync from the fabric's sources and test its connection")]
        constraints = [
            models.CheckConstraint(
                name="netbox_hedgehog_fabric_synced_has_last_sync",
                condition=~Q(sync_status__in=(SyncStatusChoices.IN_SYNC, SyncStatusChoices.OUT_OF_SYNC))
                | Q(last_sync__isnull=False),
                violation_error_message=_("A fabric cannot be in sync without a last successful sync time."),
            ),
            models.CheckConstraint(
                name="netbox_hedgehog_fabric_never_synced_has_no_last_sync",
                condition=~Q(sync_status=SyncStatusChoices.NEVER_SYNCED) | Q(last_sync__isnull=True),
                violation_error_message=_("A fabric that never synced cannot have a last sync time."),
            ),
            models.CheckConstraint(
                name="netbox_hedgehog_fabric_has_source",
                condition=~Q(kubernetes_server="") | ~Q(kubernetes_kubeconfig="") | ~Q(git_url=""),
                violation_error_message=_("A fabric needs a Kubernetes API server, a kubeconfig or a Git URL."),
            ),
            models.CheckConstraint(
                name="netbox_hedgehog_fabric_positive_interval",
                condition=Q(sync_interval__gte=1),
                violation_error_message=_("The sync interval must be at least one second."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def has_kubernetes(self):
        return bool(self.kubernetes_server or self.kubernetes_kubeconfig)

    @property
    def has_git(self):
        return bool(self.git_url)

    @property
    def is_scheduled(self):
        return self.sync_enabled and self.scheduler_enabled and (self.has_kubernetes or self.has_git)

    def get_sync_status_color(self):
        return SyncStatusChoices.colors.get(self.sync_status)

    def get_connection_status_color(self):
        return ConnectionStatusChoices.colors.get(self.connection_status)

    def get_status_color(self):
        return FabricStatusChoices.colors.get(self.status)

    def serialize_object(self, exclude=None):
        """Change-log snapshots leave the secrets out."""
        return super().serialize_object(exclude=[*(exclude or []), *SECRET_FIELDS])

    def clean(self):
        super().clean()
        errors = {}
        if not self.has_kubernetes and not self.git_url:
            message = _("Set a Kubernetes API server, a kubeconfig or a Git URL: a fabric needs at least one source.")
            errors["kubernetes_server"] = message
            errors["git_url"] = message
        if self.kubernetes_server and self.kubernetes_kubeconfig:
            errors["kubernetes_kubeconfig"] = _("Use either the Kubernetes API server (with token and CA) or a "
                                                "kubeconfig, not both.")
        checks = [
            ("kubernetes_server", self.kubernetes_server, validate_kubernetes_url),
            ("kubernetes_namespace", self.kubernetes_namespace, validate_namespace),
            ("kubernetes_kubeconfig", self.kubernetes_kubeconfig, self._check_kubeconfig),
            ("git_url", self.git_url,
             lambda url: validate_git_url(url, get_plugin_config("netbox_hedgehog", "git_allowed_schemes"))),
            ("git_branch", self.git_branch, validate_git_branch),
            ("git_path", self.git_path, validate_git_path),
        ]
        for field, value, validate in checks:
            if field in errors or (not value and field not in ("git_branch", "git_path")):
                continue
            try:
                validate(value)
            except ValueError as e:
                errors[field] = str(e)
        if self.sync_interval is not None and self.sync_interval < min_sync_interval():
            errors["sync_interval"] = _("The sync interval must be at least %(min)s seconds.") % {
                "min": min_sync_interval()}
        if errors:
            raise ValidationError(errors)

    def _check_kubeconfig(self, kubeconfig):
        if len(kubeconfig.encode()) > MAX_KUBECONFIG_BYTES:
            raise ValueError(f"The kubeconfig is larger than {MAX_KUBECONFIG_BYTES // 1024} KiB.")
        parse_kubeconfig(kubeconfig, self.kubernetes_context)

    def save(self, *args, **kwargs):
        self.kubernetes_ca_cert = strip_private_keys(self.kubernetes_ca_cert)
        super().save(*args, **kwargs)

    def set_sync_state(self, sync_status, *, error="", at=None):
        """
        The one writer of sync_status, last_sync, last_sync_attempt and sync_error, so they always agree:
        `syncing` stamps the attempt, `in_sync`/`out_of_sync` stamp the attempt and the success, `error`
        keeps the last success and records the (already redacted) error.
        Written with a queryset update: status bookkeeping is not a user change for the change log.
        """
        at = at or timezone.now()
        fields = {"sync_status": sync_status}
        if sync_status == SyncStatusChoices.SYNCING:
            fields["last_sync_attempt"] = at
        elif sync_status in (SyncStatusChoices.IN_SYNC, SyncStatusChoices.OUT_OF_SYNC):
            fields.update(last_sync=at, last_sync_attempt=at, sync_error="")
        elif sync_status == SyncStatusChoices.ERROR:
            fields.update(last_sync_attempt=at, sync_error=error)
        elif sync_status == SyncStatusChoices.NEVER_SYNCED:
            fields.update(last_sync=None, sync_error=error)
        else:
            raise ValueError(f"unknown sync status {sync_status!r}")
        type(self).objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def set_connection_state(self, connection_status, *, error=""):
        if (self.connection_status, self.connection_error) == (connection_status, error):
            return
        type(self).objects.filter(pk=self.pk).update(connection_status=connection_status, connection_error=error)
        self.connection_status = connection_status
        self.connection_error = error
