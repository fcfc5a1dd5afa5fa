"""
Upgrading a database from the predecessor's schema (legacy.py): what `netbox hedgehog_upgrade_legacy` does.

`plan_upgrade()` only reads: the predecessor's fabrics (either line) and Git repositories, turned into this
plugin's fabrics, each with notes naming what changes and what cannot be carried over; the rows of its other
tables; the native DCIM objects its topology planner created. Everything is read with plain SQL, so it works
whatever version of NetBox's own schema the database is at.

`apply_upgrade()` does it in one transaction: keeps the predecessor's tables under LEGACY_PREFIX (indexes and
sequences too, so our tables can take their names), moves its migration records into a copy table, applies the
migrations, and creates the fabrics with the same names and ids. The synced objects are not copied: each
fabric's first sync brings them back. The DCIM objects are never modified.
"""
import base64
import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction

from .legacy import FABRIC_TABLE, LEGACY_PREFIX, TABLE_PREFIX, detect, legacy_copies

__all__ = ("MIGRATION_RECORDS_COPY", "UpgradeError", "UpgradePlan", "apply_upgrade", "decrypt_credentials",
           "drop_legacy_copies", "legacy_name", "plan_upgrade")

APP = "netbox_hedgehog"
GIT_REPOSITORY_TABLE = "netbox_hedgehog_gitrepository"
TOPOLOGY_PLAN_TABLE = "netbox_hedgehog_topologyplan"
MIGRATION_RECORDS_COPY = f"{LEGACY_PREFIX}django_migrations"
# The predecessor sent a Git token alone (as the URL's user); git asks for a username first, and hosts accept
# any for a token (GitHub, GitLab and Gitea document this one).
TOKEN_USERNAME = "x-access-token"
# Larger encrypted credentials than this are not a Git token.
MAX_CREDENTIALS_SIZE = 64 * 1024
# What marks the native DCIM objects the predecessor's topology planner (its DeviceGenerator) created: this custom
# field, holding the plan's id, on every device, interface and cable, and this tag on everything it generated.
PLANNER_CUSTOM_FIELD = "hedgehog_plan_id"
PLANNER_TAG = "hedgehog-generated"
PLANNER_TABLES = (("dcim_device", "device"), ("dcim_interface", "interface"), ("dcim_cable", "cable"))
LIST_LIMIT = 10
# PostgreSQL's json and jsonb types.
JSON_TYPE_OIDS = (114, 3802)

# The predecessor's fabric columns this upgrade reads (the rest is named below or is run state).
CARRIED_COLUMNS = {
    "id", "created", "last_updated", "custom_field_data", "name", "description", "status", "kubernetes_server",
    "kubernetes_token", "kubernetes_ca_cert", "kubernetes_namespace", "sync_enabled", "sync_interval",
    "scheduler_enabled", "git_repository_id", "git_repository_url", "git_branch", "git_path", "git_username",
    "git_token", "gitops_directory",
}
# Run state and bookkeeping: each fabric's first sync recomputes what this plugin keeps of it.
STATE_COLUMNS = {
    "connection_status", "sync_status", "last_sync", "sync_error", "connection_error", "desired_state_commit",
    "drift_status", "drift_count", "last_git_sync", "cached_crd_count", "cached_vpc_count",
    "cached_connection_count", "connections_count", "servers_count", "switches_count", "vpcs_count",
    "argocd_installed", "argocd_version", "argocd_health_status", "argocd_installation_date", "gitops_setup_status",
    "gitops_setup_error", "sync_plan_version", "last_scheduler_run", "sync_health_score", "scheduler_metadata",
    "active_sync_tasks", "last_task_execution", "task_execution_count", "failed_task_count", "watch_status",
    "watch_started_at", "watch_last_event", "watch_event_count", "watch_error_message", "gitops_initialized",
}
# Settings with no counterpart here: (column, the predecessor's default, what it was). Named when not the default.
NO_COUNTERPART = (
    ("gitops_tool", "manual", "GitOps tool"),
    ("gitops_app_name", "", "GitOps application name"),
    ("gitops_namespace", "", "GitOps namespace"),
    ("argocd_server_url", "", "Argo CD server URL"),
    ("argocd_admin_password", "", "Argo CD admin password"),
    ("auto_sync_enabled", True, "Argo CD auto-sync"),
    ("prune_enabled", False, "Argo CD prune"),
    ("self_heal_enabled", True, "Argo CD self-heal"),
    ("scheduler_priority", "medium", "scheduler priority"),
    ("watch_enabled", True, "Kubernetes watch"),
    ("watch_crd_types", [], "watched CRD types"),
    ("archive_strategy", "rename_with_extension", "GitOps archive strategy"),
    ("raw_directory_path", "", "raw directory path"),
    ("managed_directory_path", "", "managed directory path"),
)
SECRET_COLUMNS = {"kubernetes_token", "git_token", "argocd_admin_password", "encrypted_credentials"}
# Fields whose value the upgrade replaces when this plugin's validation refuses it: (replacement, what it was).
_REPLACEABLE = {
    "kubernetes_server": ("", "Kubernetes API server"),
    "kubernetes_namespace": ("default", "Kubernetes namespace"),
    "git_url": ("", "Git URL"),
    "git_branch": ("main", "Git branch"),
    "git_path": ("", "Git path"),
}


class UpgradeError(Exception):
    """The upgrade cannot go ahead; nothing was changed."""


@dataclass
class FabricPlan:
    id: int
    name: str
    fabric: object = None        # the unsaved HedgehogFabric, None when it cannot be carried over
    created: object = None
    notes: list = field(default_factory=list)
    reason: str = ""             # why it cannot be carried over
    git_credentials_from: str = ""

    @property
    def carried(self):
        return self.fabric is not None


@dataclass
class UpgradePlan:
    schema: object
    fabrics: list
    tables: list                 # the predecessor's tables, kept under LEGACY_PREFIX by the upgrade
    synced_rows: dict            # table -> rows: synced objects, not copied (the first sync brings them back)
    other_rows: dict             # table -> rows: no counterpart here, kept in the copy only
    migration_records: int
    planner_objects: list        # sentences naming the DCIM objects the predecessor's planner created

    @property
    def carried(self):
        return [plan for plan in self.fabrics if plan.carried]


# -- reading --------------------------------------------------------------------------------------


def _rows(cursor, table):
    """Every row of `table` as a dict; json/jsonb values decoded (Django's cursor leaves them text)."""
    cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY id")
    names = [column.name for column in cursor.description]
    json_columns = {column.name for column in cursor.description if column.type_code in JSON_TYPE_OIDS}
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        for name in json_columns:
            if isinstance(row[name], str):
                row[name] = json.loads(row[name])
        rows.append(row)
    return rows


def _count(cursor, table):
    cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
    return cursor.fetchone()[0]


def legacy_fernet_key(secret_key):
    """The predecessor's Fernet key: URL-safe base64 of the first 32 bytes of SECRET_KEY, NUL-padded to 32."""
    return base64.urlsafe_b64encode(secret_key.encode("utf-8")[:32].ljust(32, b"\0"))


def decrypt_credentials(value, secret_key):
    """The JSON object the predecessor stored as base64(Fernet token); ValueError naming what is wrong."""
    from cryptography.fernet import Fernet, InvalidToken

    if len(value) > MAX_CREDENTIALS_SIZE:
        raise ValueError(f"they are {len(value)} bytes, more than {MAX_CREDENTIALS_SIZE}")
    try:
        token = base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise ValueError("they are not base64")
    try:
        plain = Fernet(legacy_fernet_key(secret_key)).decrypt(token)
    except InvalidToken:
        raise ValueError("they do not decrypt with this installation's SECRET_KEY (was it changed since?)")
    try:
        credentials = json.loads(plain)
    except ValueError:
        raise ValueError("they decrypt to something other than JSON")
    if not isinstance(credentials, dict) or not all(isinstance(v, str) for v in credentials.values()):
        raise ValueError("they decrypt to something other than an object of strings")
    return credentials


def _shown_url(url):
    """`url` for a message: any credentials in it replaced by ***."""
    head, slash, tail = url.partition("//") if "://" in url else ("", "", url)
    authority, sep, rest = tail.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{head}{slash}{authority}{sep}{rest}"


def _credentials_out_of_url(url, username, password, notes):
    """An http(s) URL with credentials in it: this plugin refuses those, so they move to the username/password."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not (parts.username or parts.password):
        return url, username, password
    host = parts.netloc.rpartition("@")[2]
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    if not password:
        if parts.password:
            username, password = unquote(parts.username or ""), unquote(parts.password)
        else:
            password = unquote(parts.username)
    notes.append("the credentials in the Git URL are moved to the Git username and password fields")
    return clean, username, password


def _repository_credentials(repo, username, notes, secret_key):
    """(username, password, where from) out of a legacy GitRepository row's encrypted credentials."""
    label = f"Git repository '{repo.get('name')}' (#{repo['id']})"
    encrypted = repo.get("encrypted_credentials") or ""
    if not encrypted:
        return username, "", ""
    try:
        credentials = decrypt_credentials(encrypted, secret_key)
    except ValueError as exc:
        notes.append(f"the credentials of its {label} are not carried over: {exc}; set the Git password on the "
                     "fabric after the upgrade")
        return username, "", ""
    if credentials.get("private_key"):
        notes.append(f"the SSH key of its {label} is not carried over: this plugin reaches ssh remotes with the key "
                     "of the worker's user, which NetBox does not store")
        return username, "", ""
    if credentials.get("token"):
        return username, credentials["token"], f"{label}, decrypted"
    if credentials.get("password"):
        return credentials.get("username") or username, credentials["password"], f"{label}, decrypted"
    if credentials.get("access_token"):
        notes.append(f"the OAuth access token of its {label} is carried over as the Git password; its OAuth client "
                     "has no counterpart, so the token is not refreshed")
        return username, credentials["access_token"], f"{label}, decrypted"
    return username, "", ""


def _git_source(row, repositories, notes, secret_key):
    """(url, branch, path, username, password, where the password came from) from the legacy columns."""
    username = row.get("git_username") or ""
    source = ""
    repository_id = row.get("git_repository_id")
    if repository_id is not None:
        repo = repositories.get(repository_id)
        if repo is None:
            notes.append(f"its Git repository #{repository_id} no longer exists: no Git source is carried over")
            return "", "main", "", "", "", ""
        url = repo.get("url") or ""
        branch = row.get("git_branch") or repo.get("default_branch") or "main"
        path = row.get("gitops_directory") or ""
        username, password, source = _repository_credentials(repo, username, notes, secret_key)
        if repo.get("validate_ssl") is False:
            notes.append(f"'validate SSL' off on Git repository '{repo.get('name')}' has no counterpart: this "
                         "plugin always verifies the Git server's certificate")
        if repo.get("timeout_seconds") not in (None, 30):
            notes.append(f"the {repo['timeout_seconds']} s timeout of Git repository '{repo.get('name')}' has no "
                         "per-fabric counterpart: the plugin setting source_timeout applies to every fabric")
    else:
        url = row.get("git_repository_url") or ""
        branch = row.get("git_branch") or "main"
        path = row.get("git_path") or ""
        password = row.get("git_token") or ""
        source = "the fabric's Git token" if password else ""
    if not url:
        return "", "main", "", "", "", ""
    # The predecessor wrote folders as "/dir/" or "dir/"; here a path is relative, without the slashes.
    path = path.strip("/")
    url, username, password = _credentials_out_of_url(url, username, password, notes)
    source = source or ("the Git URL" if password else "")
    if password and not username:
        username = TOKEN_USERNAME
        notes.append(f"the Git token had no username (the predecessor sent it alone): it is carried over as the Git "
                     f"password with the username '{TOKEN_USERNAME}', which GitHub, GitLab and Gitea accept for "
                     "tokens; change it if your Git host needs another")
    return url, branch, path, username, password, source


def _no_counterpart(row, notes):
    for column, default, label in NO_COUNTERPART:
        value = row.get(column, default)
        if value in (None, default):
            continue
        shown = "set" if column in SECRET_COLUMNS else repr(value)[:80]
        notes.append(f"{label} ({column} = {shown}) has no counterpart: not carried over")
    known = CARRIED_COLUMNS | STATE_COLUMNS | {column for column, _default, _label in NO_COUNTERPART}
    for column in sorted(set(row) - known):
        if row[column] not in (None, "", [], {}, False, 0):
            notes.append(f"column {column} has no counterpart: not carried over")


def _fabric_plan(row, repositories, secret_key):
    from .choices import FabricStatusChoices
    from .models import HedgehogFabric
    from .models.fabric import min_sync_interval, strip_private_keys

    plan = FabricPlan(id=row["id"], name=row["name"], created=row.get("created"))
    notes = plan.notes
    description = row.get("description") or ""
    comments = ""
    max_description = HedgehogFabric._meta.get_field("description").max_length
    if len(description) > max_description:
        comments = description
        description = description[:max_description - 1] + "…"
        notes.append(f"the description is longer than {max_description} characters: shortened, the full text is "
                     "kept in comments")
    status = row.get("status") or FabricStatusChoices.STATUS_ACTIVE
    if status not in FabricStatusChoices.values():
        notes.append(f"status '{status}' has no counterpart: carried over as '{FabricStatusChoices.STATUS_ACTIVE}'")
        status = FabricStatusChoices.STATUS_ACTIVE

    scheduler_enabled = row.get("scheduler_enabled", True) is not False
    interval = row.get("sync_interval")
    interval = 300 if interval is None else interval
    if interval == 0:
        notes.append("sync interval 0 s (the predecessor's 'no automatic sync') is carried over as scheduled sync "
                     "off, with the default interval of 300 s")
        scheduler_enabled, interval = False, 300
    elif interval < min_sync_interval():
        notes.append(f"sync interval {interval} s is below this installation's minimum of {min_sync_interval()} s "
                     f"(plugin setting min_sync_interval): carried over as {min_sync_interval()} s")
        interval = min_sync_interval()

    ca_cert = row.get("kubernetes_ca_cert") or ""
    if strip_private_keys(ca_cert) != ca_cert.strip():
        notes.append("the private key pasted with the Kubernetes CA certificate is dropped (certificates only)")
    git_url, git_branch, git_path, git_username, git_password, plan.git_credentials_from = _git_source(
        row, repositories, notes, secret_key)
    _no_counterpart(row, notes)

    fabric = HedgehogFabric(
        pk=row["id"], name=row["name"], description=description, comments=comments, status=status,
        kubernetes_server=row.get("kubernetes_server") or "", kubernetes_token=row.get("kubernetes_token") or "",
        kubernetes_ca_cert=strip_private_keys(ca_cert),
        kubernetes_namespace=row.get("kubernetes_namespace") or "default",
        git_url=git_url, git_branch=git_branch, git_path=git_path, git_username=git_username,
        git_password=git_password, sync_enabled=row.get("sync_enabled", True) is not False,
        scheduler_enabled=scheduler_enabled, sync_interval=interval,
        custom_field_data=row.get("custom_field_data") or {},
    )
    _validate(fabric, plan)
    return plan


def _validate(fabric, plan):
    """This plugin's own validation decides: a refused value is replaced and named; if the fabric still fails
    (no source left, an invalid name or custom field), it is not carried over."""
    custom_fields = set(fabric.custom_field_data)
    replaced = set()
    while True:
        try:
            # Names are unique in the predecessor too; the constraints are the model's clean() rules.
            fabric.full_clean(validate_unique=False, validate_constraints=False)
            break
        except ValidationError as exc:
            errors = exc.message_dict
        fixable = [name for name in errors if name in _REPLACEABLE and getattr(fabric, name) != _REPLACEABLE[name][0]
                   and name not in replaced]
        if not fixable:
            by_message = {}
            for name, messages in errors.items():
                for message in messages:
                    by_message.setdefault(message, []).append(name)
            plan.reason = "; ".join(message if names == ["__all__"] else f"{', '.join(names)}: {message}"
                                    for message, names in by_message.items())
            return
        for name in fixable:
            replacement, label = _REPLACEABLE[name]
            value = getattr(fabric, name)
            shown = _shown_url(value) if name in ("git_url", "kubernetes_server") else value
            plan.notes.append(f"{label} '{shown}' is not carried over: {' '.join(errors[name])}"
                              + (f" (replaced by '{replacement}')" if replacement else ""))
            setattr(fabric, name, replacement)
            replaced.add(name)
            if name == "git_url":
                fabric.git_username = fabric.git_password = ""
    dropped = sorted(custom_fields - set(fabric.custom_field_data))
    if dropped:
        plan.notes.append(f"custom field data {', '.join(dropped)} is not carried over: no such custom field is "
                          "assigned to fabrics")
    plan.fabric = fabric


def _table_row_counts(cursor, tables):
    from .models import HedgehogFabric

    ours = {model._meta.db_table for model in apps.get_app_config(APP).get_models()}
    synced, other = {}, {}
    for table in tables:
        if table in (FABRIC_TABLE, GIT_REPOSITORY_TABLE):
            continue
        rows = _count(cursor, table)
        if rows:
            (synced if table in ours and table != HedgehogFabric._meta.db_table else other)[table] = rows
    return synced, other


def _planner_objects(cursor, tables):
    """Sentences naming the DCIM objects the predecessor's topology planner created (they are left alone)."""
    plans = {}
    if TOPOLOGY_PLAN_TABLE in tables:
        cursor.execute(f"SELECT id, name FROM {TOPOLOGY_PLAN_TABLE}")
        plans = {str(pk): name for pk, name in cursor.fetchall()}
    per_plan = {}
    for table, kind in PLANNER_TABLES:
        names = f"(array_agg(name ORDER BY name))[1:{LIST_LIMIT}]" if kind == "device" else "NULL"
        cursor.execute(f"SELECT custom_field_data->>%s, count(*), {names} FROM {table} "
                       "WHERE coalesce(custom_field_data->>%s, '') <> '' GROUP BY 1 ORDER BY 1",
                       [PLANNER_CUSTOM_FIELD, PLANNER_CUSTOM_FIELD])
        for plan_id, count, listed in cursor.fetchall():
            per_plan.setdefault(plan_id, []).append((kind, count, [name for name in listed or () if name]))
    sentences = []
    for plan_id, kinds in sorted(per_plan.items()):
        label = f"plan #{plan_id}" + (f" '{plans[plan_id]}'" if plan_id in plans else " (no longer in its tables)")
        parts = []
        for kind, count, listed in kinds:
            more = f" ... and {count - len(listed)} more" if listed and count > len(listed) else ""
            parts.append(f"{count} {kind}(s)" + (f" ({', '.join(listed)}{more})" if listed else ""))
        sentences.append(f"{label}: {', '.join(parts)} (custom field {PLANNER_CUSTOM_FIELD} = {plan_id})")
    cursor.execute(
        "SELECT ct.app_label, ct.model, count(*) FROM extras_taggeditem ti JOIN extras_tag t ON t.id = ti.tag_id "
        "JOIN django_content_type ct ON ct.id = ti.content_type_id WHERE t.slug = %s GROUP BY 1, 2 ORDER BY 1, 2",
        [PLANNER_TAG])
    tagged = [f"{count} {app_label}.{model}" for app_label, model, count in cursor.fetchall()]
    if tagged:
        sentences.append(f"tagged {PLANNER_TAG}: {', '.join(tagged)}")
    return sentences


def plan_upgrade(schema=None):
    """What the upgrade will do; reads only. UpgradeError when the database holds no predecessor's schema."""
    schema = schema or detect()
    if schema is None:
        raise UpgradeError("this database holds no schema of the predecessor")
    secret_key = settings.SECRET_KEY
    with connection.cursor() as cursor:
        tables = sorted(name for name in connection.introspection.table_names(cursor)
                        if name.startswith(TABLE_PREFIX) and not name.startswith(LEGACY_PREFIX))
        repositories = {}
        if GIT_REPOSITORY_TABLE in tables:
            repositories = {repo["id"]: repo for repo in _rows(cursor, GIT_REPOSITORY_TABLE)}
        fabric_rows = _rows(cursor, FABRIC_TABLE) if FABRIC_TABLE in tables else []
        synced, other = _table_row_counts(cursor, tables)
        planner = _planner_objects(cursor, tables)
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = %s", [APP])
        records = cursor.fetchone()[0]
    fabrics = [_fabric_plan(row, repositories, secret_key) for row in fabric_rows]
    return UpgradePlan(schema=schema, fabrics=fabrics, tables=tables, synced_rows=synced, other_rows=other,
                       migration_records=records, planner_objects=planner)


# -- applying -------------------------------------------------------------------------------------


def legacy_name(name):
    """The name a relation of the predecessor is kept under: LEGACY_PREFIX + the rest, within PostgreSQL's limit."""
    rest = name[len(TABLE_PREFIX):] if name.startswith(TABLE_PREFIX) else name
    new = LEGACY_PREFIX + rest
    limit = connection.ops.max_name_length()
    if len(new) > limit:
        new = f"{new[:limit - 9]}_{hashlib.md5(name.encode()).hexdigest()[:8]}"
    return new


def _dependent_relations(cursor, table):
    """The indexes (constraints' too) and sequences of `table`: they keep their names when a table is renamed, and
    our tables' would collide with them."""
    cursor.execute(
        "SELECT c.relname, c.relkind FROM pg_class t "
        "JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() "
        "JOIN pg_index i ON i.indrelid = t.oid JOIN pg_class c ON c.oid = i.indexrelid WHERE t.relname = %s "
        "UNION SELECT s.relname, s.relkind FROM pg_class t "
        "JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() "
        "JOIN pg_depend d ON d.refobjid = t.oid AND d.refclassid = 'pg_class'::regclass "
        "AND d.classid = 'pg_class'::regclass JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
        "WHERE t.relname = %s", [table, table])
    return cursor.fetchall()


def _keep_tables(cursor, tables):
    quote = connection.ops.quote_name
    renamed = {}
    for table in tables:
        for relation, kind in _dependent_relations(cursor, table):
            keyword = "SEQUENCE" if kind == "S" else "INDEX"
            cursor.execute(f"ALTER {keyword} {quote(relation)} RENAME TO {quote(legacy_name(relation))}")
        renamed[table] = legacy_name(table)
        cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(renamed[table])}")
    return renamed


def _move_migration_records(cursor):
    cursor.execute(f"CREATE TABLE {MIGRATION_RECORDS_COPY} AS SELECT id, app, name, applied FROM django_migrations "
                   "WHERE app = %s ORDER BY id", [APP])
    cursor.execute("DELETE FROM django_migrations WHERE app = %s", [APP])
    return cursor.rowcount


def _create_fabrics(plans):
    from extras.models import CachedValue
    from netbox.search.backends import search_backend

    from .models import HedgehogFabric

    fabrics = HedgehogFabric.objects.bulk_create([plan.fabric for plan in plans])
    for plan in plans:
        if plan.created:
            HedgehogFabric.objects.filter(pk=plan.id).update(created=plan.created)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [HedgehogFabric]):
            cursor.execute(sql)
    # The search cache may hold the predecessor's objects under our object types; fabrics are indexed again.
    CachedValue.objects.filter(object_type__app_label=APP).delete()
    search_backend.cache(fabrics)
    return fabrics


def _ids_past_legacy(cursor, renamed):
    """Tags, journal entries and change records of the predecessor's objects name (object type, id) pairs; objects
    the syncs create start past those ids so they never inherit them."""
    from .models import HedgehogFabric

    quote = connection.ops.quote_name
    for model in apps.get_app_config(APP).get_models():
        table = model._meta.db_table
        if model is HedgehogFabric or table not in renamed:
            continue
        cursor.execute(f"SELECT max(id) FROM {quote(renamed[table])}")
        highest = cursor.fetchone()[0]
        if highest:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, highest])


def apply_upgrade(stdout=None):
    """Upgrade in one transaction; returns (plan, renamed tables, migration records moved), or None when another
    run upgraded the database first. UpgradeError (nothing changed) when it cannot go ahead or fails."""
    try:
        return _apply(stdout)
    except DatabaseError as exc:
        lines = str(exc).strip().splitlines()
        raise UpgradeError(f"the upgrade failed and was rolled back: {lines[0] if lines else type(exc).__name__}")


def _apply(stdout):
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A concurrent `migrate` or upgrade waits, and then finds nothing to do.
            cursor.execute("LOCK TABLE django_migrations IN SHARE ROW EXCLUSIVE MODE")
        schema = detect()
        if schema is None:
            return None
        plan = plan_upgrade(schema)
        existing = set(legacy_copies())
        clashes = sorted(legacy_name(table) for table in plan.tables if legacy_name(table) in existing)
        if clashes or MIGRATION_RECORDS_COPY in existing:
            raise UpgradeError(f"copies from an earlier upgrade are in the way ({', '.join(clashes or existing)}): "
                               "restore the backup taken before that upgrade, or drop them first")
        with connection.cursor() as cursor:
            renamed = _keep_tables(cursor, plan.tables)
            moved = _move_migration_records(cursor)
        call_command("migrate", interactive=False, verbosity=1 if stdout else 0, stdout=stdout)
        _create_fabrics(plan.carried)
        with connection.cursor() as cursor:
            _ids_past_legacy(cursor, renamed)
    return plan, renamed, moved


def drop_legacy_copies():
    """Drop the tables an upgrade kept; UpgradeError while the predecessor's schema is still live."""
    schema = detect()
    if schema is not None:
        raise UpgradeError(f"the database still holds the schema of {schema.description}: upgrade it first "
                           "(--apply); there is no copy to drop")
    with transaction.atomic():
        copies = legacy_copies()
        if copies:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE " + ", ".join(connection.ops.quote_name(table) for table in copies))
    return copies
