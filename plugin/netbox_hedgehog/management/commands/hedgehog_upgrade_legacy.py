from django.core.management.base import BaseCommand, CommandError

from netbox_hedgehog import legacy_upgrade as upgrade
from netbox_hedgehog.legacy import LEGACY_PREFIX, PREDECESSOR, detect, legacy_copies


class Command(BaseCommand):
    help = (f"Upgrade a database that holds the schema of {PREDECESSOR} (the predecessor): show what will be "
            "carried over (the default, a dry run), or do it with --apply, in one transaction. --drop-legacy "
            f"removes the copy of the predecessor's tables ({LEGACY_PREFIX}*) an upgrade kept.")

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="upgrade (default: only show what would be done)")
        parser.add_argument("--drop-legacy", action="store_true",
                            help=f"drop the predecessor's tables an upgrade kept ({LEGACY_PREFIX}*); no rollback "
                                 "is possible afterwards")

    def handle(self, *args, apply, drop_legacy, **options):
        if apply and drop_legacy:
            raise CommandError("--apply and --drop-legacy are separate steps: upgrade, check, then drop the copy")
        try:
            if drop_legacy:
                return self._drop()
            if apply:
                return self._apply()
            return self._dry_run()
        except upgrade.UpgradeError as exc:
            raise CommandError(f"{exc}. Nothing was changed.")

    def _nothing_to_do(self):
        copies = legacy_copies()
        if copies:
            self.stdout.write(f"Already upgraded from {PREDECESSOR}: nothing to do. Its {len(copies)} table(s) are "
                              f"kept as {LEGACY_PREFIX}* for a rollback; remove them with --drop-legacy once the "
                              "fabrics sync.")
        else:
            self.stdout.write(f"This database holds no schema of {PREDECESSOR}: nothing to upgrade.")

    def _dry_run(self):
        schema = detect()
        if schema is None:
            return self._nothing_to_do()
        plan = upgrade.plan_upgrade(schema)
        self._print_plan(plan)
        self.stdout.write("")
        self.stdout.write(
            f"With --apply, in one transaction: the predecessor's {len(plan.tables)} table(s) are kept as "
            f"{LEGACY_PREFIX}* (a rollback stays possible until --drop-legacy), its {plan.migration_records} "
            f"migration record(s) are moved to {upgrade.MIGRATION_RECORDS_COPY}, the migrations are applied, and "
            f"{len(plan.carried)} fabric(s) are created with the same names and ids.")
        self.stdout.write("Dry run: nothing was changed. Back up the database, stop NetBox's workers, then run "
                          "again with --apply.")

    def _apply(self):
        # The stream itself: migrate writes "Applying ..." and "OK" on one line through a wrapper of its own.
        result = upgrade.apply_upgrade(stdout=self.stdout._out)
        if result is None:
            return self._nothing_to_do()
        plan, renamed, moved = result
        self._print_plan(plan)
        self.stdout.write("")
        self.stdout.write(f"Upgraded from {plan.schema.description}:")
        self.stdout.write(f"  kept the predecessor's {len(renamed)} table(s) as: {', '.join(renamed.values())}")
        self.stdout.write(f"  moved its {moved} migration record(s) to {upgrade.MIGRATION_RECORDS_COPY}")
        self.stdout.write(f"  created {len(plan.carried)} fabric(s): "
                          + (", ".join(f"{p.name} (#{p.id})" for p in plan.carried) or "none"))
        self.stdout.write("Next: `netbox hedgehog_doctor`, start the workers and the scheduler sidecar; each fabric's "
                          "first sync brings its objects back (`netbox hedgehog_sync <fabric>` runs one now).")

    def _drop(self):
        copies = upgrade.drop_legacy_copies()
        if not copies:
            self.stdout.write(f"No copy of {PREDECESSOR}'s tables ({LEGACY_PREFIX}*) to drop.")
            return
        self.stdout.write(f"Dropped {len(copies)} table(s): {', '.join(copies)}. A rollback now needs the backup.")

    def _print_plan(self, plan):
        out = self.stdout.write
        out(f"Found {plan.schema.description}: {'; '.join(plan.schema.evidence)}.")
        out("")
        out(f"Fabrics ({len(plan.fabrics)}):")
        for fabric_plan in plan.fabrics:
            if fabric_plan.carried:
                out(f"  carry over  {fabric_plan.name} (#{fabric_plan.id}): {self._describe(fabric_plan)}")
            else:
                out(f"  CANNOT carry over  {fabric_plan.name} (#{fabric_plan.id}): {fabric_plan.reason}")
            for note in fabric_plan.notes:
                out(f"      - {note}")
        if not plan.fabrics:
            out("  none")
        out("Not carried over, by design: run state (sync and connection status, last sync times and errors, cached "
            "counts, drift, Argo CD, watch and scheduler bookkeeping); each fabric's first sync recomputes it.")
        if plan.synced_rows:
            out("Synced objects, not copied (the first sync of each fabric brings them back from its sources):")
            for table, rows in plan.synced_rows.items():
                out(f"  {table}: {rows} row(s), kept in {upgrade.legacy_name(table)}")
        if plan.other_rows:
            out("Tables with no counterpart in this plugin (kept in the copy only):")
            for table, rows in plan.other_rows.items():
                out(f"  {table}: {rows} row(s), kept in {upgrade.legacy_name(table)}")
        if plan.planner_objects:
            out("NetBox objects the predecessor's topology planner created (left untouched, never modified):")
            for sentence in plan.planner_objects:
                out(f"  {sentence}")

    @staticmethod
    def _describe(fabric_plan):
        fabric = fabric_plan.fabric
        sources = []
        if fabric.kubernetes_server:
            sources.append(f"Kubernetes {fabric.kubernetes_server} namespace {fabric.kubernetes_namespace}, token "
                           f"{'set' if fabric.kubernetes_token else 'not set'}, CA "
                           f"{'set' if fabric.kubernetes_ca_cert else 'not set'}")
        if fabric.git_url:
            password = (f"set (from {fabric_plan.git_credentials_from})" if fabric.git_password else "not set")
            sources.append(f"Git {fabric.git_url} branch {fabric.git_branch} path '{fabric.git_path}', username "
                           f"'{fabric.git_username}', password/token {password}")
        schedule = (f"every {fabric.sync_interval} s" if fabric.scheduler_enabled else "no scheduled sync") + (
            "" if fabric.sync_enabled else ", sync disabled")
        return f"{'; '.join(sources)}; {schedule}"
