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

__all__ = ("CRD_DIR", "crd_validator", "load_crd_manifests", "load_crd_schemas", "served_schema",
           "validate_against_crd")

CRD_DIR = Path(__file__).resolve().parent / "crds"

# Only name and namespace are checked: the CRD schema says nothing useful about metadata, and the API
# server validates the rest itself.
_METADATA_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}},
}

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


def served_schema(crd):
    """(apiVersion, openAPIV3Schema) of the version a CRD manifest serves."""
    (version,) = [v for v in crd["spec"]["versions"] if v.get("served")]
    return f"{crd['spec']['group']}/{version['name']}", version["schema"]["openAPIV3Schema"]


@cache
def load_crd_schemas():
    """{kind: (apiVersion, openAPIV3Schema)} for the served version of every shipped CRD."""
    return {kind: served_schema(crd) for kind, crd in load_crd_manifests().items()}


def _to_json_schema(schema):
    """
    Kubernetes structural OpenAPI v3 -> plain JSON Schema.

    `nullable` allows null, `x-kubernetes-int-or-string` allows either, and objects with declared
    properties reject unknown fields (strict field validation), unless
    `x-kubernetes-preserve-unknown-fields` says otherwise. Other x-kubernetes-* keys only matter to the
    API server's merge logic and are dropped.
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


def crd_validator(openapi_schema):
    """A jsonschema validator for whole objects of the kind `openapi_schema` (a CRD's openAPIV3Schema) describes."""
    import jsonschema

    json_schema = _to_json_schema(openapi_schema)
    json_schema["required"] = sorted({*json_schema.get("required", ()), "apiVersion", "kind", "metadata"})
    json_schema.setdefault("properties", {})["metadata"] = {**_METADATA_SCHEMA, "required": ["name"]}
    return jsonschema.Draft7Validator(json_schema, format_checker=_format_checker())


@cache
def _shipped_validator(kind):
    api_version, schema = load_crd_schemas()[kind]
    return api_version, crd_validator(schema)


def validate_against_crd(obj, *, status=True):
    """
    Errors (as 'path: message' strings) of one object against its shipped CRD; empty when valid.

    With status=False the `status` stanza is not checked: every Hedgehog CRD has a status subresource, so
    the API server drops `status` from a create or apply and only validates what a controller writes
    through /status. Wiring files are checked that way.
    """
    if not isinstance(obj, dict):
        return [f"not an object: {type(obj).__name__}"]
    kind = obj.get("kind")
    if kind not in load_crd_schemas():
        return [f"kind: no CRD for kind {kind!r}"]
    api_version, validator = _shipped_validator(kind)
    if not status:
        obj = {key: value for key, value in obj.items() if key != "status"}
    errors = []
    if obj.get("apiVersion") != api_version:
        errors.append(f"apiVersion: {obj.get('apiVersion')!r} is not {api_version!r}")
    for error in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(part) for part in error.absolute_path) or "<root>"
        errors.append(f"{path}: {error.message}")
    return errors
