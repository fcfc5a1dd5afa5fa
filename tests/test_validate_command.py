"""
`netbox hedgehog_validate PATH...`: the Git source's checks on files and directories, without the database.
These tests have no django_db mark, so pytest-django fails any query the command would make; the process test
runs it against a database that does not exist.
"""
import subprocess

import pytest
from django.core.management import CommandError, call_command

from tests.helpers import LAB_WIRING, SAMPLES_DIR, billion_laughs, server_yaml
from tests.processes import NETBOX, netbox_env


@pytest.fixture
def repository(tmp_path):
    """A GitOps checkout: the lab wiring, and a directory of broken and hostile files next to it."""
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "wiring.yaml").write_text(LAB_WIRING.read_text())
    broken = tmp_path / "broken"
    (broken / "nested").mkdir(parents=True)
    (broken / "laughs.yaml").write_text(billion_laughs(8))
    (broken / "deep.yml").write_text("[" * 50_000)
    (broken / "nested" / "typo.yaml").write_text(server_yaml("srv", "descripton: typo"))
    (broken / "dangling.yaml").write_text(
        "apiVersion: vpc.githedgehog.com/v1beta1\nkind: VPCAttachment\nmetadata: {name: att}\n"
        "spec: {connection: nowhere, subnet: vpc-1/default}\n")
    (broken / "loop.yaml").symlink_to("loop.yaml")
    (broken / "notes.txt").write_text("kind: [not read, not yaml by name\n")
    return tmp_path


def validate_output(*paths):
    from io import StringIO

    out = StringIO()
    try:
        call_command("hedgehog_validate", *map(str, paths), stdout=out)
    except CommandError as exc:
        return out.getvalue().splitlines(), exc
    return out.getvalue().splitlines(), None


def test_a_valid_directory_passes_without_a_database_query(repository):
    lines, error = validate_output(repository / "lab")
    assert error is None
    assert lines == ["51 objects in 1 file(s): no problems"]


def test_every_problem_is_one_line_and_the_exit_status_is_one(repository):
    broken = repository / "broken"
    lines, error = validate_output(broken, repository / "lab")
    assert error is not None and error.returncode == 1
    assert str(error) == "6 problem(s) in 5 file(s); 51 of 53 objects are valid"
    assert lines == [
        f"{broken}/deep.yml (document 1): the document nests deeper than 64 levels (at line 1) "
        "(setting yaml_max_depth)",
        f"{broken}/laughs.yaml (document 1): the document expands to more than 100000 YAML nodes (at line 10); "
        "aliases that repeat large parts are the usual cause (setting yaml_max_document_nodes)",
        f"{broken}/loop.yaml: symlink loop; not read",
        f"{broken}/nested/typo.yaml (document 1): Server/srv: spec: Additional properties are not allowed "
        "('descripton' was unexpected)",
        f"{broken}/dangling.yaml (document 1): VPCAttachment/att: spec.connection refers to 'nowhere': "
        "no Connection 'nowhere'",
        f"{broken}/dangling.yaml (document 1): VPCAttachment/att: spec.subnet refers to 'vpc-1/default': "
        "no VPC 'vpc-1'",
    ]


def test_the_samples_need_each_other_and_a_missing_path_is_a_problem(tmp_path):
    lines, error = validate_output(SAMPLES_DIR / "demo-gitops_env-1_demo.yaml", tmp_path / "missing.yaml")
    assert error.returncode == 1
    assert lines[0] == f"{tmp_path}/missing.yaml: no such file or directory"
    assert any("ExternalPeering/demo-vpc-1--default" in line for line in lines)


def test_as_a_process_on_a_machine_without_the_database(repository):
    """What a CI job runs: `netbox hedgehog_validate` with a database name that does not exist."""
    env = netbox_env(HEDGEHOG_DB_NAME="hedgehog_validate_has_no_database")
    broken = subprocess.run([NETBOX, "hedgehog_validate", "broken"], cwd=repository, env=env, capture_output=True,
                            text=True, timeout=120)
    assert broken.returncode == 1, broken.stderr
    assert "broken/nested/typo.yaml (document 1): Server/srv: spec: Additional properties are not allowed" \
        in broken.stdout
    assert "6 problem(s) in 4 file(s); 0 of 2 objects are valid" in broken.stderr
    good = subprocess.run([NETBOX, "hedgehog_validate", "lab/wiring.yaml"], cwd=repository, env=env,
                          capture_output=True, text=True, timeout=120)
    assert (good.returncode, good.stdout) == (0, "51 objects in 1 file(s): no problems\n"), good.stderr
