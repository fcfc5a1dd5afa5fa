"""
Loading YAML that a stranger wrote, within limits.

Before a document is built into Python objects, its parser events are walked once: nesting deeper than
`max_depth` (which would exhaust the stack of the YAML C extension and kill the process) and a document that,
with every alias expanded, would hold more than `max_nodes` nodes ("billion laughs": a few hundred bytes
that expand into millions of strings) are refused with a YAMLLimitError saying which limit and where. The
walk is linear in the size of the text, whatever the aliases do.
"""
import yaml

__all__ = ("SafeLoader", "YAMLLimitError", "check_limits", "load_limited")

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class YAMLLimitError(ValueError):
    """A document over a limit: the message says which, and the line it was reached at."""


def _line(event):
    return event.start_mark.line + 1 if event.start_mark is not None else "?"


def check_limits(text, *, max_depth, max_nodes):
    """Raise YAMLLimitError if a document of `text` nests deeper than `max_depth` or expands past `max_nodes`."""
    sizes = {}  # anchor -> expanded node count of the anchored node
    open_nodes = []  # [anchor, expanded count so far] per collection being read
    total = 0

    def count(n, event):
        nonlocal total
        total += n
        for node in open_nodes:
            node[1] += n
        if total > max_nodes:
            raise YAMLLimitError(f"the document expands to more than {max_nodes} YAML nodes (at line "
                                 f"{_line(event)}); aliases that repeat large parts are the usual cause")

    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.DocumentStartEvent):
            sizes.clear()
            total = 0
        elif isinstance(event, _OPEN):
            if len(open_nodes) >= max_depth:
                raise YAMLLimitError(f"the document nests deeper than {max_depth} levels (at line {_line(event)})")
            count(1, event)
            open_nodes.append([event.anchor, 1])
        elif isinstance(event, _CLOSE):
            anchor, size = open_nodes.pop()
            if anchor:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            count(1, event)
        elif isinstance(event, yaml.AliasEvent):
            count(sizes.get(event.anchor, 1), event)


def load_limited(text, *, max_depth, max_nodes):
    """One YAML document, after check_limits(); yaml.YAMLError for malformed text."""
    check_limits(text, max_depth=max_depth, max_nodes=max_nodes)
    return yaml.load(text, Loader=SafeLoader)
