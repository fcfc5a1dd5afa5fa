# Run by dev/demo.sh inside `netbox shell`: the admin user and the demo fabric, created once.
import os

from django.contrib.auth import get_user_model

from netbox_hedgehog.jobs import enqueue_sync
from netbox_hedgehog.models import HedgehogFabric

User = get_user_model()
admin = User.objects.filter(username=os.environ["ADMIN_USER"]).first()
if admin is None:
    admin = User.objects.create_superuser(os.environ["ADMIN_USER"], "admin@example.invalid",
                                          os.environ["ADMIN_PASSWORD"])
    print(f"[demo] created superuser {admin.username}")
elif not admin.check_password(os.environ["ADMIN_PASSWORD"]):
    # The password printed by `make demo` is the one kept in .local/admin-password.
    admin.set_password(os.environ["ADMIN_PASSWORD"])
    admin.save()

fabric = HedgehogFabric.objects.filter(name="demo").first()
if fabric is None:
    fabric = HedgehogFabric(name="demo", description="Generated spine-leaf demo fabric",
                            git_url="file://" + os.environ["DEMO_REPO"], git_branch="main", sync_interval=60)
    fabric.full_clean()
    fabric.save()
    job, _created = enqueue_sync(fabric, user=admin)
    print(f"[demo] created fabric {fabric} and queued its first sync (job {job.job_id})")
