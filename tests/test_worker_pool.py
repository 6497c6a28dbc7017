"""Several worker processes (services/worker_pool.py, `dondoc worker --workers N`).

- `dondoc worker --workers 2` against a Temporal dev server of its own: two child
  processes really start and poll the task queue (their pids are the pollers'
  identities), each with half of the workflow cache and of the activity slots; a
  child killed with SIGKILL is replaced by a new one that polls; SIGTERM to the pool
  stops every child and the pool exits 0.
- A child that dies as it starts, again and again, makes the pool give up (exit 1)
  instead of spinning.
- Two processes, four threads each, writing the same delivery-log rows and links in
  one database at the same moment: nothing fails and nothing is lost (every attempt
  counted, every link resolving), on SQLite and on PostgreSQL.
- A bad DONDOC_WORKERS or DONDOC_WORKFLOW_SANDBOX stops `worker` and `up` at once, with
  a Vietnamese message and exit code 2, before anything starts.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from config.binaries import temporal_cli
from services import worker_pool
from services.worker_pool import WorkerPool, share_options, worker_count

DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")
ROOT = Path(__file__).resolve().parents[1]
SECRET = "pool-secret-kkkkkkkkkkkkkkkkkkkkkkkkkkkk"


def children(pid: int) -> set[int]:
    """Live child processes of `pid` (read from /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_worker_count_and_each_process_share():
    assert worker_count(3) == 3
    assert worker_count(None, {"DONDOC_WORKERS": "2"}) == 2
    assert worker_count(1, {"DONDOC_WORKERS": "3"}) == 1, "--workers wins over the environment"
    assert 1 <= worker_count(None, {}) <= worker_pool.MAX_DEFAULT_WORKERS
    assert worker_count(None, {}) == min(len(os.sched_getaffinity(0)), 4)
    with pytest.raises(ValueError):
        worker_count(0)
    assert share_options(2, {})["max_cached_workflows"] == worker_pool.POOL_CACHE_BUDGET // 2 == 250
    assert share_options(1, {}) == {"max_cached_workflows": 1000, "max_concurrent_activities": 100,
                                    "max_concurrent_local_activities": 100, "max_concurrent_workflow_tasks": 100}
    assert share_options(2, {"DONDOC_WORKFLOW_CACHE": "1000"})["max_cached_workflows"] == 500
    assert share_options(2, {})["max_concurrent_activities"] == 50
    for n in range(1, 9):
        opts = share_options(n, {})
        # Together within one process's budget; never more workflow tasks than cached.
        assert n * opts["max_cached_workflows"] <= worker_pool.CACHE_BUDGET
        assert opts["max_concurrent_workflow_tasks"] <= opts["max_cached_workflows"]
        assert n * opts["max_concurrent_activities"] < worker_pool.ACTIVITY_BUDGET + n


@pytest.fixture
async def own_server():
    """A dev server for this test alone: the pool's first worker syncs the report
    Schedules, which must not touch the shared server's."""
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=temporal_cli())
    yield env
    await env.shutdown()


async def poller_pids(client, queue: str) -> set[int]:
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    resp = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace="default", task_queue=TaskQueue(name=queue), task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
    return {int(p.identity.split("@", 1)[0]) for p in resp.pollers if p.identity.split("@", 1)[0].isdigit()}


async def until_polling(client, queue: str, pids: set[int], timeout: float = 90) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while not pids <= await poller_pids(client, queue):
        assert time.monotonic() < deadline, f"pids {pids} never polled {queue}"
        await asyncio.sleep(0.3)


async def test_two_worker_processes_start_restart_and_stop(own_server, sqlite_url, tmp_path):
    queue = f"pool-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DONDOC_TEMPORAL_ADDRESS": own_server.client.service_client.config.target_host,
           "DONDOC_DATABASE_URL": sqlite_url, "DONDOC_TASK_QUEUE": queue, "DONDOC_DATA_DIR": str(tmp_path),
           "DONDOC_SECRET_KEY": SECRET, "DONDOC_LOG_FORMAT": "json", "DONDOC_WORKERS": "3"}
    log = tmp_path / "pool.log"
    pool = subprocess.Popen([DONDOC, "worker", "--workers", "2"], cwd=ROOT, env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    try:
        first = wait_for(lambda: len(children(pool.pid)) == 2 and children(pool.pid), 30, "two worker processes")
        await until_polling(own_server.client, queue, first)
        starts = [json.loads(line) for line in log.read_text().splitlines()
                  if line.startswith("{") and '"worker.start"' in line]
        assert sorted(s["slot"] for s in starts) == [0, 1] and {s["of"] for s in starts} == {2}
        assert {s["max_cached_workflows"] for s in starts} == {worker_pool.POOL_CACHE_BUDGET // 2}, "the cache divided"
        assert {s["max_concurrent_activities"] for s in starts} == {50}

        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        second = wait_for(lambda: len(children(pool.pid)) == 2 and victim not in children(pool.pid)
                          and children(pool.pid), 30, "the killed worker replaced")
        assert len(second & first) == 1
        await until_polling(own_server.client, queue, second - first)
        assert pool.poll() is None
    finally:
        pool.send_signal(signal.SIGTERM)
        code = pool.wait(40)
    assert code == 0, log.read_text()[-3000:]
    for pid in first | second:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_a_child_that_keeps_dying_at_start_makes_the_pool_give_up(monkeypatch):
    monkeypatch.setattr(worker_pool, "MAX_BACKOFF_S", 0.05)
    pool = WorkerPool(2, lambda slot: [sys.executable, "-c", f"import sys; sys.exit(3 + {slot})"])
    t0 = time.monotonic()
    assert pool.run(poll_s=0.02) == 1
    assert time.monotonic() - t0 < 20
    assert pool.failed and "exited 5 times" in pool.failed
    assert not pool.pids()


def test_a_long_lived_child_is_restarted_at_once_and_stop_ends_all():
    pool = WorkerPool(2, lambda slot: [sys.executable, "-c", "import time; time.sleep(600)"]).start()
    try:
        first = set(pool.pids())
        assert len(first) == 2
        for slot in pool.slots:  # as if they had run for a while
            slot.started -= 3600
        os.kill(min(first), signal.SIGKILL)
        wait_for(lambda: pool.check() and len(pool.pids()) == 2 and min(first) not in pool.pids(), 10,
                 "the restart")
        assert pool.slots[0].restarts + pool.slots[1].restarts == 1
    finally:
        pool.stop(timeout=5)
    assert not pool.pids()


# -- many processes, one database ---------------------------------------------

KEYS = [f"task/pool/{i}" for i in range(25)]
ROUNDS, THREADS = 5, 4
EXPIRES = datetime(2031, 1, 1, tzinfo=timezone.utc)


def hammer(url: str, who: str, start_at: float, out) -> None:
    """One process: THREADS threads, each writing every key's delivery row (one attempt
    each) and asking for every key's link, ROUNDS times; (errors, {key: urls})."""
    from activities.delivery_log import RowWrite, transaction, write_row
    from contracts.delivery import DeliverRequest, Recipient
    from store.links import issue

    errors: list[str] = []
    urls: dict[str, set[str]] = {k: set() for k in KEYS}
    now = datetime.now(timezone.utc)

    def one() -> None:
        for _ in range(ROUNDS):
            for key in KEYS:
                req = DeliverRequest(subject_id=key, cycle="", step="due", kind="reminder",
                                     recipient=Recipient(key="u", name="U", level="unit"))
                row = RowWrite(f"{key}||due|u", "zalo", "zalo://x", "pending", "", True)
                try:
                    transaction(url, lambda session: write_row(session, req, row, now))
                    urls[key].add(issue(url, SECRET, "http://dondoc.test", key, "", "u", "confirm", EXPIRES, now))
                except Exception as exc:  # noqa: BLE001 - counted: the test wants none
                    errors.append(repr(exc))

    while time.time() < start_at:
        time.sleep(0.005)
    threads = [threading.Thread(target=one) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((errors, {k: sorted(v) for k, v in urls.items()}))


def hammer_from_two_processes(url: str) -> tuple[list[str], dict[str, set[str]]]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 4  # both are up and importing is over: they start together
    procs = [ctx.Process(target=hammer, args=(url, who, start_at, queue)) for who in ("a", "b")]
    for p in procs:
        p.start()
    results = [queue.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    errors = [e for errs, _ in results for e in errs]
    urls: dict[str, set[str]] = {k: set() for k in KEYS}
    for _, per_key in results:
        for k, v in per_key.items():
            urls[k] |= set(v)
    return errors, urls


def check_nothing_lost(url: str, errors: list[str], urls: dict[str, set[str]]) -> None:
    from store.db import session_scope
    from store.links import resolve
    from store.models import Delivery, LinkRecord

    assert errors == [], errors[:5]
    with session_scope(url) as session:
        rows = dict(session.execute(select(Delivery.key, Delivery.attempts)).all())
        links = session.scalar(select(func.count()).select_from(LinkRecord))
    assert rows == {f"{k}||due|u": 2 * THREADS * ROUNDS for k in KEYS}, "every attempt counted, none overwritten"
    now = datetime.now(timezone.utc)
    for key, issued in urls.items():
        for link in issued:
            claims = resolve(url, SECRET, link.rsplit("/", 1)[1], now)
            assert (claims.subject_id, claims.recipient) == (key, "u")
    assert links >= len(KEYS)
    return links


def test_two_processes_writing_one_sqlite_lose_nothing(sqlite_url):
    errors, urls = hammer_from_two_processes(sqlite_url)
    links = check_nothing_lost(sqlite_url, errors, urls)
    # One writer at a time across processes: the same link asked again is the same row.
    assert links == len(KEYS) and all(len(v) == 1 for v in urls.values())


def test_two_processes_writing_one_postgresql_lose_nothing(postgres_url):
    errors, urls = hammer_from_two_processes(postgres_url)
    check_nothing_lost(postgres_url, errors, urls)


@pytest.mark.parametrize("command, setting, said", [
    ("worker", {"DONDOC_WORKERS": "0"}, "Số tiến trình worker (--workers hoặc DONDOC_WORKERS)"),
    ("worker", {"DONDOC_WORKERS": "hai"}, "Số tiến trình worker (--workers hoặc DONDOC_WORKERS)"),
    ("worker", {"DONDOC_WORKFLOW_SANDBOX": "loose"}, "DONDOC_WORKFLOW_SANDBOX phải là một trong: off, shared, strict."),
    ("up", {"DONDOC_WORKFLOW_SANDBOX": "sandboxed"}, "DONDOC_WORKFLOW_SANDBOX phải là một trong: off, shared, strict."),
])
def test_a_bad_worker_setting_is_refused_before_anything_starts(tmp_path, command, setting, said):
    env = {k: v for k, v in os.environ.items() if k not in ("DONDOC_WORKERS", "DONDOC_WORKFLOW_SANDBOX")}
    env.update({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_SECRET_KEY": SECRET,
                "DONDOC_TEMPORAL_ADDRESS": "127.0.0.1:1", **setting})
    done = subprocess.run([DONDOC, command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not any(tmp_path.glob("*.sqlite*")), "nothing was started or written"
