"""Before the PostgreSQL suite: fail loudly (exit 1) when the server cannot be reached, and
create the configured database when the server is up but the database is not there yet."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

url = os.environ.get("DATABASE_URL", "")
if not url.startswith(("postgres://", "postgresql://")):
    sys.exit(f"DATABASE_URL does not point at PostgreSQL: {url.split('@')[-1]!r}")
parts = urlsplit(url)
name = parts.path.lstrip("/") or "postgres"
server_url = urlunsplit(parts._replace(path="/postgres"))
try:
    with psycopg.connect(server_url, connect_timeout=5, autocommit=True) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")
except psycopg.OperationalError as exc:
    sys.exit(f"FAIL: PostgreSQL is unreachable at {parts.hostname}:{parts.port or 5432}: {exc}".strip())
print(f"PostgreSQL {version} reachable; database {name} ready.")
