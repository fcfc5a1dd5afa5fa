import json

from django.core.management.base import BaseCommand, CommandError
from rq.timeouts import UnixSignalDeathPenalty

from netbox.plugins import get_plugin_config

from netbox_hedgehog.choices import SyncStatusChoices
from netbox_hedgehog.legacy import refuse_if_legacy
from netbox_hedgehog.locks import fabric_lock
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.sync.runner import run_sync


class DeadlinePassed(BaseException):
    """Raised by the timer when the command's deadline passes. Not an Exception, so that no handler on the way
    (a source's, which turns errors into messages) takes it for an ordinary failure; the transaction rolls back."""


class Command(BaseCommand):
    help = ("Sync one Hedgehog fabric in the foreground and print what changed per kind. Like a worker's run, it "
            "stops after sync_job_timeout seconds, before its hold on the fabric's lock can expire.")

    def add_arguments(self, parser):
        parser.add_argument("fabric", help="fabric name (or numeric id)")
        parser.add_argument("--dry-run", action="store_true", help="show the changes without applying them")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the result as JSON")

    def handle(self, *args, fabric, dry_run, as_json, **options):
        refuse_if_legacy()
        lookup = {"pk": int(fabric)} if fabric.isdigit() else {"name": fabric}
        try:
            instance = HedgehogFabric.objects.get(**lookup)
        except HedgehogFabric.DoesNotExist:
            raise CommandError(f"No fabric named {fabric!r}.")
        timeout = get_plugin_config("netbox_hedgehog", "sync_job_timeout")
        with fabric_lock(instance.pk) as acquired:
            if not acquired:
                raise CommandError(f"A sync of {instance} is already running; try again when it has finished.")
            try:
                # RQ's own job deadline (SIGALRM), as a worker applies it to a queued run.
                with UnixSignalDeathPenalty(timeout, DeadlinePassed):
                    result = run_sync(instance, dry_run=dry_run)
            except DeadlinePassed:
                error = (f"The sync took longer than sync_job_timeout ({timeout} s) and was stopped; nothing was "
                         "changed.")
                instance.refresh_from_db()
                if instance.sync_status == SyncStatusChoices.SYNCING:
                    instance.set_sync_state(SyncStatusChoices.ERROR, error=error)
                raise CommandError(error)
        if as_json:
            self.stdout.write(_json_dump(result.as_dict()))
        else:
            self._print(result)
        if not result.ok:
            raise CommandError(result.error)

    def _print(self, result):
        title = f"Fabric {result.fabric}: {result.outcome}" + (" (dry run)" if result.dry_run else "")
        self.stdout.write(title)
        if result.counts:
            self.stdout.write(f"{'kind':<20}{'created':>9}{'updated':>9}{'deleted':>9}{'unchanged':>11}")
            for kind, counts in result.counts.items():
                self.stdout.write(f"{kind:<20}{counts['created']:>9}{counts['updated']:>9}{counts['deleted']:>9}"
                                  f"{counts['unchanged']:>11}")
        for kind, why in result.skipped_kinds.items():
            self.stdout.write(f"skipped {kind}: {why}")
        if result.drift_count:
            self.stdout.write(f"drift: {result.drift_count} object(s) differ between Git and the cluster")
        for kind, changes in result.changes.items():
            for change in changes:
                fields = f" ({', '.join(change['fields'])})" if change.get("fields") else ""
                self.stdout.write(f"would {change['action']} {kind} {change['name']}{fields}")


def _json_dump(data):
    return json.dumps(data, indent=2, sort_keys=True, default=str)
