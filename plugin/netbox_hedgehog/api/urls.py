from netbox.api.routers import NetBoxRouter

from . import views

router = NetBoxRouter()
router.APIRootView = views.HedgehogRootView
router.register("fabrics", views.HedgehogFabricViewSet)
router.register("switches", views.SwitchViewSet)
router.register("switch-groups", views.SwitchGroupViewSet)
router.register("switch-profiles", views.SwitchProfileViewSet)
router.register("servers", views.ServerViewSet)
router.register("server-profiles", views.ServerProfileViewSet)
router.register("gateways", views.GatewayViewSet)
router.register("gateway-groups", views.GatewayGroupViewSet)
router.register("connections", views.ConnectionViewSet)
router.register("vlan-namespaces", views.VLANNamespaceViewSet)
router.register("ipv4-namespaces", views.IPv4NamespaceViewSet)
router.register("vpcs", views.VPCViewSet)
router.register("vpc-attachments", views.VPCAttachmentViewSet)
router.register("vpc-peerings", views.VPCPeeringViewSet)
router.register("externals", views.ExternalViewSet)
router.register("external-attachments", views.ExternalAttachmentViewSet)
router.register("external-peerings", views.ExternalPeeringViewSet)

app_name = "netbox_hedgehog-api"
urlpatterns = router.urls
