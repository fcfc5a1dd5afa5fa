"""
One sync of one fabric: load the sources, check the input, diff, apply, record the outcome.
Callers (the job runner, `netbox hedgehog_sync`) hold the per-fabric lock; this module does not. Everything a
run touches for the fabric (its Git cache among it) is touched under that lock.

Every run ends success, partial or failed: an exception no check foresaw fails the run like a source error
would (nothing applied, the fabric out of `syncing`, the failure journalled) instead of escaping.
"""
import logging
from dataclasses import dataclass, field

from ..choices import ConnectionStatusChoices, DriftChoices, OriginChoices, SyncOutcomeChoices, SyncStatusChoices
from ..notifications import report_connection_error, report_sync_failure
from ..yamlio import storable_text
from .merge import merge_snapshots
from .reconcile import apply_plan, plan_changes
from .sources import fabric_sources, source_secrets
from .types import Problem, SourceError, redact

__all__ = ("SyncResult", "record_connection_error", "run_sync")

# How many problems the fabric's error text lists; the job data keeps all of them.
PROBLEMS_IN_ERROR = 10


@dataclass
class SyncResult:
    fabric: str
    # `id` and `display` name the fabric the way NetBox event rule actions expect in a job's data.
    id: int | None = None
    display: str = ""
    dry_run: bool = False
    outcome: str = SyncOutcomeChoices.SUCCESS
    error: str = ""
    counts: dict = field(default_factory=dict)  # kind -> {created, updated, deleted, unchanged}
    problems: list = field(default_factory=list)  # Problem.as_dict() entries
    skipped_kinds: dict = field(default_factory=dict)
    git_commit: str = ""
    cluster_revision: str = ""
    drift_count: int = 0
    changes: dict = field(default_factory=dict)  # dry run only: kind -> [{action, name, fields}]
    request_id: str = ""

    @property
    def ok(self):
        return self.outcome != SyncOutcomeChoices.FAILED

    def as_dict(self):
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def totals(self):
        return {key: sum(c[key] for c in self.counts.values()) for key in ("created", "updated", "deleted",
                                                                           "unchanged")}


def _load(fabric, sources, result, log):
    """Read every source; returns (Git snapshot, cluster snapshot), None for a source the fabric lacks.
    Raises SourceError (already redacted) if one cannot be read."""
    snapshots, crd_schemas = {}, None
    for source in sources:
        log.info("Reading %s", source.describe())
        try:
            snapshot = source.load(crd_schemas)
        except SourceError as e:
            record_connection_error(fabric, str(e))
            raise
        snapshots[source.role] = snapshot
        log.info("%s: %d objects at revision %s", source.label, len(snapshot.objects), snapshot.revision[:12])
        if snapshot.crd_schemas is not None:
            # Cluster sources come first: the Git objects of the run are checked against the cluster's CRDs.
            crd_schemas = crd_schemas or snapshot.crd_schemas
            log.info("%s objects checked against %s", source.label, snapshot.crd_schemas.origin)
        result.skipped_kinds.update(snapshot.skipped_kinds)
        result.problems.extend(problem.as_dict() for problem in snapshot.problems)
    fabric.set_connection_state(ConnectionStatusChoices.CONNECTED)
    git, cluster = snapshots.get(OriginChoices.GIT), snapshots.get(OriginChoices.CLUSTER)
    result.git_commit = git.revision if git else ""
    result.cluster_revision = cluster.revision if cluster else ""
    return git, cluster


def run_sync(fabric, *, dry_run=False, user=None, request_id=None, logger=None):
    """Sync `fabric` once and return its SyncResult. A failed source or invalid input changes no object."""
    log = logger or logging.getLogger("netbox_hedgehog.sync")
    result = SyncResult(fabric=fabric.name, id=fabric.pk, display=fabric.name, dry_run=dry_run,
                        request_id=str(request_id or ""))
    if not dry_run:
        fabric.set_sync_state(SyncStatusChoices.SYNCING)
    sources = []
    try:
        sources = fabric_sources(fabric)
        return _run(fabric, sources, result, log, user=user, request_id=request_id)
    except Exception as exc:  # noqa: BLE001 - the run must end failed, not errored with the fabric left syncing
        from rq.timeouts import JobTimeoutException

        if isinstance(exc, JobTimeoutException):
            # RQ stopped the job at sync_job_timeout: the fabric says so, and the job ends as RQ decided.
            _fail(fabric, result, "the run took longer than sync_job_timeout and was stopped; nothing was changed",
                  log)
            raise
        log.exception("Sync stopped on an unexpected error")
        # The apply is one transaction: an error inside it changed nothing.
        error = redact(f"the run stopped on an unexpected error ({type(exc).__name__}); the worker's log has "
                       "the details", source_secrets(sources))
        return _fail(fabric, result, error, log)


def _run(fabric, sources, result, log, *, user, request_id):
    dry_run = result.dry_run
    try:
        git, cluster = _load(fabric, sources, result, log)
    except SourceError as e:
        return _fail(fabric, result, redact(e, source_secrets(sources)), log)
    for kind, why in result.skipped_kinds.items():
        log.warning("Skipped %s: %s", kind, why)
    if result.problems:
        for problem in result.problems:
            log.warning("Invalid input: %s", _describe(problem))
        if not fabric.skip_invalid_objects:
            listed = "\n".join(_describe(p) for p in result.problems[:PROBLEMS_IN_ERROR])
            more = len(result.problems) - PROBLEMS_IN_ERROR
            error = f"{len(result.problems)} problem(s) in the input; nothing was changed:\n{listed}"
            return _fail(fabric, result, error + (f"\n... and {more} more" if more > 0 else ""), log)
        result.outcome = SyncOutcomeChoices.PARTIAL

    rows = merge_snapshots(git, cluster)
    result.drift_count = sum(1 for kind_rows in rows.values() for row in kind_rows.values()
                             if row.fields["drift"] in DriftChoices.DRIFTED)
    plan = plan_changes(fabric, rows, agents=cluster.agents if cluster else None)
    result.counts = {kind: changes.counts() for kind, changes in plan.kinds.items()}
    if dry_run:
        result.changes = {kind: changes.summary() for kind, changes in plan.kinds.items() if changes.summary()}
        log.info("Dry run: nothing applied")
        return result
    if plan.has_changes:
        result.request_id = str(apply_plan(plan, user=user, request_id=request_id))
    totals = result.totals()
    log.info("Applied: %(created)d created, %(updated)d updated, %(deleted)d deleted, %(unchanged)d unchanged",
             totals)
    in_sync = result.outcome == SyncOutcomeChoices.SUCCESS and result.drift_count == 0
    fabric.set_sync_state(SyncStatusChoices.IN_SYNC if in_sync else SyncStatusChoices.OUT_OF_SYNC)
    return result


def _describe(problem):
    return str(Problem(**problem))


def _fail(fabric, result, error, log):
    error = storable_text(str(error))  # a source's message may quote what a server or a repository sent
    result.outcome = SyncOutcomeChoices.FAILED
    result.error = error
    log.error("Sync failed: %s", error)
    if not result.dry_run:
        fabric.set_sync_state(SyncStatusChoices.ERROR, error=error)
        report_sync_failure(fabric, error, job_id=result.request_id)
    return result


def record_connection_error(fabric, error):
    """Store the error; journal it and fire the event only when the connection goes to error, not every run."""
    error = storable_text(str(error))
    went_down = fabric.connection_status != ConnectionStatusChoices.ERROR
    fabric.set_connection_state(ConnectionStatusChoices.ERROR, error=error)
    if went_down:
        report_connection_error(fabric, error)
