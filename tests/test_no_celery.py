"""The plugin runs on NetBox's RQ queues only: nothing in its source, its dependencies or its settings is Celery."""
import re
from importlib.metadata import requires
from pathlib import Path

from netbox_hedgehog import HedgehogConfig

REPO = Path(__file__).resolve().parents[1]
CELERY = re.compile(r"^\s*(?:import|from)\s+(?:celery|django_celery\w*)\b", re.M)


def test_no_source_file_imports_celery():
    sources = [*sorted((REPO / "plugin").rglob("*.py")), *sorted((REPO / "scheduler").rglob("*.py"))]
    assert len(sources) > 50
    assert [str(path) for path in sources if CELERY.search(path.read_text())] == []


def test_the_pattern_finds_a_celery_import():
    assert CELERY.search("import os\nfrom celery import shared_task\n")
    assert CELERY.search("    import django_celery_beat\n")
    assert not CELERY.search("# celery was the predecessor's mistake\n")


def test_no_dependency_or_setting_is_celery():
    assert not [r for r in requires("netbox-hedgehog") or [] if r.lower().startswith(("celery", "django-celery"))]
    assert not [name for name in HedgehogConfig.default_settings if "celery" in name.lower()]
