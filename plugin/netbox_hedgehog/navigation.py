from django.utils.translation import gettext_lazy as _

from netbox.plugins import PluginMenu, PluginMenuButton, PluginMenuItem


def _item(model_name, label, add=False):
    buttons = ()
    if add:
        buttons = (PluginMenuButton(
            link=f"plugins:netbox_hedgehog:{model_name}_add", title=_("Add"), icon_class="mdi mdi-plus-thick",
            permissions=[f"netbox_hedgehog.add_{model_name}"],
        ),)
    return PluginMenuItem(
        link=f"plugins:netbox_hedgehog:{model_name}_list", link_text=label,
        permissions=[f"netbox_hedgehog.view_{model_name}"], buttons=buttons,
    )


menu = PluginMenu(
    label=_("Hedgehog"),
    icon_class="mdi mdi-lan",
    groups=(
        (_("Fabrics"), (
            _item("hedgehogfabric", _("Fabrics"), add=True),
            PluginMenuItem(link="plugins:netbox_hedgehog:status", link_text=_("Status"),
                           permissions=["netbox_hedgehog.view_hedgehogfabric"]),
        )),
        (_("Wiring"), (
            _item("switch", _("Switches")),
            _item("switchgroup", _("Switch groups")),
            _item("switchprofile", _("Switch profiles")),
            _item("server", _("Servers")),
            _item("serverprofile", _("Server profiles")),
            _item("connection", _("Connections")),
            _item("vlannamespace", _("VLAN namespaces")),
        )),
        (_("Gateway"), (
            _item("gateway", _("Gateways")),
            _item("gatewaygroup", _("Gateway groups")),
        )),
        (_("VPC"), (
            _item("vpc", _("VPCs")),
            _item("vpcattachment", _("VPC attachments")),
            _item("vpcpeering", _("VPC peerings")),
            _item("ipv4namespace", _("IPv4 namespaces")),
            _item("external", _("Externals")),
            _item("externalattachment", _("External attachments")),
            _item("externalpeering", _("External peerings")),
        )),
    ),
)
