"""Fail loudly (exit 1) when the configured database cannot be reached."""

import os
import sys

import psycopg

url = os.environ.get("DATABASE_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    sys.exit(f"DATABASE_URL does not point at PostgreSQL: {url.split('@')[-1]!r}")
try:
    with psycopg.connect(url, connect_timeout=5) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
except psycopg.OperationalError as exc:
    sys.exit(f"PostgreSQL is unreachable at {url.split('@')[-1]}: {exc}".strip())
print(f"PostgreSQL {version} reachable.")
