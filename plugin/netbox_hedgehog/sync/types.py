"""
The interface every source implements, and what a source hands to the reconcile: plain data, no database.

A source either returns a `SourceSnapshot` (possibly with per-object `problems`) or raises
`SourceError`, in which case the run changes nothing.
"""
import time
from dataclasses import asdict, dataclass, field

from ..choices import OriginChoices
from ..yamlio import storable_text

__all__ = ("ConnectionReport", "Deadline", "FabricSource", "Problem", "SettingLimits", "SourceError", "SourceObject",
           "SourceSnapshot", "redact")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, named as precisely as the source knows it."""

    message: str
    file: str = ""
    document: int | None = None  # 1-based index of the YAML document in `file`
    kind: str = ""
    name: str = ""

    def __post_init__(self):
        # Names and kinds come from the input: a NUL in one must not stop the run's record from being saved.
        for name in ("message", "file", "kind", "name"):
            object.__setattr__(self, name, storable_text(getattr(self, name)))

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
    # The CRDs the source's objects are checked against (cluster sources: the ones the cluster serves); a
    # later source of the same run checks its objects against them too.
    crd_schemas: object = None  # schemas.CrdSchemas


class SettingLimits:
    """
    Limits that plugin settings set, for one load: a subclass is a frozen dataclass whose fields are the limits
    (their defaults are the settings' defaults, which a test keeps equal) and whose SETTINGS names the setting
    of each field.
    """

    SETTINGS = {}

    @classmethod
    def from_settings(cls, setting):
        """The limits the plugin settings give; `setting(name)` reads one."""
        return cls(**{limit: setting(name) for limit, name in cls.SETTINGS.items()})

    def more_than(self, limit, what):
        """'more than <value> <what> (setting <name>)', for messages."""
        return f"more than {getattr(self, limit)} {what} (setting {self.SETTINGS[limit]})"


class Deadline:
    """One deadline for a whole load (`source_timeout`): every request and process gets what is left of it."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def remaining(self):
        return max(0.0, self.ends - time.monotonic())

    @property
    def expired(self):
        return time.monotonic() >= self.ends


class SourceError(Exception):
    """The source could not be read as a whole. The message is safe to show: no secrets in it."""


def redact(text, secrets):
    """Replace every non-empty secret in `text` with a placeholder."""
    text = str(text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "********")
    return text


@dataclass
class ConnectionReport:
    """What "Test connection" found out about one source, or about all of a fabric's sources together."""

    ok: bool
    message: str
    crds_found: list[str] = field(default_factory=list)  # kind names the cluster serves
    crds_missing: list[str] = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


class FabricSource:
    """
    One kind of place a fabric's objects come from, the way NetBox's core `DataBackend` classes are: built from
    the fabric's fields, read with `load()`, checked with `test_connection()`, and with the `secrets` its
    messages never show. The runner and "Test connection" only ever talk to this interface (sync/sources.py
    lists the implementations).
    """

    name = ""  # registry key
    label = ""  # how messages name it: "Git", "Kubernetes"
    # Which side of the merge the snapshot is: Git is the desired state, the cluster the actual one.
    role = OriginChoices.GIT

    @classmethod
    def configured(cls, fabric):
        """Whether `fabric` uses this source."""
        raise NotImplementedError

    @classmethod
    def from_fabric(cls, fabric, setting):
        """The source for `fabric`; `setting(name)` reads a plugin setting. Never raises: an unusable
        configuration is reported by load() and test_connection()."""
        raise NotImplementedError

    def describe(self):
        """Where this source reads from, for the run's log."""
        return self.label

    def load(self, crd_schemas=None):
        """
        A SourceSnapshot of every object, or SourceError (its message already redacted), within the deadline
        `source_timeout` for the whole load. `crd_schemas` (a schemas.CrdSchemas) are the CRDs an earlier
        source of the run read from the fabric's cluster; a source that validates objects uses them instead
        of the shipped ones.
        """
        raise NotImplementedError

    def test_connection(self):
        """A ConnectionReport; cheap (no full load) and never raises."""
        raise NotImplementedError

    @property
    def secrets(self):
        """Values that must never appear in a message, a log or a page."""
        return []
