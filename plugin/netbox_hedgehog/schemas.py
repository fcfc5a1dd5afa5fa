"""
The Hedgehog CRDs shipped with the plugin (`crds/`, package data) and a validator that checks an object
against its CRD's OpenAPI schema the way the Kubernetes API server does with strict field validation.

Database-free: the kinds table's tests, the generator's tests and the sources all use it.
"""
import copy
import re
from datetime import datetime
from functools import cache
from pathlib import Path

import yaml

__all__ = ("CRD_DIR", "NAMESPACE_MAX_LENGTH", "NAME_MAX_LENGTH", "RESOURCE_VERSION_MAX_LENGTH", "UID_MAX_LENGTH",
           "CrdSchemas", "crd_validator", "load_crd_manifests", "load_crd_schemas", "metadata_errors", "served_schema",
           "validate_against_crd")

CRD_DIR = Path(__file__).resolve().parent / "crds"

# Kubernetes' own limits on object metadata; the models' columns are exactly this wide.
NAME_MAX_LENGTH = 253  # a DNS subdomain
NAMESPACE_MAX_LENGTH = 63  # a DNS label
UID_MAX_LENGTH = 36  # a UUID
RESOURCE_VERSION_MAX_LENGTH = 64  # opaque, in practice etcd's 64-bit revision

_STRING_MAP = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
# What the plugin stores from an object's metadata, checked the way the API server checks it. The rest of
# metadata (managedFields, ownerReferences, ...) is the API server's business and is not stored.
_METADATA_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "maxLength": NAME_MAX_LENGTH,
                 "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"},
        "namespace": {"type": ["string", "null"], "maxLength": NAMESPACE_MAX_LENGTH,
                      "pattern": r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "uid": {"type": "string", "maxLength": UID_MAX_LENGTH},
        "resourceVersion": {"type": "string", "maxLength": RESOURCE_VERSION_MAX_LENGTH},
        "generation": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
    },
}
# Longest quote of an offending value in a message, and longest message.
_QUOTE_LENGTH = 60
_MESSAGE_LENGTH = 300

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@cache
def load_crd_manifests():
    """Every CustomResourceDefinition manifest shipped in crds/, keyed by kind."""
    manifests = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        manifests[crd["spec"]["names"]["kind"]] = crd
    return manifests


def served_schema(crd, version=None):
    """(apiVersion, openAPIV3Schema) of the version a CRD manifest serves (`version`, or its only one)."""
    served = [v for v in crd["spec"]["versions"] if v.get("served") and version in (None, v.get("name"))]
    if len(served) != 1:
        raise ValueError(f"serves {'no' if not served else 'more than one'} version"
                         + (f" {version!r}" if version else ""))
    (chosen,) = served
    return f"{crd['spec']['group']}/{chosen['name']}", chosen["schema"]["openAPIV3Schema"]


@cache
def load_crd_schemas():
    """{kind: (apiVersion, openAPIV3Schema)} for the served version of every shipped CRD."""
    return {kind: served_schema(crd) for kind, crd in load_crd_manifests().items()}


def _always_empty_object(schema):
    """Whether {} satisfies `schema`: an object that requires nothing."""
    return (isinstance(schema, dict) and schema.get("type") == "object" and not schema.get("required")
            and not schema.get("minProperties"))


def _to_json_schema(schema):
    """
    Kubernetes structural OpenAPI v3 -> plain JSON Schema.

    `nullable` allows null, `x-kubernetes-int-or-string` allows either, and objects with declared
    properties reject unknown fields (strict field validation), unless
    `x-kubernetes-preserve-unknown-fields` says otherwise. Other x-kubernetes-* keys only matter to the
    API server's merge logic and are dropped.

    A required property that may be the empty object is not required here: Hedgehog's admission webhooks
    decode every object into its Go type and encode it again before the API server validates it, and a Go
    struct field without `omitempty` (which is what makes controller-gen mark it required) is then written as
    {}. So a file may leave such a field out (the static ExternalAttachment's `switch` and `neighbor` do)
    and the cluster stores it as {}.
    """
    if not isinstance(schema, dict):
        return schema
    converted = {}
    for key, value in schema.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key == "properties":
            converted[key] = {name: _to_json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            converted[key] = _to_json_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            converted[key] = [_to_json_schema(sub) for sub in value]
        elif key == "required" and isinstance(value, list):
            properties = schema.get("properties") or {}
            converted[key] = [name for name in value if not _always_empty_object(properties.get(name))]
        else:
            converted[key] = copy.deepcopy(value)
    if schema.get("x-kubernetes-int-or-string"):
        converted["type"] = ["integer", "string"]
    if schema.get("nullable") and "type" in converted:
        types = converted["type"] if isinstance(converted["type"], list) else [converted["type"]]
        converted["type"] = [*types, "null"]
    preserve_unknown = schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in converted and "additionalProperties" not in converted and not preserve_unknown:
        converted["additionalProperties"] = False
    return converted


def _format_checker():
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())

    for name, (low, high) in _INT_RANGES.items():

        @checker.checks(name)
        def in_range(value, low=low, high=high):
            return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high

    @checker.checks("date-time", raises=ValueError)
    def is_rfc3339(value):
        if not isinstance(value, str):
            return True
        if not _RFC3339.match(value):
            raise ValueError(f"{value!r} is not an RFC 3339 date-time")
        datetime.fromisoformat(value.replace("z", "Z"))
        return True

    # int-or-string and friends carry no constraint beyond the type.
    return checker


def crd_validator(openapi_schema, *, check=False):
    """
    A jsonschema validator for whole objects of the kind `openapi_schema` (a CRD's openAPIV3Schema) describes.
    With check=True a schema jsonschema cannot use raises ValueError (for schemas a cluster served).
    """
    import jsonschema

    json_schema = _to_json_schema(openapi_schema)
    if not isinstance(json_schema, dict):
        raise ValueError("the schema is not an object")
    json_schema["required"] = sorted({*json_schema.get("required", ()), "apiVersion", "kind", "metadata"})
    json_schema.setdefault("properties", {})["metadata"] = _METADATA_SCHEMA
    if check:
        try:
            jsonschema.Draft7Validator.check_schema(json_schema)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"the schema is not valid: {exc.message[:_MESSAGE_LENGTH]}") from None
    return jsonschema.Draft7Validator(json_schema, format_checker=_format_checker())


def _messages(validator, obj):
    errors = []
    for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(part) for part in error.absolute_path) or "<root>"
        message = error.message
        quoted = repr(error.instance)
        if len(quoted) > _QUOTE_LENGTH:
            # jsonschema quotes the offending value in full; the message names it and keeps the reason.
            message = message.replace(quoted, quoted[:_QUOTE_LENGTH - 9] + "..." + quoted[-1:], 1)
        if len(message) > _MESSAGE_LENGTH:
            message = message[:_MESSAGE_LENGTH] + "..."
        errors.append(f"{path}: {message}")
    return errors


class CrdSchemas:
    """
    The CRD schemas objects are checked against in one run: {kind: (apiVersion, validator)}, and where they
    come from (`origin`, for the run's log): the CRDs the fabric's cluster serves, or the ones shipped.
    """

    def __init__(self, validators, origin):
        self.validators = validators
        self.origin = origin

    @classmethod
    @cache
    def shipped(cls):
        return cls({kind: (api_version, crd_validator(schema)) for kind, (api_version, schema)
                    in load_crd_schemas().items()}, origin="the CRDs shipped with the plugin")

    @classmethod
    def served(cls, manifests, origin):
        """From CRD manifests a cluster served ({kind: (version, manifest)}); kinds it did not serve use the
        shipped CRDs. ValueError naming the CRD when one cannot be used."""
        validators = dict(cls.shipped().validators)
        for kind, (version, manifest) in manifests.items():
            try:
                api_version, schema = served_schema(manifest, version)
                validators[kind] = (api_version, crd_validator(schema, check=True))
            except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
                detail = str(exc) if isinstance(exc, ValueError) else f"it is not a CRD manifest ({type(exc).__name__})"
                raise ValueError(f"the CRD of {kind} cannot be used: {detail}") from None
        return cls(validators, origin)

    def errors(self, obj, *, status=True):
        """
        Errors (as 'path: message' strings) of one object against its CRD; empty when valid.

        With status=False the `status` stanza is not checked: every Hedgehog CRD has a status subresource, so
        the API server drops `status` from a create or apply and only validates what a controller writes
        through /status. Wiring files are checked that way.
        """
        if not isinstance(obj, dict):
            return [f"not an object: {type(obj).__name__}"]
        kind = obj.get("kind")
        if not isinstance(kind, str) or kind not in self.validators:
            return [f"kind: no CRD for kind {kind!r}"]
        api_version, validator = self.validators[kind]
        if not status:
            obj = {key: value for key, value in obj.items() if key != "status"}
        errors = []
        if obj.get("apiVersion") != api_version:
            errors.append(f"apiVersion: {obj.get('apiVersion')!r} is not {api_version!r}")
        try:
            return errors + _messages(validator, obj)
        except RecursionError:
            return [*errors, "<root>: nests too deeply to be checked"]


@cache
def _metadata_validator():
    import jsonschema

    return jsonschema.Draft7Validator(_METADATA_SCHEMA)


def metadata_errors(metadata):
    """Errors ('metadata.path: message') of an object's metadata: what the plugin stores from it."""
    return [f"metadata.{message}" if not message.startswith("<root>") else f"metadata{message[6:]}"
            for message in _messages(_metadata_validator(), metadata)]


def validate_against_crd(obj, *, status=True):
    """Errors of one object against its shipped CRD (see CrdSchemas.errors); empty when valid."""
    return CrdSchemas.shipped().errors(obj, status=status)
