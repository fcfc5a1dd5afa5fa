"""
Loading YAML that a stranger wrote, within limits, into data that JSON (and PostgreSQL) can hold.

Before a document is built into Python objects, its parser events are walked once (`check_limits`): nesting
deeper than `max_depth` (which would exhaust the stack of the YAML C extension and kill the process), a
document that, with every alias expanded, would hold more than `max_nodes` nodes ("billion laughs": a few
hundred bytes that expand into millions of strings), and an alias inside the node it names (a structure that
contains itself, which nothing downstream could walk) are refused with a YAMLLimitError saying which limit and
where. The walk costs the same per event whatever the aliases do, so it is linear in the size of the text.

YAML also holds values JSON cannot: timestamps, binary data, sets, keys that are not strings, NaN, integers
past 64 bits, NUL characters (which PostgreSQL refuses). `json_data_error` names the first one of a value,
whether it came from YAML or from a JSON answer.
"""
import math
import re
from datetime import date, datetime

import yaml

__all__ = ("SafeLoader", "YAMLLimitError", "YAMLValueError", "check_limits", "json_data_error", "load_checked",
           "load_limited", "storable_text")

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_INT64 = (-(2**63), 2**63 - 1)
# NUL is refused by PostgreSQL in text and jsonb; a lone surrogate cannot be encoded as UTF-8 at all.
_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class YAMLLimitError(ValueError):
    """A document over a limit: the message says which, and the line it was reached at; `limit` is the name of
    the keyword argument of check_limits() it exceeded ("" for a document that would contain itself)."""

    def __init__(self, message, limit=""):
        super().__init__(message)
        self.limit = limit


class YAMLValueError(ValueError):
    """A document whose text parses but holds a value YAML cannot build (e.g. the 31st of February)."""


def _line(event):
    return event.start_mark.line + 1 if event.start_mark is not None else "?"


def check_limits(text, *, max_depth, max_nodes):
    """
    Raise YAMLLimitError if a document of `text` nests deeper than `max_depth`, expands past `max_nodes` nodes
    or holds an alias to a node that contains the alias. Returns the number of nodes `text` expands to.
    """
    sizes = {}  # anchor -> expanded node count of the anchored node
    open_nodes = []  # (anchor, node count of the document when the collection opened) per open collection
    open_anchors = {}  # anchor -> how many open collections carry it
    total = finished = 0

    def count(n, event):
        nonlocal total
        total += n
        if total > max_nodes:
            raise YAMLLimitError(f"the document expands to more than {max_nodes} YAML nodes (at line "
                                 f"{_line(event)}); aliases that repeat large parts are the usual cause", "max_nodes")

    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            count(1, event)
        elif isinstance(event, yaml.AliasEvent):
            if open_anchors.get(event.anchor):
                raise YAMLLimitError(f"the alias *{event.anchor} at line {_line(event)} is inside the node it "
                                     "names, so the document would contain itself")
            count(sizes.get(event.anchor, 1), event)
        elif isinstance(event, _OPEN):
            if len(open_nodes) >= max_depth:
                raise YAMLLimitError(f"the document nests deeper than {max_depth} levels (at line {_line(event)})",
                                     "max_depth")
            open_nodes.append((event.anchor, total))
            if event.anchor:
                open_anchors[event.anchor] = open_anchors.get(event.anchor, 0) + 1
            count(1, event)
        elif isinstance(event, _CLOSE):
            anchor, start = open_nodes.pop()
            if anchor:
                sizes[anchor] = total - start
                open_anchors[anchor] -= 1
        elif isinstance(event, yaml.DocumentStartEvent):
            finished += total
            sizes.clear()
            total = 0
    return finished + total


def load_checked(text):
    """The one YAML document of `text`, which check_limits() passed; yaml.YAMLError or YAMLValueError."""
    try:
        return yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError:
        raise
    except (ValueError, OverflowError) as exc:
        # datetime() of a date that does not exist, int() of a number of thousands of digits, ...
        reason = "an integer has thousands of digits" if "integer string conversion" in str(exc) else str(exc)[:200]
        raise YAMLValueError(f"a value cannot be read: {reason}") from None


def load_limited(text, *, max_depth, max_nodes):
    """One YAML document, after check_limits(); yaml.YAMLError for malformed text."""
    check_limits(text, max_depth=max_depth, max_nodes=max_nodes)
    return load_checked(text)


def _describe(value):
    if isinstance(value, datetime):
        return "a timestamp (YAML reads an unquoted date and time as one; quote it to keep it text)"
    if isinstance(value, date):
        return "a date (YAML reads an unquoted date as one; quote it to keep it text)"
    if isinstance(value, bytes):
        return "binary data (!!binary)"
    if isinstance(value, set):
        return "a set (!!set)"
    if isinstance(value, tuple):
        return "a pair (!!omap or !!pairs)"
    if isinstance(value, bool):
        return f"the boolean {value} (YAML reads unquoted yes/no/on/off as booleans; quote it)"
    if isinstance(value, int):
        return "an integer (quote it)"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def _show(value):
    text = value.isoformat() if isinstance(value, date) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def storable_text(text):
    """`text` with what PostgreSQL cannot store escaped: for messages that quote input (names, kinds, paths)."""
    if _UNSTORABLE_CHARACTER.search(text) is None:
        return text
    return _UNSTORABLE_CHARACTER.sub(lambda match: repr(match.group())[1:-1], text)


def _string_error(text):
    match = _UNSTORABLE_CHARACTER.search(text)
    if match is None:
        return None
    return "holds a NUL character" if match.group() == "\x00" else "holds a lone UTF-16 surrogate"


def json_data_error(value, path=""):
    """
    Why `value` is not plain JSON data that PostgreSQL can store, as "path: reason", or None when it is.
    Plain JSON data is dicts with string keys, lists, strings, booleans, null, 64-bit integers and finite
    numbers; strings hold no NUL and no lone surrogate.
    """
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        here = where or "<root>"
        if isinstance(item, dict):
            children = []
            for key, child in item.items():
                if not isinstance(key, str):
                    return f"{here}: the key {_show(key)} is {_describe(key)}, not a string"
                problem = _string_error(key)
                if problem:
                    return f"{here}: the key {_show(key)} {problem}"
                children.append((child, f"{where}.{key}" if where else key))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([(child, f"{here}[{index}]") for index, child in enumerate(item)]))
        elif isinstance(item, str):
            problem = _string_error(item)
            if problem:
                return f"{here}: the text {_show(item)} {problem}"
        elif item is None or isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not _INT64[0] <= item <= _INT64[1]:
                return f"{here}: the integer {_show(item)} does not fit in 64 bits"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{here}: {item} is not a finite number"
        else:
            return f"{here}: {_describe(item)} is not a JSON value"
    return None
