from django.urls import include, path

from utilities.urls import get_model_urls

from . import views  # noqa: F401  (registers the model views)

app_name = "netbox_hedgehog"

# URL segment per model: fabrics, then the kinds in menu order.
_SEGMENTS = (
    ("fabrics", "hedgehogfabric"),
    ("switches", "switch"),
    ("switch-groups", "switchgroup"),
    ("switch-profiles", "switchprofile"),
    ("servers", "server"),
    ("server-profiles", "serverprofile"),
    ("connections", "connection"),
    ("vlan-namespaces", "vlannamespace"),
    ("gateways", "gateway"),
    ("gateway-groups", "gatewaygroup"),
    ("ipv4-namespaces", "ipv4namespace"),
    ("vpcs", "vpc"),
    ("vpc-attachments", "vpcattachment"),
    ("vpc-peerings", "vpcpeering"),
    ("externals", "external"),
    ("external-attachments", "externalattachment"),
    ("external-peerings", "externalpeering"),
)

urlpatterns = [path("status/", views.HedgehogStatusView.as_view(), name="status")]
for _segment, _model_name in _SEGMENTS:
    urlpatterns += [
        path(f"{_segment}/", include(get_model_urls("netbox_hedgehog", _model_name, detail=False))),
        path(f"{_segment}/<int:pk>/", include(get_model_urls("netbox_hedgehog", _model_name))),
    ]
