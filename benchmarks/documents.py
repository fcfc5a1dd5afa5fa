"""
Documents benchmark: reading YAML files of many documents with the plugin's DocumentReader, to show the cost
per document stays flat as a file grows (splitting a file into documents used to be quadratic: a 1 MB file
of `---` lines took 80 s), and that refusing a "billion laughs" costs the same whatever it expands to.

    NETBOX_CONFIGURATION=tests.netbox_configuration PYTHONPATH=. .venv/bin/python benchmarks/documents.py

No database: it prints, per file, the documents, bytes, seconds and microseconds per document. Timings are
printed, never asserted; it exits non-zero only when a file reads wrong (object or problem counts).
"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import table  # noqa: E402


def main():
    os.environ.setdefault("NETBOX_CONFIGURATION", "tests.netbox_configuration")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbox.settings")
    import django

    django.setup()
    from netbox_hedgehog.sync.documents import DocumentReader, Limits
    from tests.helpers import billion_laughs, server_yaml

    failures = []
    rows = []
    files = [(f"{n:,} Server documents", "".join(f"---\n{server_yaml(f'srv-{i}')}" for i in range(n)), n, 0)
             for n in (2_500, 5_000, 10_000, 20_000)]
    files += [(f"{n * 4:,} bytes of '---' lines", "---\n" * n, 0, 0) for n in (62_500, 125_000, 250_000)]
    files += [(f"billion laughs, {levels} levels", billion_laughs(levels), 0, 1) for levels in (5, 6, 7, 8)]
    for label, text, objects, problems in files:
        reader = DocumentReader(Limits(max_documents=10**6, max_bytes=10**9, max_objects=10**6, max_nodes=10**9))
        started = time.perf_counter()
        found, found_problems, _ignored = reader.read(text, "bench.yaml")
        seconds = time.perf_counter() - started
        documents = max(text.count("---\n"), 1)
        rows.append((label, documents, len(text), seconds, seconds / documents * 1e6))
        if (len(found), len(found_problems)) != (objects, problems):
            failures.append(f"{label}: {len(found)} objects and {len(found_problems)} problems, expected "
                            f"{objects} and {problems}")
    table(("file", "documents", "bytes", "seconds", "us/document"), rows,
          title="DocumentReader.read (limits raised so that every document is read)")
    for failure in failures:
        print(f"WRONG: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
