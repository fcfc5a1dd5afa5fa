"""'Test connection': can each of the fabric's sources be reached, and which Hedgehog CRDs does the cluster serve."""
from ..choices import ConnectionStatusChoices
from .runner import record_connection_error
from .sources import fabric_sources, source_secrets
from .types import ConnectionReport, redact

__all__ = ("check_fabric_connection",)


def check_fabric_connection(fabric):
    """Test every configured source and record the outcome in the fabric's connection status."""
    sources = fabric_sources(fabric)
    reports = [source.test_connection() for source in sources]
    result = ConnectionReport(
        ok=all(report.ok for report in reports),
        message=redact("\n".join(report.message for report in reports), source_secrets(sources)),
        crds_found=[kind for report in reports for kind in report.crds_found],
        crds_missing=[kind for report in reports for kind in report.crds_missing],
    )
    if result.ok:
        fabric.set_connection_state(ConnectionStatusChoices.CONNECTED)
    else:
        record_connection_error(fabric, result.message)
    return result
