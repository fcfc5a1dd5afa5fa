import json
import sys

from django.core.management.base import BaseCommand

from netbox_hedgehog import doctor

LABELS = {"ok": "ok", "warning": "WARNING", "error": "ERROR"}


class Command(BaseCommand):
    help = ("Check this installation: PostgreSQL, Redis, migrations, workers on high/default/low and their "
            "versions, the scheduler sidecar and its registrations, overdue, stuck and failing fabrics, failed "
            "runs. One line per check; exits 1 if any check is an error.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the results as JSON")
        parser.add_argument("--worker-healthcheck", action="store_true",
                            help="only check that an RQ worker on this host (container) has a fresh heartbeat; "
                                 "exit 0 if so, else 1")
        parser.add_argument("--hostname", help="with --worker-healthcheck: the host to look for (default: this one)")

    def handle(self, *args, as_json, worker_healthcheck: bool, hostname, **options):
        if worker_healthcheck:
            ok, message = doctor.worker_healthcheck(hostname=hostname)
            self.stdout.write(message)
            sys.exit(0 if ok else 1)
        results = doctor.run_checks()
        counts = doctor.summary(results)
        if as_json:
            self.stdout.write(json.dumps({"checks": [r.as_dict() for r in results], "summary": counts}, indent=2))
        else:
            width = max(len(r.name) for r in results)
            for result in results:
                line = f"{LABELS[result.level]:<7} {result.name:<{width}}  {result.message}"
                if result.hint and not result.ok:
                    line += f" -> {result.hint}"
                self.stdout.write(line)
            self.stdout.write(f"{counts['ok']} ok, {counts['warning']} warning(s), {counts['error']} error(s)")
        if counts[doctor.ERROR]:
            sys.exit(1)

