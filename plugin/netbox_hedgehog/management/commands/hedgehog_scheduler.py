import logging
import socket
import sys

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from hedgehog_scheduler.sidecar import Sidecar, healthcheck
from netbox_hedgehog import scheduling
from netbox_hedgehog.jobs import FabricSyncJob
from netbox_hedgehog.queues import QUEUE_DEFAULT, QUEUE_LOW


class Command(BaseCommand):
    help = ("Run the scheduler sidecar: keep one rq-scheduler registration per scheduled fabric and one for "
            "housekeeping, and move due runs onto their queues (default, low). Run exactly one per installation; "
            "extra instances wait as standby.")

    def add_arguments(self, parser):
        parser.add_argument("--healthcheck", action="store_true", dest="check_health",
                            help="for container healthchecks: exit 0 if a sidecar on this host (active or standby) "
                                 "has a fresh heartbeat, else 1")
        parser.add_argument("--run-function", metavar="DOTTED.PATH", default=None,
                            help="for benchmarks and tests: the function each due run calls, with "
                                 "(fabric_id=..., due=...), instead of netbox_hedgehog.jobs.run_scheduled_sync")

    def handle(self, *args, check_health, run_function=None, **options):
        import django_rq

        # A connection of its own: the sidecar tunes its timeouts and retries.
        connection = django_rq.get_connection(QUEUE_DEFAULT)
        if check_health:
            ok, message = healthcheck(connection, max_age=3 * scheduling.heartbeat_interval(),
                                      host=socket.gethostname())
            self.stdout.write(message)
            sys.exit(0 if ok else 1)
        from netbox.plugins import get_plugin_config

        from netbox_hedgehog.legacy import refuse_if_legacy

        refuse_if_legacy()
        _log_to_console_unless_configured()
        sidecar = Sidecar(
            connection, QUEUE_DEFAULT, _fresh_connection(scheduling.desired_schedule),
            _fresh_connection(scheduling.fabric_schedule),
            reconcile_interval=scheduling.reconcile_interval(), heartbeat_interval=scheduling.heartbeat_interval(),
            run_timeout=get_plugin_config("netbox_hedgehog", "sync_job_timeout"), func=run_function,
            housekeeping_interval=scheduling.housekeeping_interval(), housekeeping_queue=QUEUE_LOW,
        )
        self.stdout.write(f"hedgehog scheduler sidecar {sidecar.instance_id}: {FabricSyncJob.name} runs on "
                          f"'{QUEUE_DEFAULT}', housekeeping every {sidecar.housekeeping_interval}s on '{QUEUE_LOW}'")
        sidecar.run_until_signalled()


def _fresh_connection(provider):
    """The sidecar lives for days: drop a database connection the server closed before each read."""
    def read(*args):
        close_old_connections()
        return provider(*args)
    return read


def _log_to_console_unless_configured():
    """The sidecar's log is its only trace; show it when NetBox's LOGGING gives it nowhere to go."""
    logger = logging.getLogger("hedgehog_scheduler")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
