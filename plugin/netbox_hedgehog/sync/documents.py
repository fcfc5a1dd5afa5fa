"""
Hedgehog objects from YAML text, and the checks a set of them must pass before it is synced.

Django-free and shared by the sources and `netbox hedgehog_validate`: a `DocumentReader` turns the files of
one load into objects and problems within `Limits` (sizes, depth, nodes, documents, objects, time),
`object_problems` says what of one object cannot be stored, `check_duplicates` and `check_references` look at
the whole set, and `validate` applies them and the CRD schemas and says which objects are left.
"""
import re
from dataclasses import dataclass
from itertools import islice

import yaml

from ..connections import CONNECTION_TYPES, connection_ports, connection_type
from ..kinds import IGNORED_KINDS, KINDS_BY_NAME
from ..schemas import metadata_errors
from ..validators import GIT_FILE_MAX_LENGTH
from ..yamlio import YAMLLimitError, YAMLValueError, check_limits, json_data_error, load_checked
from .types import Problem, SettingLimits, SourceObject

__all__ = (
    "DEFAULT_NAMESPACE",
    "YAML_SUFFIXES",
    "DocumentReader",
    "Limits",
    "LoadLimitError",
    "check_duplicates",
    "check_references",
    "object_problems",
    "parse_documents",
    "validate",
)

DEFAULT_NAMESPACE = "default"
# The files of a repository or directory that are read as YAML.
YAML_SUFFIXES = (".yaml", ".yml")

# A "---" at column 0 always starts a document: YAML forbids it inside any scalar, so splitting
# on it is exact, and lets one broken document fail alone instead of hiding the ones after it.
_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$")
# Schema errors listed per object; the rest are counted.
ERRORS_PER_OBJECT = 10


@dataclass(frozen=True)
class Limits(SettingLimits):
    """How much YAML one load may read (README, "Security")."""

    max_file_size: int = 10 * 1024 * 1024  # bytes of one file; a larger one is reported, not read
    max_bytes: int = 64 * 1024 * 1024  # bytes of all files of one load
    max_documents: int = 10_000  # YAML documents in one file
    max_depth: int = 64  # nesting levels of one document
    max_document_nodes: int = 100_000  # nodes of one document, aliases expanded
    max_nodes: int = 10_000_000  # nodes of all documents of one load, aliases expanded
    max_objects: int = 100_000  # objects of one load

    SETTINGS = {
        "max_file_size": "git_max_file_size", "max_bytes": "git_max_bytes", "max_documents": "git_max_documents",
        "max_depth": "yaml_max_depth", "max_document_nodes": "yaml_max_document_nodes",
        "max_nodes": "git_max_nodes", "max_objects": "git_max_objects",
    }


class LoadLimitError(Exception):
    """A limit of the whole load was reached (bytes, nodes, objects, time): nothing of the load may be used."""


class DocumentReader:
    """
    Reads the YAML files of one load within `limits`, counting what the whole load has read. Limits of a file
    or a document make Problems for it; limits of the load (bytes, nodes, objects, and `deadline`, a
    types.Deadline) raise LoadLimitError, because a load cut short must never be synced as if it were whole.
    """

    def __init__(self, limits=None, deadline=None):
        self.limits = limits or Limits()
        self.deadline = deadline
        self.bytes = self.nodes = self.objects = 0

    def admit(self, file, size):
        """A Problem if `file` (of `size` bytes) is not to be read; LoadLimitError past the load's bytes.
        Callers admit a file before reading it."""
        if len(file) > GIT_FILE_MAX_LENGTH:
            return Problem(f"the path is longer than {GIT_FILE_MAX_LENGTH} characters; not read", file=file[:200])
        if size > self.limits.max_file_size:
            return Problem(f"file is {size} bytes, {self.limits.more_than('max_file_size', 'bytes')}; not read",
                           file=file)
        self.bytes += size
        if self.bytes > self.limits.max_bytes:
            raise LoadLimitError(f"the YAML files hold {self.limits.more_than('max_bytes', 'bytes')}")
        return None

    def read(self, text, file):
        """
        Parse one admitted multi-document YAML file into Hedgehog objects.

        Returns (objects, problems, ignored) where `ignored` counts objects of known Hedgehog kinds
        that are not synced (kind -> count). A broken document never stops the others from parsing.
        """
        objects, problems, ignored = [], [], {}
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                return objects, [Problem(f"not UTF-8 text: {exc}", file=file)], ignored
        documents = sum(1 for _ in islice(_DOCUMENT_START.finditer(text), self.limits.max_documents + 1))
        if documents > self.limits.max_documents:
            return objects, [Problem(f"file holds {self.limits.more_than('max_documents', 'YAML documents')}; "
                                     "not read", file=file)], ignored

        for document, (first_line, chunk) in enumerate(_split_documents(text), start=1):
            self._check_deadline()
            where = {"file": file, "document": document}
            try:
                self._count_nodes(check_limits(chunk, max_depth=self.limits.max_depth,
                                               max_nodes=self.limits.max_document_nodes))
                data = load_checked(chunk)
            except YAMLLimitError as exc:
                setting = {"max_depth": "max_depth", "max_nodes": "max_document_nodes"}.get(exc.limit)
                problems.append(Problem(f"{exc} (setting {self.limits.SETTINGS[setting]})" if setting else str(exc),
                                        **where))
                continue
            except YAMLValueError as exc:
                problems.append(Problem(f"{exc} (at or after line {first_line})", **where))
                continue
            except yaml.YAMLError as exc:
                problems.append(Problem(_yaml_error(exc, first_line), **where))
                continue
            if data is None:
                continue
            if not isinstance(data, dict):
                problems.append(Problem(f"document is {_a(data)}, not a mapping", **where))
                continue
            before = len(objects)
            kind = data.get("kind")
            if isinstance(kind, str) and kind.endswith("List") and "items" in data:
                items = data["items"] or []
                if not isinstance(items, list):
                    problems.append(Problem(f"{kind} 'items' is not a list", **where))
                    continue
                for position, item in enumerate(items, start=1):
                    _add_object(item, file, document, objects, problems, ignored, item=position)
            else:
                _add_object(data, file, document, objects, problems, ignored)
            self._count_objects(len(objects) - before)
        return objects, problems, ignored

    def _check_deadline(self):
        if self.deadline is not None and self.deadline.expired:
            raise LoadLimitError(f"reading the YAML took longer than {self.deadline.seconds:g} s "
                                 "(setting source_timeout)")

    def _count_nodes(self, count):
        self.nodes += count
        if self.nodes > self.limits.max_nodes:
            raise LoadLimitError(f"the YAML files expand to {self.limits.more_than('max_nodes', 'YAML nodes')}")

    def _count_objects(self, count):
        self.objects += count
        if self.objects > self.limits.max_objects:
            raise LoadLimitError(f"the YAML files hold {self.limits.more_than('max_objects', 'objects')}")


def parse_documents(text, file, *, limits=None):
    """One file on its own (see DocumentReader.read); a file over the size limit is a problem, not parsed."""
    reader = DocumentReader(limits)
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8"))
    refused = reader.admit(file, size)
    if refused:
        return [], [refused], {}
    return reader.read(text, file)


def _a(value):
    name = "null" if value is None else type(value).__name__
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _split_documents(text):
    """Yield (first line number, document text) for each YAML document in `text`, in one pass."""
    starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    line, counted_to = 1, 0
    for index, start in enumerate(starts):
        line += text.count("\n", counted_to, start)
        counted_to = start
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        chunk = text[start:end]
        # Comments before the first "---" are not a document of their own (as in PyYAML).
        if index == 0 and len(starts) > 1 and all(_COMMENT_OR_BLANK.match(line) for line in chunk.splitlines()):
            continue
        yield line, chunk


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
        problems.append(Problem(f"{prefix}object is {_a(data)}, not a mapping", **where))
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
    unstorable = object_problems(data)
    if unstorable:
        problems.extend(Problem(f"{prefix}{message}", **where) for message in unstorable)
        return
    objects.append(SourceObject(kind=kind, name=name, namespace=namespace, manifest=data,
                                location=f"{file}#{document}"))


def object_problems(manifest):
    """
    What of one object (a mapping) NetBox cannot store, whichever source it came from: a value that is not
    JSON data, metadata the API server would refuse or that does not fit its column, a spec or status that is
    not a mapping. Messages name the field.
    """
    not_json = json_data_error(manifest)
    if not_json:
        return [not_json]
    problems = []
    for part in ("spec", "status"):
        value = manifest.get(part)
        if value is not None and not isinstance(value, dict):
            problems.append(f"'{part}' is {_a(value)}, not a mapping")
    metadata = manifest.get("metadata")
    problems.extend(metadata_errors(metadata) if metadata is not None else ["'metadata' is missing"])
    return problems


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
    if not isinstance(vpc, str) or vpc not in index.vpc_subnets or not isinstance(subnets, list):
        return []
    return [f"{what} refers to subnet {subnet!r} of VPC {vpc!r}, which it does not have"
            for subnet in subnets if not isinstance(subnet, str) or subnet not in index.vpc_subnets[vpc]]


def _reference_problems(objects, invalid=()):
    index = _Index(objects, invalid)
    for obj in objects:
        for message in _references(obj, index):
            yield obj, _problem_for(obj, message)


def check_references(objects):
    """A Problem for each reference that does not resolve to an object of the right kind in `objects`."""
    return [problem for _, problem in _reference_problems(objects)]


def _schema_problems(obj, crd_schemas):
    errors = crd_schemas.errors(obj.manifest, status=False)
    problems = [_problem_for(obj, error) for error in errors[:ERRORS_PER_OBJECT]]
    if len(errors) > ERRORS_PER_OBJECT:
        problems.append(_problem_for(obj, f"... and {len(errors) - ERRORS_PER_OBJECT} more schema errors"))
    return problems


def validate(objects, crd_schemas=None):
    """
    (valid objects, problems) for a whole set: duplicates, then each object against its CRD (`crd_schemas`, a
    schemas.CrdSchemas, as the API server validates a create: without `status`), then references.

    An object that refers to an excluded object is excluded too, repeatedly until nothing
    changes, so what is left never refers to something that is not there.
    """
    problems, excluded = [], set()
    for obj, problem in _duplicates(objects):
        problems.append(problem)
        excluded.add(id(obj))
    valid = [obj for obj in objects if id(obj) not in excluded]
    invalid_keys = set()
    if crd_schemas is not None:
        for obj in valid:
            schema_problems = _schema_problems(obj, crd_schemas)
            if schema_problems:
                problems.extend(schema_problems)
                invalid_keys.add(obj.key)
        valid = [obj for obj in valid if obj.key not in invalid_keys]
    while True:
        new = list(_reference_problems(valid, invalid_keys))
        if not new:
            return valid, problems
        problems.extend(problem for _, problem in new)
        bad = {id(obj) for obj, _ in new}
        invalid_keys.update(obj.key for obj in valid if id(obj) in bad)
        valid = [obj for obj in valid if id(obj) not in bad]
