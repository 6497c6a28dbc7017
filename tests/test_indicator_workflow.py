"""An indicator followed through a year of monthly cycles on the time-skipping server,
with the real activities: the cycle, ladder and recipient lookups of the task
workflow, the indicator's store records, and the delivery activity sending to a local
fake Zalo (real HTTP). The clock is moved to 2030 so the send times in Vietnam can be
asserted (Tết 2030 is 31/01–06/02).

January is reported early (met), February after its first reminder (not met), March
is not reported and escalates to the unit's lead official and then the supervisors,
April to November go unreported too, December is reported met; the year is judged at
its end on December's value. Each kind of run is replayed and kept as a fixture in
tests/histories/indicator_*.json (tests/test_indicator_replay.py replays them).
"""
from __future__ import annotations

import asyncio
import os
from datetime import date, datetime, timezone
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.deliver import DeliveryActivities
from activities.indicators import IndicatorActivities
from activities.tasks import TaskActivities
from config.binaries import temporal_test_server
from config.loader import Config
from config.settings import load_settings
from contracts.indicators import IndicatorInput, IndicatorSpec, IndicatorStatus, ReportValueInput, ValueAnswer
from domain.calendar import VN_TZ, CalendarConfig
from domain.directory import Directory, Official, Unit
from domain.identity import indicator_workflow_id
from domain.policy import Policies
from domain.targets import parse_target
from store.db import session_scope
from store.indicator_models import IndicatorValue
from store.models import Event, Indicator, Plan
from workflows.indicator import IndicatorWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"
PLAN = "Kế hoạch chỉ tiêu 2030"
WAIT_S = 30
ZALO = "zalo://111111:drilltoken/"


def vn(y, m, d, hh=8, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


def make_config() -> Config:
    directory = Directory(
        units=(Unit("so-khcn", "Sở Khoa học và Công nghệ", targets=(ZALO + "unit-chat",), lead_official="cuong"),),
        officials=(Official("cuong", "Hoàng Minh Cường", "Phó Chủ tịch UBND", units=("so-khcn",),
                            targets=(ZALO + "lead-chat",)),),
        supervisors=(ZALO + "bcd-chat",), supervisors_name="Ban Chỉ đạo", standing_office="so-khcn")
    return Config(directory=directory, policies=Policies(), calendar=CalendarConfig(), schedules=())


@pytest_asyncio.fixture
async def env():
    """A fresh time-skipping server: this test moves its clock to 2030."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=temporal_test_server())
    yield env
    await env.shutdown()


def seed_indicator(url: str, stt: str = "4") -> str:
    workflow_id = indicator_workflow_id(PLAN, stt)
    with session_scope(url) as s:
        plan = Plan(name=PLAN)
        s.add(plan)
        s.flush()
        s.add(Indicator(plan_id=plan.id, stt=stt, name="Tỉ lệ dân số được phủ sóng 5G",
                        target=parse_target("≥80%").to_dict(), responsible=["so-khcn"], workflow_id=workflow_id))
    return workflow_id


async def jump_to(env, moment: datetime) -> None:
    now = await env.get_current_time()
    assert moment > now, "the server's clock is past the scenario"
    await env.sleep(moment - now)


async def report(handle: WorkflowHandle, key: str, value: str, as_of: str) -> ValueAnswer:
    arg = ReportValueInput(key=key, value=value, as_of=as_of, source="Báo cáo số 12/BC-SKHCN", reported_by="so-khcn")
    return await asyncio.wait_for(handle.execute_update("report", arg, id=key, result_type=ValueAnswer), WAIT_S)


async def save_history(env, workflow_id: str, run_id: str, name: str) -> None:
    """Replay the run against the current code; keep it as a fixture (first time only)."""
    history = await env.client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    await Replayer(workflows=[IndicatorWorkflow]).replay_workflow(history)
    path = HISTORIES / f"indicator_{name}.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())


def events(url: str, workflow_id: str, kind: str) -> list[dict]:
    with session_scope(url) as s:
        rows = s.scalars(select(Event).where(Event.subject_id == workflow_id, Event.kind == kind)
                         .order_by(Event.at, Event.id)).all()
        return [dict(e.data, at=e.at.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M")) for e in rows]


async def test_an_indicator_through_a_year_of_monthly_cycles(env, sqlite_url, tmp_path, monkeypatch, task_queue,
                                                             fake_zalo):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "indicator-test-secret-kkkkkkkkkkkkkkkkkk")
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_PUBLIC_URL": "http://dondoc.test", "DONDOC_TASK_QUEUE": task_queue})
    config = make_config()
    workflow_id = seed_indicator(sqlite_url)
    await jump_to(env, vn(2030, 1, 2, 9))
    spec = IndicatorSpec(id=workflow_id, plan=PLAN, stt="4", name="Tỉ lệ dân số được phủ sóng 5G", target="≥80%",
                         units=["so-khcn"], every="month", year=2030)
    delivery = DeliveryActivities(sqlite_url, settings, config=config)
    worker = Worker(env.client, task_queue=task_queue, workflows=[IndicatorWorkflow],
                    activities=[*TaskActivities(sqlite_url, config).activities(),
                                *IndicatorActivities(sqlite_url, config).activities(), delivery.deliver])
    async with worker:
        handle = await env.client.start_workflow("IndicatorWorkflow", IndicatorInput(spec, config.policies.recurring),
                                                 id=workflow_id, task_queue=task_queue, result_type=IndicatorStatus)
        runs = {"first": (await handle.describe()).run_id}
        # January (due 30/01, the last working day before Tết): met, before any reminder.
        await jump_to(env, vn(2030, 1, 20, 10))
        jan = await report(handle, "jan", "Đạt 85%", "2030-01-20")
        assert (jan.status, jan.cycle, jan.first) == ("met", "2030-01", True)
        assert await report(handle, "jan", "Đạt 85%", "2030-01-20") == jan
        # February (due Thursday 28/02): reminded on 25/02, then reported not met.
        await jump_to(env, vn(2030, 2, 26, 10))
        feb = await report(handle, "feb", "Đang triển khai (khoảng 70 %)", "2030-02-26")
        assert (feb.status, feb.cycle) == ("not_met", "2030-02")
        # March (due Friday 29/03): nobody reports; escalated to the lead, then the supervisors.
        await jump_to(env, vn(2030, 3, 20, 10))
        runs["missed"] = (await handle.describe()).run_id
        await jump_to(env, vn(2030, 4, 5, 12))
        status = await handle.query(IndicatorWorkflow.status, result_type=IndicatorStatus)
        assert (status.period, status.cycles_reported, status.cycles_missed) == ("2030-04", 2, 1)
        # December: reported met; the year is judged at its end, on that value.
        await jump_to(env, vn(2030, 12, 16, 10))
        dec = await report(handle, "dec", "92%", "2030-12-15")
        assert (dec.status, dec.cycle) == ("met", "2030-12")
        runs["year"] = (await handle.describe()).run_id
        await jump_to(env, vn(2031, 1, 2, 9))
        final = await asyncio.wait_for(handle.result(), WAIT_S)
        assert (final.year, final.year_status, final.cycles_reported, final.cycles_missed) == (2030, "met", 3, 9)
        for name, run_id in runs.items():
            await save_history(env, workflow_id, run_id, {"first": "reported_cycle", "missed": "missed_cycle",
                                                          "year": "year_judged"}[name])

    steps = events(sqlite_url, workflow_id, "indicator_step")
    march = [(s["cycle"], s["step"], s["at"], tuple(s["levels"])) for s in steps if s["cycle"] == "2030-03"]
    assert march == [("2030-03", "before-3", "2030-03-26 08:00", ("unit",)),
                     ("2030-03", "due", "2030-03-29 08:00", ("unit",)),
                     ("2030-03", "after-1", "2030-04-01 08:00", ("unit", "lead")),
                     ("2030-03", "after-3", "2030-04-03 08:00", ("unit", "lead", "supervisors"))]
    assert not [s for s in steps if s["cycle"] == "2030-01"]            # reported before any reminder
    assert [s["step"] for s in steps if s["cycle"] == "2030-02"] == ["before-3"]
    # The messages people got: the lead official was told of every unreported month.
    lead = fake_zalo.texts("lead-chat")
    assert any("CHƯA BÁO CÁO KẾT QUẢ CHỈ TIÊU THÁNG 03/2030" in t for t in lead)
    assert sum("ĐÔN ĐỐC" in t for t in lead) == 2 * 9       # after-1 and after-3 of April..November and March
    unit = fake_zalo.texts("unit-chat")
    assert any("BÁO CÁO KẾT QUẢ CHỈ TIÊU THÁNG 02/2030" in t and "http://dondoc.test/k/" in t for t in unit)
    assert not any("/k/" in t for t in fake_zalo.texts("bcd-chat"))   # the supervisors read, they do not report
    cycles = {e["cycle"]: e for e in events(sqlite_url, workflow_id, "indicator_cycle_missed")}
    assert sorted(cycles) == [f"2030-{m:02d}" for m in range(3, 12)]
    [year] = events(sqlite_url, workflow_id, "indicator_year_judged")
    assert (year["year"], year["status"], year["value"], year["as_of"]) == (2030, "met", "92%", "2030-12-15")
    assert year["at"] >= "2030-12-31 23:59"
    with session_scope(sqlite_url) as s:
        values = [(v.value, v.as_of, v.status, v.cycle) for v in s.scalars(select(IndicatorValue).order_by(
            IndicatorValue.as_of))]
    assert values == [("Đạt 85%", date(2030, 1, 20), "met", "2030-01"),
                      ("Đang triển khai (khoảng 70 %)", date(2030, 2, 26), "not_met", "2030-02"),
                      ("92%", date(2030, 12, 15), "met", "2030-12")]
