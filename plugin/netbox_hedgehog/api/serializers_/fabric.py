from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from netbox.api.fields import ChoiceField
from netbox.api.serializers import NetBoxModelSerializer

from ...choices import ConnectionStatusChoices, FabricStatusChoices, SyncStatusChoices
from ...models import HedgehogFabric

__all__ = ("HedgehogFabricSerializer",)


def secret_field(help_text):
    return serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False,
        style={"input_type": "password"}, help_text=help_text,
    )


class HedgehogFabricSerializer(NetBoxModelSerializer):
    """
    `kubernetes_token`, `kubernetes_kubeconfig` and `git_password` (SECRET_FIELDS) are write-only: sent to set them,
    never returned. Omitting one keeps the stored value, an empty string clears it; `has_<field>` says whether one
    is set.
    The sync and connection status fields are read-only: only the sync writes them.
    """

    status = ChoiceField(choices=FabricStatusChoices, required=False)
    kubernetes_token = secret_field(_("Write-only. Omit to keep the stored token, send \"\" to clear it."))
    kubernetes_kubeconfig = secret_field(_("Write-only. Omit to keep the stored kubeconfig, send \"\" to clear it."))
    git_password = secret_field(_("Write-only. Omit to keep the stored password, send \"\" to clear it."))
    has_kubernetes_token = serializers.SerializerMethodField(read_only=True)
    has_kubernetes_kubeconfig = serializers.SerializerMethodField(read_only=True)
    has_kubernetes_ca_cert = serializers.SerializerMethodField(read_only=True)
    has_git_password = serializers.SerializerMethodField(read_only=True)
    sync_status = ChoiceField(choices=SyncStatusChoices, read_only=True)
    connection_status = ChoiceField(choices=ConnectionStatusChoices, read_only=True)

    class Meta:
        model = HedgehogFabric
        fields = (
            "id", "url", "display_url", "display", "name", "description", "status",
            "kubernetes_server", "kubernetes_namespace", "kubernetes_verify_tls", "kubernetes_ca_cert",
            "kubernetes_token", "has_kubernetes_token", "has_kubernetes_ca_cert", "kubernetes_kubeconfig",
            "has_kubernetes_kubeconfig", "kubernetes_context",
            "git_url", "git_branch", "git_path", "git_username", "git_password", "has_git_password",
            "sync_enabled", "scheduler_enabled", "sync_interval", "skip_invalid_objects",
            "sync_status", "connection_status", "last_sync", "last_sync_attempt", "sync_error", "connection_error",
            "comments", "tags", "custom_fields", "created", "last_updated",
        )
        read_only_fields = ("last_sync", "last_sync_attempt", "sync_error", "connection_error")
        brief_fields = ("id", "url", "display", "name", "description", "status", "sync_status")

    def get_has_kubernetes_token(self, obj) -> bool:
        return bool(obj.kubernetes_token)

    def get_has_kubernetes_ca_cert(self, obj) -> bool:
        return bool(obj.kubernetes_ca_cert)

    def get_has_kubernetes_kubeconfig(self, obj) -> bool:
        return bool(obj.kubernetes_kubeconfig)

    def get_has_git_password(self, obj) -> bool:
        return bool(obj.git_password)
