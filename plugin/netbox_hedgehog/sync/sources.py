"""The kinds of source a fabric can read from (one FabricSource class each) and a fabric's configured ones."""
from netbox.plugins import get_plugin_config

from .git import GitSource
from .kubernetes import KubeconfigSource, KubernetesSource

__all__ = ("SOURCES", "fabric_sources", "source_secrets")

# Cluster sources first, so that the run reads (and reports) the cluster before Git.
SOURCES = (KubernetesSource, KubeconfigSource, GitSource)


def _setting(name):
    return get_plugin_config("netbox_hedgehog", name)


def fabric_sources(fabric):
    """The sources `fabric` is configured with, built from its fields and the plugin settings."""
    return [source.from_fabric(fabric, _setting) for source in SOURCES if source.configured(fabric)]


def source_secrets(sources):
    return [secret for source in sources for secret in source.secrets]
