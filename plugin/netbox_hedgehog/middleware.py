"""
While the database holds the predecessor's schema (see legacy.py), every query of the plugin's models fails.
This middleware answers the plugin's pages and REST API with the upgrade instructions (503) instead of letting
them end in a 500. It costs a string comparison per request and, on the plugin's paths, a cached lookup.
"""
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from .legacy import current_legacy_schema

__all__ = ("LegacySchemaMiddleware",)


class LegacySchemaMiddleware:
    def __init__(self, get_response):
        from . import HedgehogConfig

        self.get_response = get_response
        base = f"/{settings.BASE_PATH}"
        self.api_prefix = f"{base}api/plugins/{HedgehogConfig.base_url}/"
        self.ui_prefix = f"{base}plugins/{HedgehogConfig.base_url}/"

    def __call__(self, request):
        path = request.path
        is_api = path.startswith(self.api_prefix)
        if is_api or path.startswith(self.ui_prefix):
            schema = current_legacy_schema()
            if schema is not None:
                if is_api:
                    return JsonResponse({"detail": schema.message, "legacy_schema": schema.as_dict()}, status=503)
                return render(request, "netbox_hedgehog/legacy_schema.html", {"schema": schema}, status=503)
        return self.get_response(request)
