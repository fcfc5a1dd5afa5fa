"""Shared setup for the benchmarks: a scratch copy of the test database, Django, and a table printer."""
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What `make test` leaves behind (pytest-django --reuse-db); HEDGEHOG_BENCH_TEMPLATE_DB picks another copy.
TEMPLATE_DB = os.environ.get("HEDGEHOG_BENCH_TEMPLATE_DB", "test_netbox_hedgehog")
DEFAULT_DB = "bench_netbox_hedgehog"


def _pg_connect():
    import psycopg

    return psycopg.connect(
        host=os.environ.get("HEDGEHOG_DB_HOST", "127.0.0.1"), port=os.environ.get("HEDGEHOG_DB_PORT", "5432"),
        user=os.environ.get("HEDGEHOG_DB_USER", "postgres"), dbname="postgres", autocommit=True,
    )


def ensure_scratch_database(name, template=TEMPLATE_DB, attempts=40):
    """Create `name` as a copy of `template` unless it exists. CREATE DATABASE ... TEMPLATE fails while
    anyone is connected to the template (a test run), so it is retried for a while."""
    import psycopg
    from psycopg import sql

    with _pg_connect() as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            return False
        if not conn.execute("select 1 from pg_database where datname = %s", (template,)).fetchone():
            sys.exit(f"database {template!r} does not exist: run `make test` once first")
        for attempt in range(attempts):
            try:
                conn.execute(sql.SQL("create database {} template {}").format(sql.Identifier(name),
                                                                               sql.Identifier(template)))
                return True
            except psycopg.errors.ObjectInUse:
                if attempt == attempts - 1:
                    raise
                time.sleep(3)
    return False


def setup_django(db_name, redis_db=None, redis_cache_db=None):
    """Point the test configuration at the scratch database (and Redis dbs), then django.setup()."""
    created = ensure_scratch_database(db_name)
    os.environ["HEDGEHOG_DB_NAME"] = db_name
    if redis_db is not None:
        os.environ["HEDGEHOG_REDIS_DB"] = str(redis_db)
    if redis_cache_db is not None:
        os.environ["HEDGEHOG_REDIS_CACHE_DB"] = str(redis_cache_db)
    os.environ.setdefault("NETBOX_CONFIGURATION", "tests.netbox_configuration")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbox.settings")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()
    return created


def table(headers, rows, title=None):
    """Print rows as a plain fixed-width table."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    if title:
        lines.append(title)
    for index, row in enumerate(cells):
        pairs = enumerate(zip(row, widths, strict=True))
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in pairs))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    print("\n".join(lines), flush=True)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "-" if value is None else str(value)
