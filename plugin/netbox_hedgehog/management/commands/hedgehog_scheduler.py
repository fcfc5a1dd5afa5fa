import logging
import sys

from django.core.management.base import BaseCommand

from hedgehog_scheduler.sidecar import Sidecar
from netbox_hedgehog import scheduling
from netbox_hedgehog.jobs import FabricSyncJob
from netbox_hedgehog.queues import QUEUE_DEFAULT


class Command(BaseCommand):
    help = ("Run the scheduler sidecar: keep one rq-scheduler registration per scheduled fabric and move due "
            "runs onto the default queue. Run exactly one per installation; extra instances wait as standby.")

    def add_arguments(self, parser):
        parser.add_argument("--healthcheck", action="store_true",
                            help="exit 0 if an active sidecar heartbeat is fresh on this host, else 1")

    def handle(self, *args, healthcheck: bool, **options):
        import django_rq

        # A connection of its own: the sidecar tunes its timeouts and retries.
        connection = django_rq.get_connection(QUEUE_DEFAULT)
        if healthcheck:
            ok, message = healthcheck(connection, max_age=3 * scheduling.heartbeat_interval())
            self.stdout.write(message)
            sys.exit(0 if ok else 1)
        from netbox.plugins import get_plugin_config

        _log_to_console_unless_configured()
        sidecar = Sidecar(
            connection, QUEUE_DEFAULT, scheduling.desired_schedule, scheduling.fabric_schedule,
            reconcile_interval=scheduling.reconcile_interval(), heartbeat_interval=scheduling.heartbeat_interval(),
            run_timeout=get_plugin_config("netbox_hedgehog", "sync_job_timeout"),
        )
        self.stdout.write(f"hedgehog scheduler sidecar {sidecar.instance_id}: {FabricSyncJob.name} runs on "
                          f"'{QUEUE_DEFAULT}'")
        sidecar.run_until_signalled()


def _log_to_console_unless_configured():
    """The sidecar's log is its only trace; show it when NetBox's LOGGING gives it nowhere to go."""
    logger = logging.getLogger("hedgehog_scheduler")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
