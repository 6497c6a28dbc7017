"""Workflow history holds keys, never secrets or channel URLs: anyone who can open the
Temporal UI reads it. Every payload of every fixture recorded since recipients travel
by key is decoded and searched for the configured secrets and channel URLs; and live
runs of the task, incident and report workflows with a bot token and an SMTP password
configured are searched the same way."""
from __future__ import annotations

import base64
import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from temporalio.worker import Worker

from activities.deliver import DeliveryActivities
from activities.incidents import IncidentActivities
from activities.reports import ReportActivities
from activities.tasks import TaskActivities
from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from contracts.reports import ReportInput
from contracts.tasks import TaskSpec
from services.incidents import open_incident
from services.tasks import start_or_amend
from workflows.incident import IncidentWorkflow
from workflows.report import ReportWorkflow
from workflows.task import TaskWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
# Recorded before recipients travelled by key; kept so that such histories still replay.
LEGACY = {"report_sent.json", "report_zalo_failed.json"}
TOKEN_SECRET, SMTP_PASSWORD = "Zt0kenS3cret", "Smtp-P4ss/word#1"
LEAKS = ("drilltoken", TOKEN_SECRET, SMTP_PASSWORD, "zalo://", "mailto://", "mailtos://")


def payload_texts(node) -> list[str]:
    """Every payload of a history (JSON as the server gives it), decoded."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("data"), str) and "metadata" in node:
            found.append(base64.b64decode(node["data"]).decode("utf-8", "replace"))
        for value in node.values():
            found += payload_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += payload_texts(value)
    return found


def leaks(history_json: dict) -> list[str]:
    return [text[:120] for text in payload_texts(history_json) if any(s in text for s in LEAKS)]


def test_the_scan_sees_a_secret_in_a_legacy_fixture():
    assert leaks(json.loads((HISTORIES / "report_sent.json").read_text()))


@pytest.mark.parametrize("path", sorted(p.name for p in HISTORIES.glob("*.json") if p.name not in LEGACY))
def test_no_fixture_recorded_since_holds_a_secret(path):
    assert leaks(json.loads((HISTORIES / path).read_text())) == []


@pytest.fixture
def secret_setup(sqlite_url, tmp_path, monkeypatch, task_queue, fake_zalo, fake_smtp):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "history-scan-" + "k" * 40)
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_TASK_QUEUE": task_queue, "DONDOC_PUBLIC_URL": "http://dondoc.test"})
    fake_zalo.tokens.add(f"111111:{TOKEN_SECRET}")
    drill = load_config(EXAMPLES / "drill.toml")
    mail = (f"mailto://dondoc:{SMTP_PASSWORD.replace('/', '%2F').replace('#', '%23')}@drill.local"
            f"?smtp=127.0.0.1&port={fake_smtp.port}&mode=insecure&from=dondoc@drill.local&to=")

    def secret(target: str) -> str:
        if target.startswith("zalo://"):
            return target.replace("111111:drilltoken", f"111111:{TOKEN_SECRET}")
        return mail + target.split("to=", 1)[1].split("&", 1)[0]

    d = drill.directory
    units = tuple(dataclasses.replace(u, targets=tuple(secret(t) for t in u.targets)) for u in d.units)
    officials = tuple(dataclasses.replace(o, targets=tuple(secret(t) for t in o.targets)) for o in d.officials)
    directory = dataclasses.replace(d, units=units, officials=officials,
                                    supervisors=tuple(secret(t) for t in d.supervisors))
    return settings, dataclasses.replace(drill, directory=directory)


async def test_live_histories_hold_no_secret(dev_env, secret_setup, fake_zalo):
    settings, config = secret_setup
    client = dev_env.client
    acts = [*TaskActivities(settings.database_url, config).activities(),
            *(lambda i: [i.recipients, i.record])(IncidentActivities(settings.database_url, config)),
            *ReportActivities(settings, config).activities(),
            DeliveryActivities(settings.database_url, settings, config=config, links=config.links).deliver]
    async with Worker(client, task_queue=settings.task_queue, activities=acts,
                      workflows=[TaskWorkflow, IncidentWorkflow, ReportWorkflow]):
        spec = TaskSpec(id=f"task/secret/{settings.task_queue}", title="Nhiệm vụ quét bí mật", lead_units=["vhxh"],
                        deadline_kind="once", due_at=datetime.now(timezone.utc) - timedelta(seconds=30))
        await start_or_amend(client, settings, config, spec)
        incident = await open_incident(client, settings, config, unit="cong-an-dk", title="Sự cố quét bí mật")
        report = await client.execute_workflow("ReportWorkflow", ReportInput(working_days_only=False),
                                               id=f"report/secret/{settings.task_queue}",
                                               task_queue=settings.task_queue)
        # (The fake SMTP server offers no login, so the mail with a password fails: what
        # matters here is what the history holds.)
        assert {d["group"] for d in report["deliveries"]} == {"chat", "email"}
        for _ in range(100):  # the task's first notice and the incident's alert have gone out
            if len(fake_zalo.messages) >= 4:
                break
            await __import__("asyncio").sleep(0.1)
        for workflow_id in (spec.id, incident.id, f"report/secret/{settings.task_queue}"):
            history = await client.get_workflow_handle(workflow_id).fetch_history()
            assert leaks(json.loads(history.to_json())) == [], workflow_id
        await client.get_workflow_handle(spec.id).terminate("test over")
        await client.get_workflow_handle(incident.id).terminate("test over")
    assert fake_zalo.messages and all(TOKEN_SECRET not in r.text for r in fake_zalo.messages)


def test_the_keys_only_fixtures_took_the_patch():
    """The new report fixtures were recorded on the keys-only path (they carry its marker);
    the legacy ones did not, and both replay (tests/test_report_workflow.py)."""
    for name in ("report_sent", "report_zalo_failed"):
        new = "".join(payload_texts(json.loads((HISTORIES / f"{name}__keys-only.json").read_text())))
        old = "".join(payload_texts(json.loads((HISTORIES / f"{name}.json").read_text())))
        assert '"id":"report-keys-only"' in new.replace(" ", "") and "report-keys-only" not in old
