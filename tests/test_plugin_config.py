"""PluginConfig: documented defaults, and a bad setting stops NetBox with an error naming it."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from netbox_hedgehog import HedgehogConfig, validate_settings


def getter(**overrides):
    settings = {**HedgehogConfig.default_settings, **overrides}
    return lambda plugin, name: settings[name]


def test_defaults_are_valid_and_only_allow_https_and_ssh():
    validate_settings(getter())
    assert HedgehogConfig.default_settings["git_allowed_schemes"] == ["https", "ssh"]
    assert (HedgehogConfig.name, HedgehogConfig.base_url, HedgehogConfig.min_version) == (
        "netbox_hedgehog", "hedgehog", "4.7.0")


@pytest.mark.parametrize("setting, value", [
    ("git_allowed_schemes", ["https", "ftp"]),
    ("git_allowed_schemes", []),
    ("git_allowed_schemes", "https"),
    ("git_cache_dir", ""),
    ("min_sync_interval", 0),
    ("source_timeout", "30"),
    ("yaml_max_depth", 0),
    ("git_max_nodes", 1.5),
    ("kubernetes_max_response_size", 100),
    ("sync_job_timeout", 5),
    ("scheduler_heartbeat_interval", 0),
    ("sync_user", None),
])
def test_a_bad_setting_is_named(setting, value):
    with pytest.raises(ImproperlyConfigured, match=rf"\['{setting}'\]"):
        validate_settings(getter(**{setting: value}))


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for setting in HedgehogConfig.default_settings:
        assert f"`{setting}`" in readme, setting


def test_the_limit_classes_default_to_the_settings_defaults():
    from netbox_hedgehog.sync.documents import Limits
    from netbox_hedgehog.sync.kubernetes import KubernetesLimits

    setting = HedgehogConfig.default_settings.__getitem__
    assert Limits() == Limits.from_settings(setting)
    assert KubernetesLimits() == KubernetesLimits.from_settings(setting)
