"""
Hedgehog objects from YAML text, and the checks a set of them must pass before it is synced.

Django-free and shared by the sources: `parse_documents` turns one file into objects and
problems, `check_duplicates` and `check_references` look at the whole set, `validate` applies
both and says which objects are left.
"""
import re

import yaml

from ..connections import CONNECTION_TYPES, connection_ports, connection_type
from ..kinds import IGNORED_KINDS, KINDS_BY_NAME
from .types import Problem, SourceObject

__all__ = (
    "DEFAULT_NAMESPACE",
    "check_duplicates",
    "check_references",
    "file_too_large",
    "parse_documents",
    "validate",
)

DEFAULT_NAMESPACE = "default"

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A "---" at column 0 always starts a document: YAML forbids it inside any scalar, so splitting
# on it is exact, and lets one broken document fail alone instead of hiding the ones after it.
_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$")


def file_too_large(file, size, max_size):
    """The Problem for a file over the size limit, or None. Callers check before reading the file."""
    if max_size is not None and size > max_size:
        return Problem(f"file is {size} bytes, larger than the limit of {max_size} bytes; not read", file=file)
    return None


def _split_documents(text):
    """Yield (first line number, document text) for each YAML document in `text`."""
    starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        chunk = text[start:end]
        # Comments before the first "---" are not a document of their own (as in PyYAML).
        if index == 0 and len(starts) > 1 and all(_COMMENT_OR_BLANK.match(line) for line in chunk.splitlines()):
            continue
        yield text.count("\n", 0, start) + 1, chunk


def parse_documents(text, file, *, max_size=None):
    """
    Parse a multi-document YAML file into Hedgehog objects.

    Returns (objects, problems, ignored) where `ignored` counts objects of known Hedgehog kinds
    that are not synced (kind -> count). A broken document never stops the others from parsing.
    """
    objects, problems, ignored = [], [], {}
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8"))
    too_large = file_too_large(file, size, max_size)
    if too_large:
        return objects, [too_large], ignored
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return objects, [Problem(f"not UTF-8 text: {exc}", file=file)], ignored

    for document, (first_line, chunk) in enumerate(_split_documents(text), start=1):
        try:
            data = yaml.load(chunk, Loader=_SafeLoader)
        except yaml.YAMLError as exc:
            problems.append(Problem(_yaml_error(exc, first_line), file=file, document=document))
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(Problem(f"document is a {type(data).__name__}, not a mapping", file=file,
                                    document=document))
            continue
        kind = data.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and "items" in data:
            items = data["items"] or []
            if not isinstance(items, list):
                problems.append(Problem(f"{kind} 'items' is not a list", file=file, document=document))
                continue
            for position, item in enumerate(items, start=1):
                _add_object(item, file, document, objects, problems, ignored, item=position)
        else:
            _add_object(data, file, document, objects, problems, ignored)
    return objects, problems, ignored


def _yaml_error(exc, first_line):
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    reason = " ".join(str(part) for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
    reason = reason or str(exc).splitlines()[0]
    if mark is not None:
        return f"malformed YAML at line {first_line + mark.line}, column {mark.column + 1}: {reason}"
    return f"malformed YAML: {reason}"


def _add_object(data, file, document, objects, problems, ignored, item=None):
    where = {"file": file, "document": document}
    prefix = f"item {item}: " if item is not None else ""
    if not isinstance(data, dict):
        problems.append(Problem(f"{prefix}object is a {type(data).__name__}, not a mapping", **where))
        return
    kind, api_version = data.get("kind"), data.get("apiVersion")
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    where["name"] = name if isinstance(name, str) else ""
    if not isinstance(kind, str) or not kind:
        problems.append(Problem(f"{prefix}no 'kind'", **where))
        return
    where["kind"] = kind

    if kind in IGNORED_KINDS and isinstance(api_version, str) and api_version.split("/")[0] == IGNORED_KINDS[kind]:
        ignored[kind] = ignored.get(kind, 0) + 1
        return
    known = KINDS_BY_NAME.get(kind)
    if known is None:
        problems.append(Problem(f"{prefix}unknown kind {kind!r} (apiVersion {api_version!r})", **where))
        return
    if api_version != known.api_version:
        problems.append(Problem(f"{prefix}apiVersion is {api_version!r}, {kind} must be {known.api_version!r}",
                                **where))
        return
    if not isinstance(metadata, dict):
        problems.append(Problem(f"{prefix}no 'metadata'", **where))
        return
    if not isinstance(name, str) or not name:
        problems.append(Problem(f"{prefix}'metadata.name' is missing or not a string", **where))
        return
    namespace = metadata.get("namespace")
    if namespace in (None, ""):
        namespace = DEFAULT_NAMESPACE
    if namespace != DEFAULT_NAMESPACE:
        problems.append(Problem(f"{prefix}namespace is {namespace!r}: Hedgehog only accepts namespace "
                                f"{DEFAULT_NAMESPACE!r}", **where))
        return
    spec = data.get("spec")
    if spec is not None and not isinstance(spec, dict):
        problems.append(Problem(f"{prefix}'spec' is a {type(spec).__name__}, not a mapping", **where))
        return
    objects.append(SourceObject(kind=kind, name=name, namespace=namespace, manifest=data,
                                location=f"{file}#{document}"))


def _problem_for(obj, message):
    file, _, document = obj.location.rpartition("#")
    if file and document.isdigit():
        return Problem(message, file=file, document=int(document), kind=obj.kind, name=obj.name)
    return Problem(message, kind=obj.kind, name=obj.name)


def _duplicates(objects):
    """(later copy, Problem) for every object whose key was already seen."""
    first_seen = {}
    for obj in objects:
        first = first_seen.setdefault(obj.key, obj)
        if first is not obj:
            yield obj, _problem_for(obj, f"duplicate {obj.kind} {obj.name!r} (namespace {obj.namespace}): "
                                         f"at {obj.location}, first defined at {first.location}")


def check_duplicates(objects):
    """A Problem for each later copy of the same (kind, namespace, name)."""
    return [problem for _, problem in _duplicates(objects)]


class _Index:
    """Names of the objects in a set, by kind; `invalid` holds keys of objects excluded earlier."""

    def __init__(self, objects, invalid=()):
        self.names = {}
        self.vpc_subnets = {}
        self.invalid = set(invalid)
        for obj in objects:
            self.names.setdefault(obj.kind, set()).add(obj.name)
            if obj.kind == "VPC":
                subnets = (obj.manifest.get("spec") or {}).get("subnets")
                self.vpc_subnets[obj.name] = set(subnets) if isinstance(subnets, dict) else set()

    def missing(self, kinds, name):
        """Why `name` does not resolve to an object of one of `kinds`, or "" when it does."""
        if any(name in self.names.get(kind, ()) for kind in kinds):
            return ""
        label = " or ".join(kinds)
        if any((kind, DEFAULT_NAMESPACE, name) in self.invalid for kind in kinds):
            return f"{label} {name!r} is invalid"
        return f"no {label} {name!r}"


def _named_list(value, what):
    """(item, label) pairs of a list field; a non-list is reported through a None item."""
    if value is None:
        return []
    if not isinstance(value, list):
        return [(None, f"{what} (not a list)")]
    return [(item, f"{what}[{position}]") for position, item in enumerate(value)]


def _references(obj, index):
    """A message for each reference of `obj` that does not resolve in `index`."""
    spec = obj.manifest.get("spec") or {}

    def check(kinds, name, what):
        if not isinstance(name, str) or not name:
            return f"{what} is missing or not a string"
        reason = index.missing(kinds, name)
        return f"{what} refers to {name!r}: {reason}" if reason else ""

    found = []
    # A Switch's or Server's `spec.profile` is not checked: profiles usually live in the cluster (the fabric
    # controller keeps the switch profiles), not in the user's Git repository.
    if obj.kind == "Switch":
        redundancy = spec.get("redundancy")
        if isinstance(redundancy, dict) and redundancy.get("group"):
            found.append(check(("SwitchGroup",), redundancy["group"], "spec.redundancy.group"))
        for group, what in _named_list(spec.get("groups"), "spec.groups"):
            found.append(check(("SwitchGroup",), group, what))
        for namespace, what in _named_list(spec.get("vlanNamespaces"), "spec.vlanNamespaces"):
            found.append(check(("VLANNamespace",), namespace, what))
    elif obj.kind == "Connection":
        conn_type = connection_type(spec)
        if not conn_type:
            found.append(f"no connection type: spec needs one of {', '.join(CONNECTION_TYPES)}")
        else:
            for role, port in connection_ports(spec[conn_type]):
                device, slash, _ = port.partition("/")
                if not slash or not device:
                    found.append(f"port {port!r} is not in the form device/port")
                    continue
                kinds = ("Gateway",) if conn_type == "gateway" and role == "gateway" else ("Switch", "Server")
                found.append(check(kinds, device, f"port {port!r}"))
            within_vpc = spec[conn_type].get("withinVPC") if isinstance(spec[conn_type], dict) else None
            if conn_type == "staticExternal" and within_vpc:
                found.append(check(("VPC",), within_vpc, "spec.staticExternal.withinVPC"))
    elif obj.kind == "Gateway":
        for entry, what in _named_list(spec.get("groups"), "spec.groups"):
            if not isinstance(entry, dict):
                found.append(f"{what} is not a mapping")
                continue
            found.append(check(("GatewayGroup",), entry.get("name"), f"{what}.name"))
    elif obj.kind == "VPCAttachment":
        found.append(check(("Connection",), spec.get("connection"), "spec.connection"))
        found.append(_subnet_reference(spec.get("subnet"), index))
    elif obj.kind == "VPCPeering":
        for entry, what in _named_list(spec.get("permit"), "spec.permit"):
            if not isinstance(entry, dict):
                found.append(f"{what} is not a mapping")
                continue
            for vpc, rules in entry.items():
                found.append(check(("VPC",), vpc, what))
                subnets = rules.get("subnets") if isinstance(rules, dict) else None
                found.extend(_vpc_subnets(vpc, subnets, what, index))
        if spec.get("remote"):
            found.append(check(("SwitchGroup",), spec["remote"], "spec.remote"))
    elif obj.kind == "ExternalAttachment":
        found.append(check(("External",), spec.get("external"), "spec.external"))
        found.append(check(("Connection",), spec.get("connection"), "spec.connection"))
    elif obj.kind == "ExternalPeering":
        permit = spec.get("permit") if isinstance(spec.get("permit"), dict) else {}
        vpc = permit.get("vpc") if isinstance(permit.get("vpc"), dict) else {}
        external = permit.get("external") if isinstance(permit.get("external"), dict) else {}
        found.append(check(("VPC",), vpc.get("name"), "spec.permit.vpc.name"))
        found.extend(_vpc_subnets(vpc.get("name"), vpc.get("subnets"), "spec.permit.vpc", index))
        found.append(check(("External",), external.get("name"), "spec.permit.external.name"))
    if obj.kind in ("VPC", "External"):
        if spec.get("ipv4Namespace"):
            found.append(check(("IPv4Namespace",), spec["ipv4Namespace"], "spec.ipv4Namespace"))
        if spec.get("vlanNamespace"):
            found.append(check(("VLANNamespace",), spec["vlanNamespace"], "spec.vlanNamespace"))
    return [message for message in found if message]


def _subnet_reference(value, index):
    if not isinstance(value, str) or value.count("/") != 1:
        return f"spec.subnet {value!r} is not in the form vpc/subnet"
    vpc, subnet = value.split("/")
    reason = index.missing(("VPC",), vpc)
    if reason:
        return f"spec.subnet refers to {value!r}: {reason}"
    if subnet not in index.vpc_subnets.get(vpc, ()):
        return f"spec.subnet refers to {value!r}: VPC {vpc!r} has no subnet {subnet!r}"
    return ""


def _vpc_subnets(vpc, subnets, what, index):
    """Messages for subnets of `vpc` named in a permit that the VPC does not have."""
    if vpc not in index.vpc_subnets or not isinstance(subnets, list):
        return []
    return [f"{what} refers to subnet {subnet!r} of VPC {vpc!r}, which it does not have"
            for subnet in subnets if subnet not in index.vpc_subnets[vpc]]


def _reference_problems(objects, invalid=()):
    index = _Index(objects, invalid)
    for obj in objects:
        for message in _references(obj, index):
            yield obj, _problem_for(obj, message)


def check_references(objects):
    """A Problem for each reference that does not resolve to an object of the right kind in `objects`."""
    return [problem for _, problem in _reference_problems(objects)]


def validate(objects):
    """
    (valid objects, problems) for a whole set: duplicates, then references.

    An object that refers to an excluded object is excluded too, repeatedly until nothing
    changes, so what is left never refers to something that is not there.
    """
    problems, excluded = [], set()
    for obj, problem in _duplicates(objects):
        problems.append(problem)
        excluded.add(id(obj))
    valid = [obj for obj in objects if id(obj) not in excluded]
    invalid_keys = set()
    while True:
        new = list(_reference_problems(valid, invalid_keys))
        if not new:
            return valid, problems
        problems.extend(problem for _, problem in new)
        bad = {id(obj) for obj, _ in new}
        invalid_keys.update(obj.key for obj in valid if id(obj) in bad)
        valid = [obj for obj in valid if id(obj) not in bad]
