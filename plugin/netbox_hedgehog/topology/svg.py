"""
A Topology drawn as SVG, by string building. Every name is escaped: names come from YAML anyone may have written.

Colours are NetBox's CSS variables, so the picture inside the page follows its light or dark theme; each has a
fallback for the downloaded file, which has no NetBox CSS. Hover text is SVG <title>s; every node and link is a
link to its page.
"""
from html import escape

from .layout import (
    LINK_DOWN,
    MARGIN,
    NODE_EXTERNAL,
    NODE_GATEWAY,
    NODE_SERVER,
    NODE_SWITCH,
    NODE_UPLINK,
    SHAPE_ARC,
    SHAPE_LOOP,
    STATE_BEHIND,
    STATE_DEAD,
    STATE_OK,
)

__all__ = ("render_svg",)

# Width of one character at the label sizes, for cutting names to their box (wider names end in "…").
CHAR_W, SMALL_CHAR_W = 6.8, 5.6

STYLE = """
.hh-topology { font-family: var(--tblr-font-sans-serif, system-ui, sans-serif); font-size: 12px; }
.hh-topology text { fill: var(--tblr-body-color, #1f2937); }
.hh-topology .hh-bg { fill: var(--tblr-bg-surface, #ffffff); }
.hh-topology .hh-sub, .hh-topology .hh-group text { font-size: 10px; fill: var(--tblr-secondary, #6b7280); }
.hh-topology .hh-group text { paint-order: stroke; stroke: var(--tblr-bg-surface, #ffffff); stroke-width: 3px; }
.hh-topology .hh-box { fill: var(--tblr-bg-surface, #ffffff); stroke: var(--tblr-secondary, #6b7280);
  stroke-width: 1.5; }
.hh-topology .hh-external .hh-box, .hh-topology .hh-uplink .hh-box, .hh-topology .hh-gateway .hh-box {
  stroke-dasharray: 5 3; }
.hh-topology .hh-state-ok .hh-box { stroke: var(--tblr-success, #2fb344); }
.hh-topology .hh-hl .hh-box { stroke: var(--tblr-primary, #00857d); stroke-width: 3;
  fill: var(--tblr-primary-bg-subtle, #cce6e5); }
.hh-topology .hh-state-behind .hh-box { stroke: var(--tblr-warning, #f59f00); stroke-width: 3;
  fill: var(--tblr-warning-bg-subtle, #fdebcc); }
.hh-topology .hh-state-dead .hh-box { stroke: var(--tblr-danger, #d63939); stroke-width: 3;
  fill: var(--tblr-danger-bg-subtle, #f7d7d7); }
.hh-topology .hh-drift-mark { fill: none; stroke: var(--tblr-purple, #ae3ec9); stroke-width: 2;
  stroke-dasharray: 4 2; }
.hh-topology .hh-group rect { fill: none; stroke: var(--tblr-secondary, #6b7280); stroke-opacity: .45;
  stroke-dasharray: 2 3; }
.hh-topology .hh-line { fill: none; stroke: var(--tblr-secondary, #6b7280); stroke-width: 1.5; }
.hh-topology .hh-multi .hh-line { stroke-width: 3; }
.hh-topology .hh-hl .hh-line { stroke: var(--tblr-primary, #00857d); stroke-width: 3; }
.hh-topology .hh-down .hh-line { stroke: var(--tblr-danger, #d63939); stroke-width: 3.5; }
.hh-topology .hh-drift .hh-line { stroke: var(--tblr-purple, #ae3ec9); stroke-dasharray: 7 3; }
.hh-topology .hh-down.hh-drift .hh-line { stroke: var(--tblr-danger, #d63939); }
.hh-topology .hh-hit { fill: none; stroke: transparent; stroke-width: 10; }
.hh-topology .hh-link:hover .hh-line { stroke-width: 5; }
.hh-topology .hh-node:hover .hh-box { stroke-width: 3; }
.hh-topology .hh-lag { fill: none; stroke: var(--tblr-body-color, #1f2937); stroke-width: 1.2;
  pointer-events: none; }
.hh-topology .hh-dim { opacity: .25; }
.hh-topology a:hover text { text-decoration: underline; }
"""


def _text(value):
    return escape(str(value), quote=False)


def _attr(value):
    return escape(str(value), quote=True)


def _fit(text, width, char_width=CHAR_W):
    """`text` cut to what fits in `width` pixels."""
    room = max(int(width / char_width), 2)
    return text if len(text) <= room else text[:room - 1] + "…"


def _classes(*names):
    return " ".join(name for name in names if name)


def _linked(url, body):
    return f'<a href="{_attr(url)}">{body}</a>' if url else body


def _title(lines):
    return f"<title>{_text(chr(10).join(lines))}</title>"


def _path(link):
    points = link.points
    if link.shape == SHAPE_ARC:
        (x1, y1), (cx, cy), (x2, y2) = points
        return f"M{x1} {y1}Q{cx} {cy} {x2} {y2}"
    if link.shape == SHAPE_LOOP:
        (x1, y1), (ax, ay), (bx, by), (x2, y2) = points
        return f"M{x1} {y1}C{ax} {ay} {bx} {by} {x2} {y2}"
    (x1, y1), (x2, y2) = points
    return f"M{x1} {y1}L{x2} {y2}"


def _link(link):
    classes = _classes("hh-link", f"hh-{link.state}", "hh-multi" if len(link.cables) > 1 else "",
                       "hh-drift" if link.drift else "", "hh-hl" if link.highlighted else "",
                       "hh-dim" if link.dimmed else "")
    d = _path(link)
    body = f'{_title([*link.details, *link.problems])}<path class="hh-hit" d="{d}"/><path class="hh-line" d="{d}"/>'
    return (f'<g class="{classes}" data-link="{_attr(link.id)}" data-connection="{_attr(link.connection)}" '
            f'data-type="{_attr(link.connection_type)}" data-state="{link.state}">{_linked(link.url, body)}</g>')


_SUBTITLES = {NODE_EXTERNAL: "external", NODE_GATEWAY: "gateway", NODE_UPLINK: "external link"}


def _node(node):
    classes = _classes("hh-node", f"hh-{node.kind}", f"hh-state-{node.state}" if node.state else "",
                       "hh-drift" if node.drift else "", "hh-hl" if node.highlighted else "",
                       "hh-dim" if node.dimmed else "")
    x, y, w, h = node.x, node.y, node.width, node.height
    parts = [_title([node.name, *node.details, *node.problems]),
             f'<rect class="hh-box" x="{x}" y="{y}" width="{w}" height="{h}" rx="4"/>']
    if node.drift:
        parts.append(f'<rect class="hh-drift-mark" x="{x - 4}" y="{y - 4}" width="{w + 8}" height="{h + 8}" rx="6"/>')
    if node.kind == NODE_SERVER:
        cx, top = x + w / 2, y + 6
        parts.append(f'<text x="{cx:g}" y="{top}" transform="rotate(90 {cx:g} {top})" dominant-baseline="central">'
                     f'{_text(_fit(node.name, h - 12, SMALL_CHAR_W))}</text>')
    else:
        if node.kind == NODE_SWITCH:
            subtitle = " · ".join(part for part in (node.role, "" if node.asn is None else f"AS{node.asn}") if part)
        else:
            subtitle = _SUBTITLES.get(node.kind, node.kind)
        parts.append(f'<text x="{x + 8}" y="{y + 16}">{_text(_fit(node.name, w - 14))}</text>')
        parts.append(f'<text class="hh-sub" x="{x + 8}" y="{y + h - 9}">{_text(_fit(subtitle, w - 14, SMALL_CHAR_W))}'
                     f'</text>')
    return (f'<g class="{classes}" data-node="{_attr(node.id)}" data-kind="{node.kind}" '
            f'data-state="{_attr(node.state)}">{_linked(node.url, "".join(parts))}</g>')


def _group(group):
    label = f"{group.name} ({group.type})" if group.type else group.name
    body = (f'{_title([f"switch group {label}", "members: " + ", ".join(group.members)])}'
            f'<rect x="{group.x}" y="{group.y}" width="{group.width}" height="{group.height}" rx="6"/>'
            f'<text x="{group.x + 6}" y="{group.y + 12}">{_text(_fit(label, group.width - 12, SMALL_CHAR_W))}</text>')
    return (f'<g class="{_classes("hh-group", "hh-dim" if group.dimmed else "")}" data-group="{_attr(group.name)}">'
            f'{_linked(group.url, body)}</g>')


def _lag(lag):
    classes = _classes("hh-lag", "hh-dim" if lag.dimmed else "")
    return (f'<ellipse class="{classes}" data-lag="{_attr(lag.connection)}" cx="{lag.cx}" cy="{lag.cy}" '
            f'rx="{lag.rx}" ry="{lag.ry}"/>')


_LEGEND = (
    ("node", f"hh-state-{STATE_OK}", "agent alive"),
    ("node", f"hh-state-{STATE_DEAD}", "agent not alive"),
    ("node", f"hh-state-{STATE_BEHIND}", "agent behind"),
    ("link", f"hh-{LINK_DOWN}", "port down"),
    ("link", "hh-drift", "drift"),
    ("lag", "", "LAG (bundle, MCLAG, ESLAG)"),
)


def _legend(topology):
    y = topology.height - MARGIN
    x = MARGIN
    items = [*_LEGEND, ("node", "hh-hl", "in the VPC")] if topology.filters.vpcs else _LEGEND
    parts = ['<g class="hh-legend">']
    for kind, css, label in items:
        if kind == "node":
            parts.append(f'<g class="hh-node {css}"><rect class="hh-box" x="{x}" y="{y - 10}" width="18" height="12" '
                         f'rx="2"/></g>')
        elif kind == "link":
            parts.append(f'<g class="hh-link {css}"><path class="hh-line" d="M{x} {y - 4}h18"/></g>')
        else:
            parts.append(f'<path class="hh-line" d="M{x + 4} {y - 10}v12M{x + 14} {y - 10}v12"/>'
                         f'<ellipse class="hh-lag" cx="{x + 9}" cy="{y - 4}" rx="9" ry="3"/>')
        parts.append(f'<text class="hh-sub" x="{x + 24}" y="{y}">{_text(label)}</text>')
        x += 24 + round(len(label) * SMALL_CHAR_W) + 18
    parts.append("</g>")
    return "".join(parts)


def render_svg(topology, *, standalone=False):
    """
    The picture of `topology`. Inline in a page by default; `standalone` makes a file of its own (XML
    declaration, a title, a background).
    """
    w, h = topology.width, topology.height
    label = f"Topology of fabric {topology.fabric_name}"
    parts = []
    if standalone:
        parts.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    parts.append(f'<svg xmlns="http://www.w3.org/2000/svg" class="hh-topology" viewBox="0 0 {w} {h}" width="{w}" '
                 f'height="{h}" style="--hh-width: {w}px" role="img" aria-label="{_attr(label)}" '
                 f'data-fabric="{topology.fabric_id}">')
    if standalone:
        parts.append(f"<title>{_text(label)}</title>")
    parts.append(f"<style>{STYLE}</style>")
    if standalone:
        parts.append(f'<rect class="hh-bg" width="{w}" height="{h}"/>')
    if not topology.nodes:
        reason = "nothing matches the filters" if topology.filters.active else \
            "no switches, servers or externals (has the fabric synced?)"
        parts.append(f'<text x="{MARGIN}" y="{MARGIN + 20}">Nothing to draw: {_text(reason)}</text>')
    parts += [_link(link) for link in topology.links]
    parts += [_group(group) for group in topology.groups]  # over the links: its label stays readable
    parts += [_lag(lag) for lag in topology.lags]
    parts += [_node(node) for node in topology.nodes]
    parts.append(_legend(topology))
    parts.append("</svg>")
    return "".join(parts)
