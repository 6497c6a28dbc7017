"""The bench's store: a fresh SQLite file in its folder, or, with `--database-url` on
a PostgreSQL server, a schema of the bench's own in that database, dropped when the
bench is over. The database's other schemas (a test suite's, a deployment's) are
never read or written: every connection the bench and its worker processes make
has that schema alone on its search_path."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def kind(url: str | None) -> str:
    """"sqlite" or "postgresql" (the `database` figure)."""
    return "postgresql" if url and url.split(":", 1)[0].startswith("postgres") else "sqlite"


def in_schema(url: str, schema: str) -> str:
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


@contextmanager
def scratch_store(url: str | None, folder: Path, name: str = "dondoc") -> Iterator[str]:
    """A store URL for one bench round: PostgreSQL (a new schema in `url`'s database)
    when `url` names one, else a new SQLite file in `folder`. Empty: the caller
    migrates or fills it."""
    if kind(url) == "sqlite":
        yield f"sqlite:///{folder / f'{name}.sqlite3'}"
        return
    from sqlalchemy import text

    from store.db import make_engine

    schema = f"dondoc_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield in_schema(url, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
