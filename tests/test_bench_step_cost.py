"""bench/step_cost.py on both databases, small: every step sent, and the store's work
per reminder step as it stands -- one read of the people, then three writes ("already
sent?" + link + pending mark; the outcome; the task's record). A change that adds a
statement or a transaction to every reminder shows here first."""
from __future__ import annotations

import os

import pytest

from bench.step_cost import run


@pytest.fixture
def store_url(db_url):
    # bench.database makes its own store (a file or a schema); this says which database
    return None if db_url.startswith("sqlite") else db_url.split("?", 1)[0]


def test_each_step_sent_and_its_statements_counted(store_url):
    before = {k: os.environ.get(k) for k in ("DONDOC_ZALO_API_URL", "DONDOC_SECRET_KEY")}
    out = run(store_url, steps=6, threads=4)
    assert out["database"] == ("sqlite" if store_url is None else "postgresql")
    assert out["sent"] == 20 + 2 * 6  # the warm-up's and both rounds'
    for r in out["rounds"]:
        assert r["commits_per_step"] == 4
        # SQLite: the three writes also say BEGIN IMMEDIATE (store/db.write_scope)
        assert r["statements_per_step"] == (14 if store_url is None else 11)
        assert r["cpu_ms_per_step"] > 0 and r["wall_ms_per_step"] > 0
        assert ("postgres_cpu_ms_per_step" in r) == (store_url is not None)
    assert {k: os.environ.get(k) for k in before} == before  # the caller's environment left as it was
