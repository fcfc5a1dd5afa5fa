import json

import click
from django_rq.management.commands.rqstats import Command as RQStatsCommand
from django_rq.utils import get_statistics


class Command(RQStatsCommand):
    """django_rq's rqstats, plus the Hedgehog section: workers, queued and failed sync runs, and registrations."""

    def handle(self, *args, **options):
        if options.get("json"):
            click.echo(json.dumps({**get_statistics(), "hedgehog": hedgehog_statistics()}, default=str))
            return
        super().handle(*args, **options)
        if not options.get("yaml") and not options.get("interval"):
            self._print_hedgehog(hedgehog_statistics())

    def _print_hedgehog(self, stats):
        click.echo()
        click.echo(f"Hedgehog: {stats['registrations']} scheduled registration(s); sidecar "
                   f"{stats['scheduler']['active'] or 'NOT RUNNING'}")
        for worker in stats["workers"]:
            click.echo(f"  worker {worker['name']} ({worker['state']}) on {', '.join(worker['queues'])}"
                       + (f", running {worker['current_job']}" if worker["current_job"] else ""))
        if not stats["workers"]:
            click.echo("  no worker is running")
        for queue, runs in stats["queued_runs"].items():
            click.echo(f"  {queue}: {len(runs)} sync run(s) queued, {len(stats['failed_runs'][queue])} failed")


def hedgehog_statistics():
    import django_rq
    from rq.registry import FailedJobRegistry

    from netbox_hedgehog.queues import QUEUE_DEFAULT, QUEUE_HIGH, QUEUE_LOW, live_workers
    from netbox_hedgehog.scheduling import registrations, scheduler_status

    workers = [{"name": w.name, "queues": w.queue_names(), "state": w.get_state(), "hostname": w.hostname,
                "pid": w.pid, "current_job": w.get_current_job_id(), "last_heartbeat": w.last_heartbeat}
               for w in live_workers()]
    queued, failed = {}, {}
    for name in (QUEUE_HIGH, QUEUE_DEFAULT, QUEUE_LOW):
        queue = django_rq.get_queue(name)
        queued[name] = [job.id for job in queue.get_jobs() if _is_sync(job)]
        registry = FailedJobRegistry(queue=queue)
        failed[name] = [job_id for job_id in registry.get_job_ids() if _is_sync(queue.fetch_job(job_id))]
    status = scheduler_status()
    return {"registrations": len(registrations()), "scheduler": {"active": status["active"],
                                                                 "sidecars": status["sidecars"]},
            "workers": workers, "queued_runs": queued, "failed_runs": failed}


def _is_sync(job):
    from netbox_hedgehog.jobs import SYNC_FUNCTIONS

    return job is not None and job.func_name in SYNC_FUNCTIONS
