"""
What a source hands to the reconcile: plain data, no Django.

A source either returns a `SourceSnapshot` (possibly with per-object `problems`) or raises
`SourceError`, in which case the run changes nothing.
"""
from dataclasses import dataclass, field

__all__ = ("Problem", "SourceError", "SourceObject", "SourceSnapshot", "redact")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, named as precisely as the source knows it."""

    message: str
    file: str = ""
    document: int | None = None  # 1-based index of the YAML document in `file`
    kind: str = ""
    name: str = ""

    def __str__(self):
        where = []
        if self.file:
            where.append(self.file if self.document is None else f"{self.file} (document {self.document})")
        if self.kind or self.name:
            where.append(f"{self.kind or '?'}/{self.name or '?'}")
        return f"{': '.join(where)}: {self.message}" if where else self.message

    def as_dict(self):
        return {"file": self.file, "document": self.document, "kind": self.kind, "name": self.name,
                "message": self.message}


@dataclass
class SourceObject:
    """One Hedgehog object as a source holds it."""

    kind: str
    name: str
    namespace: str
    manifest: dict  # the whole object: apiVersion, kind, metadata, spec, status
    location: str  # "cluster", or "path/in/repo.yaml#3" (document index) for Git

    @property
    def key(self):
        return (self.kind, self.namespace, self.name)


@dataclass
class SourceSnapshot:
    """Everything one source returned for one fabric."""

    source: str  # "kubernetes" or "git"
    objects: list[SourceObject] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # invalid input, excluded from `objects`
    skipped_kinds: dict[str, str] = field(default_factory=dict)  # kind -> why it was not read
    revision: str = ""  # Git commit SHA, or the cluster's list resourceVersion
    agents: dict[str, dict] = field(default_factory=dict)  # switch name -> Agent manifest (cluster only)


class SourceError(Exception):
    """The source could not be read as a whole. The message is safe to show: no secrets in it."""


def redact(text, secrets):
    """Replace every non-empty secret in `text` with a placeholder."""
    text = str(text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "********")
    return text
