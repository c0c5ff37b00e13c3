"""Create a PostgreSQL database named by a URL when it does not exist yet (`make run-prod`).

    python scripts/ensure_pg_database.py postgresql://postgres@127.0.0.1:5432/harkop

Connects to the same server's `postgres` database as the URL's user, who needs the CREATEDB
right (docs/deployment.md creates the database by hand instead, as its owner).
"""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


def main(url: str) -> int:
    """Create the URL's database if it is missing; 0 when it exists afterwards."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgres"):
        print(f"ensure_pg_database: not a PostgreSQL URL: {parsed.render_as_string()}", file=sys.stderr)
        return 2
    name = parsed.database
    params = {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": "postgres",
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
