"""
The picture of a fabric: `layout` turns what the sync stored into tiers, positions and links with their state,
`svg` draws a layout. The fabric's Topology tab, its SVG download and the REST API all use both.
"""
from .layout import (
    FabricData,
    Topology,
    TopologyFilters,
    build_topology,
    link_url,
    load_fabric,
    node_url,
    parse_filters,
)
from .svg import render_svg

__all__ = ("FabricData", "Topology", "TopologyFilters", "build_topology", "link_url", "load_fabric", "node_url",
           "parse_filters", "render_svg")
