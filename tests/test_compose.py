"""
compose/ for netbox-docker, without a Docker engine: the files validate against the Compose Specification's
JSON schema (vendored in compose/schema/ from check-jsonschema's builtin schemas), merged onto a stand-in of
netbox-docker's docker-compose.yml the three services share one image, and the healthcheck commands the
compose file names are run natively against a live worker and sidecar (pass) and against none (fail).
"""
import hashlib
import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

import netbox_hedgehog
from netbox_hedgehog import validate_settings
from netbox_hedgehog.queues import redis_connection
from tests.helpers import wait_for
from tests.processes import NETBOX, REPO, netbox_env

COMPOSE = REPO / "compose"
SCHEMA = COMPOSE / "schema" / "compose-spec.json"
# sha256 of the vendored schema, as check-jsonschema 0.39.0 ships it (builtin_schemas/vendor/sha256/).
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"
IN_IMAGE = ["/opt/netbox/venv/bin/python", "/opt/netbox/netbox/manage.py"]
SHARED = ("netbox", "netbox-worker", "hedgehog-scheduler")

# A stand-in for netbox-docker's docker-compose.yml (the parts this override touches), including the
# netbox-housekeeping service that older releases have.
NETBOX_DOCKER_BASE = """
services:
  netbox: &netbox
    image: docker.io/netboxcommunity/netbox:${VERSION-v4.7-4.0.0}
    depends_on: [postgres, redis, redis-cache]
    env_file: env/netbox.env
    user: "unit:root"
    healthcheck:
      test: curl -f http://localhost:8080/login/ || exit 1
      start_period: 90s
      timeout: 3s
      interval: 15s
    volumes:
      - ./configuration:/etc/netbox/config:z,ro
      - netbox-media-files:/opt/netbox/netbox/media:rw
  netbox-worker:
    <<: *netbox
    depends_on:
      netbox:
        condition: service_healthy
    command: [/opt/netbox/venv/bin/python, /opt/netbox/netbox/manage.py, rqworker]
    healthcheck:
      test: ps -aux | grep -v grep | grep -q rqworker || exit 1
      start_period: 20s
      timeout: 3s
      interval: 15s
  netbox-housekeeping:
    <<: *netbox
    depends_on:
      netbox:
        condition: service_healthy
    command: [/opt/netbox/housekeeping.sh]
  postgres:
    image: docker.io/postgres:17-alpine
    env_file: env/postgres.env
  redis:
    image: docker.io/valkey/valkey:8.1-alpine
    healthcheck:
      test: valkey-cli ping
  redis-cache:
    image: docker.io/valkey/valkey:8.1-alpine
volumes:
  netbox-media-files:
    driver: local
"""
# Compose's merge rules for the keys involved: these replace, the rest merge as mappings.
REPLACED = {"command", "entrypoint", "image", "user", "env_file", "test", "profiles", "pull_policy"}


def load(name):
    return yaml.safe_load((COMPOSE / name).read_text())


def validator():
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def schema_errors(document):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(document)]


def merge(base, override):
    """Compose's merge of an override file onto a base, for mappings, sequences that replace, and volumes."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if key in REPLACED or key not in base:
                merged[key] = value
            elif key == "volumes" and isinstance(value, list):
                targets = {v.split(":")[1]: v for v in base[key]}
                targets.update({v.split(":")[1]: v for v in value})
                merged[key] = list(targets.values())
            else:
                merged[key] = merge(base[key], value)
        return merged
    return override


def interpolate(value):
    """${VAR:-default} and ${VAR-default} with no variable set, as `docker compose config` resolves them."""
    return re.sub(r"\$\{[A-Z_]+:?-([^}]*)\}", r"\1", value) if isinstance(value, str) else value


def merged_project():
    project = merge(yaml.safe_load(NETBOX_DOCKER_BASE), load("docker-compose.override.yml"))
    return {key: value for key, value in project.items() if not key.startswith("x-")}


def native(test):
    """A healthcheck's CMD as this machine runs it: the image's `python manage.py` is the `netbox` script."""
    assert test[0] == "CMD", test
    command = test[1:]
    assert command[:2] == IN_IMAGE, command
    return [NETBOX, *command[2:]]


# -- the files --------------------------------------------------------------------------------------------


def test_the_vendored_schema_is_the_published_one():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    assert (COMPOSE / "schema" / "LICENSE.compose-spec").exists()


def test_the_override_and_the_merged_project_follow_the_compose_specification():
    assert schema_errors(load("docker-compose.override.yml")) == []
    assert schema_errors(merged_project()) == []
    # The validator does reject what Compose rejects.
    broken = load("docker-compose.override.yml")
    broken["services"]["netbox-worker"]["healthcheck"]["intervall"] = "30s"
    broken["services"]["hedgehog-scheduler"]["depends_on"] = "netbox"
    errors = schema_errors(broken)
    assert any("intervall" in error for error in errors) and any("depends_on" in error for error in errors)


def test_web_worker_and_scheduler_run_one_image_built_once():
    services = merged_project()["services"]
    images = {name: interpolate(services[name]["image"]) for name in SHARED}
    assert set(images.values()) == {f"netbox-hedgehog:{netbox_hedgehog.__version__}"}, images
    built = [name for name, service in services.items() if "build" in service]
    assert built == ["netbox"]
    build = services["netbox"]["build"]
    context = Path("/work/netbox-docker", interpolate(build["context"])).resolve()
    assert context.name == "netbox-hedgehog" and build["dockerfile"] == "compose/Dockerfile"
    assert (REPO / build["dockerfile"]).is_file()
    for name in ("netbox-worker", "hedgehog-scheduler"):
        assert services[name]["pull_policy"] == "never", name
    assert interpolate(build["args"]["NETBOX_IMAGE"]) == "docker.io/netboxcommunity/netbox:v4.7.3"


def test_commands_healthchecks_and_no_housekeeping_container():
    services = merged_project()["services"]
    assert services["netbox-worker"]["command"] == [*IN_IMAGE, "rqworker", "high", "default", "low"]
    assert services["hedgehog-scheduler"]["command"] == [*IN_IMAGE, "hedgehog_scheduler"]
    assert native(services["netbox-worker"]["healthcheck"]["test"])[1:] == ["hedgehog_doctor", "--worker-healthcheck"]
    assert native(services["hedgehog-scheduler"]["healthcheck"]["test"])[1:] == ["hedgehog_scheduler", "--healthcheck"]
    for name in ("netbox-worker", "hedgehog-scheduler"):
        assert "ps" not in services[name]["healthcheck"]["test"] and "grep" not in str(services[name]["healthcheck"])
    # The sidecar reads the same configuration as the worker, after the web container has migrated.
    scheduler, worker = services["hedgehog-scheduler"], services["netbox-worker"]
    assert scheduler["env_file"] == worker["env_file"] and scheduler["user"] == "${HEDGEHOG_USER:-unit:root}"
    assert "./configuration:/etc/netbox/config:z,ro" in scheduler["volumes"]
    assert scheduler["depends_on"]["netbox"]["condition"] == "service_healthy"
    # netbox-docker's housekeeping container only starts with a profile nobody activates.
    assert services["netbox-housekeeping"]["profiles"] == ["legacy-housekeeping"]
    assert all("profiles" not in services[name] for name in SHARED)


def test_the_dockerfile_installs_the_plugin_once_into_netboxs_venv():
    dockerfile = (COMPOSE / "Dockerfile").read_text()
    assert "ARG NETBOX_IMAGE=docker.io/netboxcommunity/netbox:v4.7.3" in dockerfile
    assert re.search(r"^FROM \$\{NETBOX_IMAGE\}$", dockerfile, re.M)
    assert "--python /opt/netbox/venv/bin/python" in dockerfile and "/opt/netbox/venv/bin/pip install" in dockerfile
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile, re.M):
        for path in source.split():
            assert (REPO / path).exists(), f"COPY source {path} is not in the repository"
    assert 'python -c "import netbox_hedgehog, hedgehog_scheduler' in dockerfile
    ignored = (COMPOSE / "Dockerfile.dockerignore").read_text().split()
    assert ".venv" in ignored and "plugin" not in ignored and "scheduler" not in ignored


def test_plugins_py_enables_the_plugin_with_valid_settings():
    namespace = {}
    exec((COMPOSE / "plugins.py").read_text(), namespace)
    assert namespace["PLUGINS"] == ["netbox_hedgehog"]
    config = {**netbox_hedgehog.HedgehogConfig.default_settings, **namespace["PLUGINS_CONFIG"]["netbox_hedgehog"]}
    assert set(config) == set(netbox_hedgehog.HedgehogConfig.default_settings)
    validate_settings(lambda plugin, name: config[name])
    assert "file" not in config["git_allowed_schemes"]


def test_the_readme_names_the_files_and_commands():
    readme = (COMPOSE / "README.md").read_text()
    for text in ("docker-compose.override.yml", "configuration/plugins.py", "docker compose build",
                 "docker compose up -d", "--scale netbox-worker=", "hedgehog_doctor", "HEDGEHOG_SRC"):
        assert text in readme, text


# -- the healthchecks, run natively ---------------------------------------------------------------------


@pytest.fixture
def healthcheck():
    services = merged_project()["services"]

    def run(service):
        command = native(services[service]["healthcheck"]["test"])
        return subprocess.run(command, env=netbox_env(), capture_output=True, text=True, timeout=120)

    return run


def answered(result):
    """The command ran and answered (no crash): its output is its verdict."""
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode


@pytest.mark.django_db(transaction=True)
def test_worker_healthcheck_fails_without_a_worker_and_passes_with_one(healthcheck, processes, clean_redis):
    result = healthcheck("netbox-worker")
    assert answered(result) == 1 and "no live RQ worker on" in result.stdout
    worker = processes("rqworker", "high", "default", "low", name="worker")
    wait_for(lambda: redis_connection().smembers("rq:workers"), 60, message="the worker to register")
    result = healthcheck("netbox-worker")
    assert answered(result) == 0, result.stdout + worker.output()[-2000:]
    assert "high,default,low" in result.stdout
    worker.stop()
    assert answered(healthcheck("netbox-worker")) == 1


@pytest.mark.django_db(transaction=True)
def test_sidecar_healthcheck_fails_without_a_sidecar_and_passes_with_one(healthcheck, processes, clean_redis):
    result = healthcheck("hedgehog-scheduler")
    assert answered(result) == 1
    sidecar = processes("hedgehog_scheduler", name="sidecar")
    wait_for(lambda: redis_connection().get("netbox_hedgehog:scheduler:leader"), 60, message="an active sidecar")
    result = healthcheck("hedgehog-scheduler")
    assert answered(result) == 0, result.stdout + result.stderr + sidecar.output()[-2000:]
    sidecar.stop()
    assert answered(healthcheck("hedgehog-scheduler")) == 1
