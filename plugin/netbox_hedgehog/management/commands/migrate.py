"""
Django's `migrate`, refusing to run on a database that holds the predecessor's schema (legacy.py).

The plugin's pre_migrate receiver refuses too, but Django checks the consistency of the recorded history before it
sends pre_migrate, and the predecessor's `0001_initial` (our first migration's name) can fail that check with a
message that names neither the predecessor nor the way out. Apps' commands take precedence over Django's own.
"""
from django.core.management.commands.migrate import Command as DjangoMigrateCommand
from django.db import connections

from netbox_hedgehog.legacy import refuse_if_legacy


class Command(DjangoMigrateCommand):
    def handle(self, *args, **options):
        refuse_if_legacy(connections[options["database"]])
        return super().handle(*args, **options)
