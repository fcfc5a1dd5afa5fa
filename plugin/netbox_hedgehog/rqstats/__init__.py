"""
A small app whose only job is to extend `netbox rqstats` with the plugin's runs and registrations.
The plugin lists it in `django_apps` ahead of django_rq, and Django lets the first app that
defines a management command win.
"""
