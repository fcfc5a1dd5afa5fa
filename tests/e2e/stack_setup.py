# Run by tests/e2e/conftest.py inside `netbox shell` against the e2e stack (not imported by pytest).
# Starts each browser-test session from a known state and hands the tests what they need as one JSON line:
#   - the fabrics left by an earlier session are deleted (the demo fabric stays);
#   - an API token for the admin user;
#   - a user who may only view Hedgehog objects (no `sync` permission), with a password and an API token.
import json
import os

from django.contrib.auth import get_user_model

from core.models import ObjectType
from users.models import ObjectPermission, Token

from netbox_hedgehog.models import HedgehogFabric

User = get_user_model()
DESCRIPTION = "e2e browser tests"


def fresh_token(user):
    Token.objects.filter(user=user, description=DESCRIPTION).delete()
    token = Token(user=user, description=DESCRIPTION)
    token.full_clean()
    token.save()
    return f"{token.get_auth_header_prefix()}{token.token}"


deleted = 0
for fabric in HedgehogFabric.objects.exclude(name="demo"):
    fabric.delete()
    deleted += 1

admin = User.objects.get(username=os.environ["E2E_ADMIN_USER"])

viewer, _ = User.objects.get_or_create(username=os.environ["E2E_VIEWER_USER"])
viewer.is_active = True
viewer.is_superuser = False
viewer.is_staff = False
viewer.set_password(os.environ["E2E_VIEWER_PASSWORD"])
viewer.save()
permission, _ = ObjectPermission.objects.get_or_create(name="e2e: view Hedgehog objects",
                                                       defaults={"actions": ["view"]})
permission.actions = ["view"]
permission.enabled = True
permission.save()
permission.object_types.set(ObjectType.objects.filter(app_label="netbox_hedgehog"))
permission.users.set([viewer])

print("E2E-SETUP " + json.dumps({
    "deleted_fabrics": deleted,
    "admin_authorization": fresh_token(admin),
    "viewer_authorization": fresh_token(viewer),
    "demo_fabric_id": HedgehogFabric.objects.get(name="demo").pk,
}))
