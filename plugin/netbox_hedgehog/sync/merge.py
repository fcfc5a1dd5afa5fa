"""
Merge what the sources returned into the rows NetBox should hold, with each row's origin and drift.
Pure data, no database: Git is the desired state, the cluster the actual state (docs/architecture.md, "Sync").
"""
from dataclasses import dataclass

from ..choices import DriftChoices, OriginChoices
from ..kinds import KINDS, KINDS_BY_NAME
from .types import SourceObject, SourceSnapshot

__all__ = ("DesiredRow", "merge_snapshots", "spec_matches")

# Label and annotation prefixes the cluster adds by defaulting and hydration; never drift.
HYDRATION_PREFIXES = ("fabric.githedgehog.com/",)


@dataclass
class DesiredRow:
    kind: str
    namespace: str
    name: str
    fields: dict  # model field -> value, except the per-kind spec columns and git_commit
    git_commit: str


def _empty(value):
    return value is None or value == {} or value == [] or value == ""


def spec_matches(desired, actual):
    """
    True when the cluster copy carries everything the Git copy asks for. Fields the cluster added
    (defaulting, hydration: ASNs, IPs, VTEPs) are not drift; a field Git sets that differs is.
    """
    if isinstance(desired, dict):
        if not isinstance(actual, dict):
            return _empty(actual) and all(_empty(v) for v in desired.values())
        return all(spec_matches(value, actual.get(key)) for key, value in desired.items())
    if isinstance(desired, list):
        if not isinstance(actual, list) or len(desired) != len(actual):
            return _empty(desired) and _empty(actual)
        return all(spec_matches(d, a) for d, a in zip(desired, actual, strict=True))
    if _empty(desired):
        return _empty(actual)
    return desired == actual


def _user_labels(labels):
    return {k: v for k, v in (labels or {}).items() if not k.startswith(HYDRATION_PREFIXES)}


def _metadata_fields(obj: SourceObject):
    metadata = obj.manifest.get("metadata") or {}
    generation = metadata.get("generation")
    return {
        "name": obj.name,
        "namespace": obj.namespace,
        "uid": str(metadata.get("uid") or ""),
        "resource_version": str(metadata.get("resourceVersion") or ""),
        "generation": generation if isinstance(generation, int) else None,
        "labels": metadata.get("labels") or {},
        "annotations": metadata.get("annotations") or {},
        "spec": obj.manifest.get("spec") or {},
        "status": obj.manifest.get("status") or {},
    }


def _git_file(obj):
    return obj.location.rsplit("#", 1)[0]


def merge_snapshots(git: SourceSnapshot | None, cluster: SourceSnapshot | None):
    """Return {kind: {(namespace, name): DesiredRow}} for every kind in KINDS."""
    both = git is not None and cluster is not None
    git_objects = {o.key: o for o in git.objects} if git else {}
    cluster_objects = {o.key: o for o in cluster.objects} if cluster else {}
    commit = git.revision if git else ""
    rows = {kind.kind: {} for kind in KINDS}
    for key in git_objects.keys() | cluster_objects.keys():
        kind, namespace, name = key
        from_git, from_cluster = git_objects.get(key), cluster_objects.get(key)
        primary = from_cluster or from_git
        fields = _metadata_fields(primary)
        fields["git_file"] = _git_file(from_git) if from_git else ""
        fields["git_spec"] = (from_git.manifest.get("spec") or {}) if (both and from_git) else None
        if from_git and from_cluster:
            fields["origin"] = OriginChoices.BOTH
            in_sync = spec_matches(fields["git_spec"], fields["spec"]) and (
                _user_labels((from_git.manifest.get("metadata") or {}).get("labels"))
                == _user_labels(fields["labels"]))
            fields["drift"] = DriftChoices.IN_SYNC if in_sync else DriftChoices.DIFFERS
        elif from_git:
            fields["origin"] = OriginChoices.GIT
            fields["drift"] = DriftChoices.ONLY_IN_GIT if both else ""
        else:
            fields["origin"] = OriginChoices.CLUSTER
            drifted = both and not KINDS_BY_NAME[kind].controller_catalog
            fields["drift"] = DriftChoices.ONLY_IN_CLUSTER if drifted else ""
        rows[kind][(namespace, name)] = DesiredRow(kind, namespace, name, fields, commit if from_git else "")
    return rows
