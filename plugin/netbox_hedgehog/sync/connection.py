"""'Test connection': can the fabric's sources be reached and read, and which Hedgehog CRDs does the cluster serve."""
from dataclasses import asdict, dataclass, field

from ..choices import ConnectionStatusChoices
from .runner import build_git_source, build_kubernetes_source, record_connection_error
from .types import SourceError, redact

__all__ = ("ConnectionCheck", "check_fabric_connection")


@dataclass
class ConnectionCheck:
    ok: bool
    message: str
    crds_found: list = field(default_factory=list)
    crds_missing: list = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


def check_fabric_connection(fabric):
    """Check every configured source and record the outcome in the fabric's connection status."""
    messages, found, missing, ok = [], [], [], True
    if fabric.has_kubernetes:
        report = build_kubernetes_source(fabric).test_connection()
        ok = ok and report.ok
        found, missing = report.crds_found, report.crds_missing
        messages.append(report.message)
    if fabric.has_git:
        try:
            snapshot = build_git_source(fabric).load()
        except SourceError as e:
            ok = False
            messages.append(str(e))
        else:
            messages.append(f"Git: read {len(snapshot.objects)} objects at commit {snapshot.revision[:12]} "
                            f"of branch {fabric.git_branch}")
    result = ConnectionCheck(ok=ok, message=redact("\n".join(messages), fabric.secrets), crds_found=found,
                            crds_missing=missing)
    if ok:
        fabric.set_connection_state(ConnectionStatusChoices.CONNECTED)
    else:
        record_connection_error(fabric, result.message)
    return result
