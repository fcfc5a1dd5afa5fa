from .. import filtersets, forms, tables
from ..models import VPC, External, ExternalAttachment, ExternalPeering, IPv4Namespace, VPCAttachment, VPCPeering
from .base import register_kind_views

__all__ = (
    "ExternalAttachmentListView", "ExternalAttachmentView", "ExternalListView", "ExternalPeeringListView",
    "ExternalPeeringView", "ExternalView", "IPv4NamespaceListView", "IPv4NamespaceView", "VPCAttachmentListView",
    "VPCAttachmentView", "VPCListView", "VPCPeeringListView", "VPCPeeringView", "VPCView",
)

IPv4NamespaceListView, IPv4NamespaceView = register_kind_views(
    IPv4Namespace, tables.IPv4NamespaceTable, filtersets.IPv4NamespaceFilterSet, forms.IPv4NamespaceFilterForm)
VPCListView, VPCView = register_kind_views(VPC, tables.VPCTable, filtersets.VPCFilterSet, forms.VPCFilterForm)
VPCAttachmentListView, VPCAttachmentView = register_kind_views(
    VPCAttachment, tables.VPCAttachmentTable, filtersets.VPCAttachmentFilterSet, forms.VPCAttachmentFilterForm)
VPCPeeringListView, VPCPeeringView = register_kind_views(
    VPCPeering, tables.VPCPeeringTable, filtersets.VPCPeeringFilterSet, forms.VPCPeeringFilterForm)
ExternalListView, ExternalView = register_kind_views(
    External, tables.ExternalTable, filtersets.ExternalFilterSet, forms.ExternalFilterForm)
ExternalAttachmentListView, ExternalAttachmentView = register_kind_views(
    ExternalAttachment, tables.ExternalAttachmentTable, filtersets.ExternalAttachmentFilterSet,
    forms.ExternalAttachmentFilterForm)
ExternalPeeringListView, ExternalPeeringView = register_kind_views(
    ExternalPeering, tables.ExternalPeeringTable, filtersets.ExternalPeeringFilterSet,
    forms.ExternalPeeringFilterForm)
