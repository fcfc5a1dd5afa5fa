"""
Installing over the predecessor, hh-netbox-plugin: real databases in each of its layouts (tests/legacy_schema.py,
built in scratch copies of the test database), real `netbox migrate`, `netbox hedgehog_upgrade_legacy`,
`netbox hedgehog_sync` and `netbox hedgehog_doctor` processes against them, and a real Git repository.

Scratch databases are named after the test database and dropped when the module ends.
"""
import json
import subprocess

import psycopg
import pytest
from django.db import connection, connections

from netbox_hedgehog import legacy
from netbox_hedgehog.legacy_upgrade import decrypt_credentials, legacy_name
from tests import legacy_schema as layouts
from tests.processes import NETBOX, REPO, netbox_env

# Every test, the ones driving processes too, so the test database is set up whichever of them run.
pytestmark = pytest.mark.django_db

SECRETS = (layouts.ENCRYPTED_GIT_TOKEN, layouts.PLAIN_GIT_TOKEN, layouts.KUBERNETES_TOKEN, layouts.ARGOCD_PASSWORD,
           layouts.URL_PASSWORD)
LINE_LABELS = {"flowtest": "GitOps line (branch flowtest)", "main": "topology-planning line (branch main)"}


class Scratch:
    """Scratch databases beside the test database: copies of it, and clones of those."""

    def __init__(self, test_database):
        self.test_database = test_database
        self.settings = connection.settings_dict
        self.created = []

    def name(self, suffix):
        return f"{self.test_database}_{suffix}"[:63]

    def connect(self, database):
        return psycopg.connect(host=self.settings["HOST"], port=self.settings["PORT"] or 5432,
                               user=self.settings["USER"], password=self.settings["PASSWORD"], dbname=database,
                               autocommit=True)

    def drop(self, database):
        with self.connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def create(self, database, template=None):
        self.drop(database)
        with self.connect("postgres") as admin:
            admin.execute(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(database)
        return database

    def copy_test_database(self, database):
        """pg_dump | pg_restore: the test database is in use, so it cannot be a template."""
        self.create(database)
        options = ["-h", self.settings["HOST"], "-p", str(self.settings["PORT"] or 5432), "-U", self.settings["USER"]]
        dump = subprocess.Popen(["pg_dump", *options, "-Fc", self.test_database], stdout=subprocess.PIPE)
        restore = subprocess.run(["pg_restore", *options, "--no-owner", "-d", database], stdin=dump.stdout,
                                 capture_output=True, text=True, timeout=600)
        dump.stdout.close()
        assert dump.wait(600) == 0 and restore.returncode == 0, restore.stderr
        return database

    def query(self, database, sql, params=None):
        with self.connect(database) as conn:
            return conn.execute(sql, params).fetchall()

    def execute(self, database, sql, params=None):
        with self.connect(database) as conn:
            conn.execute(sql, params)

    def without_plugin(self, database):
        """`database` as NetBox is before this plugin is first installed: no tables, no migration records."""
        self.execute(database, "DELETE FROM django_migrations WHERE app = 'netbox_hedgehog'")
        tables = self.query(database, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'netbox_hedgehog_%'")
        for (table,) in tables:
            self.execute(database, f'DROP TABLE "{table}" CASCADE')
        return database

    def drop_all(self):
        for database in reversed(self.created):
            self.drop(database)


def detect_in(database):
    """legacy.detect() through a Django connection of its own to `database`. It keeps the alias "default", the one
    database a test may use (its connection-time hooks look up "default": the test database, which is harmless)."""
    wrapper = connections["default"].__class__({**connection.settings_dict, "NAME": database}, alias="default")
    try:
        return legacy.detect(wrapper)
    finally:
        wrapper.close()


def netbox(database, *args, timeout=600):
    return subprocess.run([NETBOX, *args], cwd=REPO, env=netbox_env(HEDGEHOG_DB_NAME=database), capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def scratch(django_db_setup):
    databases = Scratch(connection.settings_dict["NAME"])
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def netbox_copy(scratch):
    """A copy of the migrated test database: NetBox and this plugin, up to date."""
    return scratch.copy_test_database(scratch.name("lg_netbox"))


@pytest.fixture(scope="module")
def legacy_template(scratch, netbox_copy):
    """line -> a database the predecessor's line left (built once per module; tests work on clones)."""
    built = {}

    def template(line):
        if line not in built:
            database = scratch.create(scratch.name(f"lg_{line}"), template=netbox_copy)
            result = netbox(database, "shell", "-c", f"import tests.legacy_schema as s; s.build({line!r})")
            assert result.returncode == 0, result.stdout + result.stderr
            built[line] = database
        return built[line]

    return template


@pytest.fixture
def legacy_database(request, scratch, legacy_template):
    def clone(line):
        return scratch.create(scratch.name(f"lg_{line}_{request.node.name[:12]}"), template=legacy_template(line))
    return clone


def state(scratch, database):
    """What must not change: the tables, their columns, and the migration records."""
    return (scratch.query(database, "SELECT table_name, column_name FROM information_schema.columns "
                                    "WHERE table_schema = current_schema() ORDER BY 1, 2"),
            scratch.query(database, "SELECT app, name FROM django_migrations ORDER BY id"))


def doctor_levels(database):
    result = netbox(database, "hedgehog_doctor", "--json", "--skip-checks")
    checks = json.loads(result.stdout)["checks"]
    return {check["name"]: (check["level"], check["message"]) for check in checks}


# -- detection ------------------------------------------------------------------------------------


def test_our_databases_are_never_taken_for_the_predecessors(scratch, netbox_copy):
    """The migrated test database, an empty database, and NetBox without this plugin's tables yet."""
    assert legacy.detect() is None
    empty = scratch.create(scratch.name("lg_empty"))
    fresh = scratch.without_plugin(scratch.create(scratch.name("lg_fresh"), template=netbox_copy))
    for database in (netbox_copy, empty, fresh):
        assert detect_in(database) is None, database


def test_a_predecessor_that_only_recorded_its_0001_initial_is_recognised_by_its_columns(scratch):
    """Its 0001_initial shares our first migration's name: the fabric table's shape gives it away."""
    database = scratch.create(scratch.name("lg_0001"))
    scratch.execute(database, "CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255), "
                              "name varchar(255), applied timestamptz)")
    scratch.execute(database, "INSERT INTO django_migrations (app, name, applied) "
                              "VALUES ('netbox_hedgehog', '0001_initial', now())")
    # The predecessor's 0001_initial fabric table.
    scratch.execute(database, "CREATE TABLE netbox_hedgehog_hedgehogfabric (id bigint PRIMARY KEY, created "
                              "timestamptz, last_updated timestamptz, custom_field_data jsonb, name varchar(100), "
                              "description text, status varchar(20), kubernetes_server varchar(200), "
                              "kubernetes_token text, kubernetes_ca_cert text, kubernetes_namespace varchar(253), "
                              "sync_enabled boolean, sync_interval integer, last_sync timestamptz, sync_error text)")
    schema = detect_in(database)
    assert schema is not None and schema.line is None
    assert schema.migrations == ("0001_initial",)
    assert "a fabric table without this plugin's columns" in "; ".join(schema.evidence)
    assert "before its two lines split" in schema.message and legacy.UPGRADE_COMMAND in schema.message


def assert_refused_before_the_upgrade(scratch, database, line):
    """`migrate` stops with the message and changes nothing; the doctor and the plugin's commands say the same."""
    before = state(scratch, database)
    result = netbox(database, "migrate", "--no-input")
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    last = layouts.legacy_migrations(line)[-1]
    assert f"hh-netbox-plugin, {LINE_LABELS[line]}, migrations up to {last}" in message
    assert "Nothing was changed" in message and "netbox hedgehog_upgrade_legacy" in message
    assert "Traceback" not in result.stderr
    assert state(scratch, database) == before
    level, doctor_message = doctor_levels(database)["legacy-schema"]
    assert level == "error" and last in doctor_message
    for command in (["hedgehog_scheduler"], ["hedgehog_sync", "anything"]):
        refused = netbox(database, *command, "--skip-checks")
        assert refused.returncode != 0 and "hedgehog_upgrade_legacy" in refused.stderr, command
        assert "Traceback" not in refused.stderr


def test_migrate_runs_normally_on_current_and_fresh_databases(scratch, netbox_copy):
    current = scratch.create(scratch.name("lg_current"), template=netbox_copy)
    result = netbox(current, "migrate", "--no-input")
    assert result.returncode == 0, result.stderr
    assert "No migrations to apply" in result.stdout
    fresh = scratch.without_plugin(scratch.create(scratch.name("lg_fresh2"), template=netbox_copy))
    result = netbox(fresh, "migrate", "--no-input")
    assert result.returncode == 0, result.stderr
    assert "Applying netbox_hedgehog.0001_initial... OK" in result.stdout
    assert doctor_levels(fresh)["schema"][0] == "ok"


# -- the upgrade ----------------------------------------------------------------------------------


def fabrics(scratch, database):
    rows = scratch.query(database, "SELECT id, name, kubernetes_server, kubernetes_token, git_url, git_branch, "
                                   "git_path, git_username, git_password, sync_enabled, scheduler_enabled, "
                                   "sync_interval, status, description, comments "
                                   "FROM netbox_hedgehog_hedgehogfabric ORDER BY id")
    names = ("id", "name", "kubernetes_server", "kubernetes_token", "git_url", "git_branch", "git_path",
             "git_username", "git_password", "sync_enabled", "scheduler_enabled", "sync_interval", "status",
             "description", "comments")
    return {row[1]: dict(zip(names, row, strict=True)) for row in rows}


def test_upgrade_of_the_gitops_line(scratch, legacy_database, lab_repo):
    database = legacy_database("flowtest")
    scratch.execute(database, "UPDATE netbox_hedgehog_gitrepository SET url = %s WHERE id = 2", [lab_repo.url])
    assert_refused_before_the_upgrade(scratch, database, "flowtest")
    before = state(scratch, database)

    dry = netbox(database, "hedgehog_upgrade_legacy")
    assert dry.returncode == 0, dry.stderr
    out = dry.stdout
    for phrase in (
        "Found hh-netbox-plugin, GitOps line (branch flowtest), migrations up to 0028_fix_valid_sync_status_constraint",
        "carry over  gitops-lab (#7)",
        "password/token set (from Git repository 'lab repository' (#2), decrypted)",
        "sync interval 5 s is below this installation's minimum of 10 s (plugin setting min_sync_interval): "
        "carried over as 10 s",
        "scheduler priority (scheduler_priority = 'high') has no counterpart",
        "carry over  prod (#3)", "username 'x-access-token'",
        "GitOps tool (gitops_tool = 'argocd') has no counterpart",
        "Argo CD admin password (argocd_admin_password = set) has no counterpart",
        "the description is longer than 200 characters",
        "carry over  edge (#12)",
        "Git URL 'http://git.example.com/edge.git' is not carried over: Git URL scheme 'http' is not allowed",
        "carry over  archive (#15)",
        "the credentials of its Git repository 'old repository' (#4) are not carried over: they do not decrypt "
        "with this installation's SECRET_KEY",
        "'validate SSL' off on Git repository 'old repository' has no counterpart",
        "CANNOT carry over  insecure-only (#18)", "needs at least one source",
        "netbox_hedgehog_switch: 1 row(s), kept in netbox_hedgehog_legacy_switch",
        "carry over  with-creds (#21): Git https://git.example.com/with-creds.git",
        "the credentials in the Git URL are moved to the Git username and password fields",
        "custom field data predecessor_only is not carried over",
    ):
        assert phrase in out, phrase
    assert "netbox_hedgehog_hedgehogresource: " not in out  # empty tables are not listed
    assert "Dry run: nothing was changed" in out
    assert not any(secret in out for secret in SECRETS)
    assert state(scratch, database) == before

    applied = netbox(database, "hedgehog_upgrade_legacy", "--apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "created 5 fabric(s): prod (#3), gitops-lab (#7), edge (#12), archive (#15), with-creds (#21)" \
        in applied.stdout
    assert "moved its 28 migration record(s) to netbox_hedgehog_legacy_django_migrations" in applied.stdout
    assert "Applying netbox_hedgehog.0001_initial... OK" in applied.stdout
    assert not any(secret in applied.stdout + applied.stderr for secret in SECRETS)

    carried = fabrics(scratch, database)
    assert sorted(carried) == ["archive", "edge", "gitops-lab", "prod", "with-creds"]
    lab, prod, edge, archive = carried["gitops-lab"], carried["prod"], carried["edge"], carried["archive"]
    assert (lab["id"], lab["git_url"], lab["git_path"], lab["git_password"], lab["sync_interval"]) == (
        7, lab_repo.url, "", layouts.ENCRYPTED_GIT_TOKEN, 10)
    assert (prod["id"], prod["git_url"], prod["git_path"], prod["git_username"], prod["git_password"]) == (
        3, "https://git.example.com/fabrics.git", "hedgehog", "x-access-token", layouts.PLAIN_GIT_TOKEN)
    assert (prod["kubernetes_token"], prod["sync_interval"]) == (layouts.KUBERNETES_TOKEN, 600)
    assert len(prod["description"]) == 200 and prod["comments"].startswith("Production fabric. Production")
    assert (edge["git_url"], edge["kubernetes_server"], edge["status"]) == ("", "https://edge-control:6443", "planned")
    assert scratch.query(database, "SELECT count(*) FROM netbox_hedgehog_hedgehogfabric f JOIN "
                                   "netbox_hedgehog_legacy_hedgehogfabric l ON l.id = f.id AND l.created = f.created "
                                   "WHERE f.created < now() - interval '1 year'") == [(5,)]
    assert (archive["git_url"], archive["git_path"], archive["git_password"]) == (
        "https://git.example.com/old.git", "fabrics/archive", "")
    with_creds = carried["with-creds"]
    assert (with_creds["git_url"], with_creds["git_username"], with_creds["git_password"]) == (
        "https://git.example.com/with-creds.git", "deployer", layouts.URL_PASSWORD)
    assert scratch.query(database, "SELECT custom_field_data FROM netbox_hedgehog_hedgehogfabric WHERE id = 21") \
        == [({"site_code": "AMS"},)]
    # The fabric's tag (extras_taggeditem, same object type and id) is its tag still.
    assert scratch.query(database, "SELECT t.slug FROM extras_taggeditem ti JOIN extras_tag t ON t.id = ti.tag_id "
                                   "JOIN django_content_type ct ON ct.id = ti.content_type_id "
                                   "WHERE ct.model = 'hedgehogfabric' AND ti.object_id = 7") == [("legacy-tag",)]
    # The copy, for a rollback, and the migration records.
    assert scratch.query(database, "SELECT id, name FROM netbox_hedgehog_legacy_hedgehogfabric ORDER BY id") == [
        (3, "prod"), (7, "gitops-lab"), (12, "edge"), (15, "archive"), (18, "insecure-only"), (21, "with-creds")]
    assert [name for (name,) in scratch.query(
        database, "SELECT name FROM netbox_hedgehog_legacy_django_migrations ORDER BY id")] == \
        layouts.legacy_migrations("flowtest")
    assert scratch.query(database, "SELECT name FROM django_migrations WHERE app = 'netbox_hedgehog' ORDER BY id") \
        == [(path.stem,) for path in sorted((REPO / "plugin/netbox_hedgehog/migrations").glob("0*.py"))]
    doctor = doctor_levels(database)
    for check in ("legacy-schema", "migrations", "schema"):
        assert doctor[check][0] == "ok", doctor[check]
    assert "netbox_hedgehog_legacy_*" in doctor["legacy-schema"][1]

    # A fabric carried over syncs from its Git repository; objects created now never take a legacy object's id.
    synced = netbox(database, "hedgehog_sync", "gitops-lab", "--skip-checks")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "Fabric gitops-lab: success" in synced.stdout
    ((count, lowest),) = scratch.query(database, "SELECT count(*), min(id) FROM netbox_hedgehog_switch")
    assert count > 0 and lowest > layouts.LEGACY_SWITCH_ID
    # New fabrics get ids past the carried ones.
    ((next_id,),) = scratch.query(
        database, "SELECT nextval(pg_get_serial_sequence('netbox_hedgehog_hedgehogfabric', 'id'))")
    assert next_id > 15

    settled = state(scratch, database)
    again = netbox(database, "hedgehog_upgrade_legacy", "--apply", "--skip-checks")
    assert again.returncode == 0 and "Already upgraded from hh-netbox-plugin: nothing to do" in again.stdout
    assert state(scratch, database) == settled

    dropped = netbox(database, "hedgehog_upgrade_legacy", "--drop-legacy", "--skip-checks")
    assert dropped.returncode == 0, dropped.stderr
    assert "netbox_hedgehog_legacy_hedgehogfabric" in dropped.stdout
    assert scratch.query(database, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'netbox_hedgehog_legacy_%'") \
        == []
    assert sorted(fabrics(scratch, database)) == ["archive", "edge", "gitops-lab", "prod", "with-creds"]
    assert doctor_levels(database)["legacy-schema"] == (
        "ok", "no schema of hh-netbox-plugin (the predecessor) in the database")


def planner_objects(scratch, database):
    return (scratch.query(database, "SELECT id, name, custom_field_data, last_updated FROM dcim_device ORDER BY id"),
            scratch.query(database, "SELECT id, name, custom_field_data, last_updated FROM dcim_interface ORDER BY id"),
            scratch.query(database, "SELECT id, label, custom_field_data, last_updated FROM dcim_cable ORDER BY id"),
            scratch.query(database, "SELECT content_type_id, object_id, tag_id FROM extras_taggeditem ORDER BY 1, 2"))


def test_upgrade_of_the_topology_planning_line(scratch, legacy_database):
    database = legacy_database("main")
    assert_refused_before_the_upgrade(scratch, database, "main")
    dcim = planner_objects(scratch, database)

    dry = netbox(database, "hedgehog_upgrade_legacy", "--skip-checks")
    assert dry.returncode == 0, dry.stderr
    out = dry.stdout
    for phrase in (
        "Found hh-netbox-plugin, topology-planning line (branch main), migrations up to "
        "0053_purge_legacy_0009_seed_data",
        "carry over  dc1 (#2)",
        "sync interval 0 s (the predecessor's 'no automatic sync') is carried over as scheduled sync off",
        "carry over  dc2 (#9)", "carried over as 10 s",
        "CANNOT carry over  plan-only (#5)",
        "plan #1 'Rack A design': 2 device(s) (leaf-01, leaf-02), 2 interface(s), 1 cable(s) "
        "(custom field hedgehog_plan_id = 1)",
        "tagged hedgehog-generated: 1 dcim.cable, 2 dcim.device, 2 dcim.interface",
        "netbox_hedgehog_topologyplan: 1 row(s), kept in netbox_hedgehog_legacy_topologyplan",
    ):
        assert phrase in out, phrase

    applied = netbox(database, "hedgehog_upgrade_legacy", "--apply", "--skip-checks")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "plan #1 'Rack A design': 2 device(s)" in applied.stdout
    assert "created 2 fabric(s): dc1 (#2), dc2 (#9)" in applied.stdout
    carried = fabrics(scratch, database)
    assert (carried["dc1"]["scheduler_enabled"], carried["dc1"]["sync_interval"]) == (False, 300)
    assert carried["dc2"]["sync_interval"] == 10
    assert planner_objects(scratch, database) == dcim
    assert scratch.query(database, "SELECT count(*) FROM netbox_hedgehog_legacy_planmeshlink") == [(0,)]
    doctor = doctor_levels(database)
    for check in ("legacy-schema", "migrations", "schema"):
        assert doctor[check][0] == "ok", doctor[check]


def test_a_failed_upgrade_changes_nothing(scratch, legacy_database):
    """A view in the way of a table this plugin's migrations create: the migration fails, everything rolls back."""
    database = legacy_database("main")
    scratch.execute(database, "CREATE VIEW netbox_hedgehog_external AS SELECT 1 AS id")
    before = state(scratch, database)
    failed = netbox(database, "hedgehog_upgrade_legacy", "--apply", "--skip-checks")
    assert failed.returncode != 0
    assert "the upgrade failed and was rolled back" in failed.stderr and "Nothing was changed" in failed.stderr
    assert "netbox_hedgehog_external" in failed.stderr and "Traceback" not in failed.stderr
    assert state(scratch, database) == before
    assert scratch.query(database, "SELECT count(*) FROM netbox_hedgehog_hedgehogfabric") == [(3,)]


# -- the plugin's pages ---------------------------------------------------------------------------


@pytest.fixture
def predecessor_table(monkeypatch):
    """One of the predecessor's tables, in this test's transaction (enough to be recognised), and a fresh cache of
    the detection that looks again on every request. Yields a function that drops the table again."""
    monkeypatch.setattr(legacy, "_cache", {"clean": False, "schema": None, "checked": 0.0})
    monkeypatch.setattr(legacy, "RECHECK_SECONDS", 0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE netbox_hedgehog_topologyplan (id bigint PRIMARY KEY)")

    def drop():
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE netbox_hedgehog_topologyplan")

    return drop


def test_the_plugins_pages_explain_instead_of_failing(client, admin_user, predecessor_table):
    from netbox_hedgehog.widgets import HedgehogStatusWidget

    client.force_login(admin_user)
    page = client.get("/plugins/hedgehog/fabrics/")
    assert page.status_code == 503
    text = page.content.decode()
    assert "hh-netbox-plugin" in text and "netbox hedgehog_upgrade_legacy" in text and "topology-planning" in text
    api = client.get("/api/plugins/hedgehog/fabrics/")
    assert api.status_code == 503
    body = api.json()
    assert body["legacy_schema"]["line"] == "main" and "netbox hedgehog_upgrade_legacy" in body["detail"]
    request = client.get("/plugins/hedgehog/status/").wsgi_request
    assert "hedgehog-legacy-schema" in HedgehogStatusWidget().render(request)
    # NetBox's own pages are not touched.
    assert client.get("/dcim/sites/").status_code == 200

    # After the upgrade the next look finds our schema, and the answer is kept for the process.
    predecessor_table()
    assert client.get("/plugins/hedgehog/fabrics/").status_code == 200
    assert client.get("/api/plugins/hedgehog/fabrics/").status_code == 200
    assert legacy._cache["clean"] is True


def test_no_migration_runs_on_the_predecessors_schema_whoever_calls_migrate(predecessor_table):
    """The pre_migrate receiver stops a plan even when something other than our `migrate` command runs it."""
    from django.apps import apps
    from django.core.management.base import CommandError
    from django.db.models.signals import pre_migrate

    app_config = apps.get_app_config("netbox_hedgehog")
    # Only one of its tables: our own 0001_initial record is not taken for the predecessor's.
    with pytest.raises(CommandError, match=r"schema of hh-netbox-plugin, topology-planning line \(branch main\): "):
        pre_migrate.send(sender=app_config, app_config=app_config, verbosity=0, interactive=False, using="default",
                         plan=[], apps=apps)


def test_housekeeping_waits_for_the_upgrade(predecessor_table, caplog):
    from netbox_hedgehog.jobs import housekeeping_state, run_housekeeping

    before = housekeeping_state()
    outcome = run_housekeeping()
    assert "hedgehog_upgrade_legacy" in outcome["skipped"]
    assert "hedgehog_upgrade_legacy" in caplog.text
    assert housekeeping_state() == before  # a skipped run does not count as completed


def test_the_predecessors_credentials_decrypt_with_its_key_derivation():
    secret_key = "an-installation-secret-key-of-fifty-characters-0123456789"
    stored = layouts.encrypt_credentials({"token": "t0ken"}, secret_key)
    assert decrypt_credentials(stored, secret_key) == {"token": "t0ken"}
    # Only the first 32 bytes of SECRET_KEY make the key.
    assert decrypt_credentials(stored, secret_key[:32] + "-changed-after-byte-32") == {"token": "t0ken"}
    a_list = layouts.encrypt_credentials(["a", "list"], secret_key)
    for value, key, error in ((stored, "another-key", "do not decrypt with this installation's SECRET_KEY"),
                              ("not base64!", secret_key, "not base64"),
                              ("A" * 70000, secret_key, "more than 65536"),
                              (a_list, secret_key, "object of strings")):
        with pytest.raises(ValueError, match=error):
            decrypt_credentials(value, key)


def test_legacy_names_stay_within_postgresqls_limit():
    assert legacy_name("netbox_hedgehog_hedgehogfabric") == "netbox_hedgehog_legacy_hedgehogfabric"
    assert legacy_name("netbox_hedgehog_vpc_fabric_id_1a2b3c4d") == "netbox_hedgehog_legacy_vpc_fabric_id_1a2b3c4d"
    long_name = "netbox_hedgehog_hedgehogresource_dependent_resources_from_hedgehogresource_id_5f6e"
    kept = legacy_name(long_name)
    assert len(kept) == 63 and kept.startswith("netbox_hedgehog_legacy_hedgehogresource_dependent")
    assert kept != legacy_name(long_name + "x")
