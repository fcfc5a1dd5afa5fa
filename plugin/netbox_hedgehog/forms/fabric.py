from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from netbox.forms import NetBoxModelBulkEditForm, NetBoxModelFilterSetForm, NetBoxModelForm, NetBoxModelImportForm
from utilities.forms.constants import BOOLEAN_WITH_BLANK_CHOICES
from utilities.forms.fields import CommentField, CSVChoiceField, TagFilterField
from utilities.forms.rendering import FieldSet
from utilities.forms.utils import add_blank_choice

from ..choices import ConnectionStatusChoices, FabricStatusChoices, SyncStatusChoices
from ..models import HedgehogFabric
from ..models.fabric import SECRET_FIELDS

__all__ = ("HedgehogFabricBulkEditForm", "HedgehogFabricFilterForm", "HedgehogFabricForm",
           "HedgehogFabricImportForm")


class SecretTextarea(forms.Textarea):
    """A textarea that never renders a value: what was typed (or stored) is not sent back to the browser."""

    def format_value(self, value):
        return None


# Write-only (SECRET_FIELDS): a form never renders their stored value; an empty field keeps it, "clear" removes it.
def secret_field(label, help_text, widget=None):
    return forms.CharField(
        label=label, required=False, strip=False, help_text=help_text,
        widget=widget or forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


class HedgehogFabricForm(NetBoxModelForm):
    kubernetes_token = secret_field(
        _("Kubernetes token"),
        _("Service account bearer token. Write-only: leave empty to keep the stored token."),
    )
    clear_kubernetes_token = forms.BooleanField(label=_("Clear the stored token"), required=False)
    kubernetes_kubeconfig = secret_field(
        _("Kubeconfig"),
        _("Instead of server, token and CA: paste a kubeconfig (inline certificates and token only). Write-only: "
          "leave empty to keep the stored one."),
        widget=SecretTextarea(attrs={"rows": 4, "class": "font-monospace", "autocomplete": "off"}),
    )
    clear_kubernetes_kubeconfig = forms.BooleanField(label=_("Clear the stored kubeconfig"), required=False)
    git_password = secret_field(
        _("Git password or token"),
        _("Write-only: leave empty to keep the stored password."),
    )
    clear_git_password = forms.BooleanField(label=_("Clear the stored password"), required=False)
    comments = CommentField()

    fieldsets = (
        FieldSet("name", "description", "status", "tags", name=_("Fabric")),
        FieldSet("kubernetes_server", "kubernetes_namespace", "kubernetes_verify_tls", "kubernetes_ca_cert",
                 "kubernetes_token", "clear_kubernetes_token", "kubernetes_kubeconfig", "clear_kubernetes_kubeconfig",
                 "kubernetes_context", name=_("Kubernetes")),
        FieldSet("git_url", "git_branch", "git_path", "git_username", "git_password", "clear_git_password",
                 name=_("Git")),
        FieldSet("sync_enabled", "scheduler_enabled", "sync_interval", "skip_invalid_objects", name=_("Sync")),
    )

    class Meta:
        model = HedgehogFabric
        fields = (
            "name", "description", "status", "kubernetes_server", "kubernetes_namespace", "kubernetes_verify_tls",
            "kubernetes_ca_cert", "kubernetes_token", "kubernetes_kubeconfig", "kubernetes_context", "git_url",
            "git_branch", "git_path", "git_username", "git_password", "sync_enabled", "scheduler_enabled",
            "sync_interval", "skip_invalid_objects", "comments", "tags",
        )
        widgets = {"kubernetes_ca_cert": forms.Textarea(attrs={"rows": 4, "class": "font-monospace"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            # Never hand the stored secret to the widget, not even as an initial value.
            self.initial.pop(name, None)
            self.fields[name].initial = None
            if self.instance.pk and getattr(self.instance, name):
                self.fields[name].widget.attrs["placeholder"] = _("(stored; leave empty to keep)")
            else:
                del self.fields[f"clear_{name}"]

    def clean(self):
        super().clean()
        cleaned_data = self.cleaned_data
        for name in SECRET_FIELDS:
            if name not in self.fields:
                continue
            if cleaned_data.get(f"clear_{name}"):
                cleaned_data[name] = ""
            elif not cleaned_data.get(name) and self.instance.pk:
                cleaned_data[name] = getattr(self.instance, name)
        return cleaned_data


class HedgehogFabricImportForm(NetBoxModelImportForm):
    status = CSVChoiceField(label=_("Status"), choices=FabricStatusChoices, required=False,
                            help_text=_("Operational status (default: active)"))
    kubernetes_namespace = forms.CharField(label=_("Kubernetes namespace"), required=False,
                                           help_text=_("Default: default"))
    git_branch = forms.CharField(label=_("Git branch"), required=False, help_text=_("Default: main"))
    sync_interval = forms.IntegerField(label=_("Sync interval"), required=False,
                                       help_text=_("Seconds between scheduled syncs (default: 300)"))

    class Meta:
        model = HedgehogFabric
        fields = (
            "name", "description", "status", "kubernetes_server", "kubernetes_namespace", "kubernetes_verify_tls",
            "kubernetes_ca_cert", "kubernetes_token", "kubernetes_kubeconfig", "kubernetes_context", "git_url",
            "git_branch", "git_path", "git_username", "git_password", "sync_enabled", "scheduler_enabled",
            "sync_interval", "skip_invalid_objects", "comments", "tags",
        )

    def clean(self):
        super().clean()
        cleaned_data = self.cleaned_data
        if not self.instance.pk:
            # A column left out takes the model's default: a missing kubernetes_verify_tls column must not turn
            # TLS verification off, a missing sync_interval must not be an error.
            for name in self.fields:
                try:
                    model_field = HedgehogFabric._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                if not model_field.has_default():
                    continue
                missing = name not in self.data
                empty = name in ("status", "kubernetes_namespace", "git_branch", "sync_interval") and \
                    cleaned_data.get(name) in (None, "")
                if missing or empty:
                    cleaned_data[name] = model_field.get_default()
        return cleaned_data


class HedgehogFabricBulkEditForm(NetBoxModelBulkEditForm):
    model = HedgehogFabric

    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=add_blank_choice(FabricStatusChoices), required=False)
    kubernetes_verify_tls = forms.NullBooleanField(
        label=_("Verify TLS"), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES))
    git_branch = forms.CharField(label=_("Git branch"), max_length=200, required=False)
    sync_enabled = forms.NullBooleanField(
        label=_("Sync enabled"), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES))
    scheduler_enabled = forms.NullBooleanField(
        label=_("Scheduled sync"), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES))
    sync_interval = forms.IntegerField(label=_("Sync interval"), required=False)
    skip_invalid_objects = forms.NullBooleanField(
        label=_("Skip invalid objects"), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES))
    comments = CommentField()

    fieldsets = (
        FieldSet("status", "description", name=_("Fabric")),
        FieldSet("kubernetes_verify_tls", name=_("Kubernetes")),
        FieldSet("git_branch", name=_("Git")),
        FieldSet("sync_enabled", "scheduler_enabled", "sync_interval", "skip_invalid_objects", name=_("Sync")),
    )
    nullable_fields = ("description", "comments")


class HedgehogFabricFilterForm(NetBoxModelFilterSetForm):
    model = HedgehogFabric
    fieldsets = (
        FieldSet("q", "filter_id", "tag"),
        FieldSet("status", "sync_status", "connection_status", name=_("Status")),
        FieldSet("has_kubernetes", "has_git", "sync_enabled", "scheduler_enabled", name=_("Sources and sync")),
    )
    status = forms.MultipleChoiceField(label=_("Status"), choices=FabricStatusChoices, required=False)
    sync_status = forms.MultipleChoiceField(label=_("Sync status"), choices=SyncStatusChoices, required=False)
    connection_status = forms.MultipleChoiceField(label=_("Connection status"), choices=ConnectionStatusChoices,
                                                  required=False)
    has_kubernetes = forms.NullBooleanField(
        label=_("Has a Kubernetes source"), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES))
    has_git = forms.NullBooleanField(
        label=_("Has a Git source"), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES))
    sync_enabled = forms.NullBooleanField(
        label=_("Sync enabled"), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES))
    scheduler_enabled = forms.NullBooleanField(
        label=_("Scheduled sync"), required=False, widget=forms.Select(choices=BOOLEAN_WITH_BLANK_CHOICES))
    tag = TagFilterField(model)
