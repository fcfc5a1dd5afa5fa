from django.apps import AppConfig


class RQStatsConfig(AppConfig):
    name = "netbox_hedgehog.rqstats"
    label = "netbox_hedgehog_rqstats"
    verbose_name = "Hedgehog rqstats"
