"""The incident workflow's pure part: the steps an incident's ladder plans, what
is wrong with a report, and the small conversions the workflow's records use.

Plain functions of their arguments (no workflow state, no time of their own):
the workflow (workflows/incident.py) and the tests call them.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.incidents import IncidentReport, IncidentStep
    from domain.calendar import VN_TZ
    from domain.evidence import document_errors, parse_day
    from domain.incidents import due_of, utc
    from domain.policy import IncidentPolicy


def escalation_levels(policy: IncidentPolicy) -> list[str]:
    """The unit keeps being told (it is the one who must report) plus the escalation levels."""
    return ["unit"] + [lvl for lvl in policy.escalate_to if lvl != "unit"]


def plan_steps(detected_at: datetime, opened_at: datetime, policy: IncidentPolicy) -> list[IncidentStep]:
    """The steps still ahead when an incident is opened, up to the first escalation.

    Repeats after the first escalation are generated one at a time by the workflow
    (``escalate-N`` every ``repeat_seconds``), so an unreported incident never
    needs an unbounded list.
    """
    detected, opened = utc(detected_at), utc(opened_at)
    due = due_of(detected, policy)
    if opened >= due:
        return [IncidentStep("escalate-1", opened, "escalation", escalation_levels(policy))]
    steps = [IncidentStep("alert", opened, "alert", ["unit"])]
    for i, offset in enumerate(policy.reminders_seconds, start=1):
        at = detected + timedelta(seconds=offset)
        if opened < at < due:
            steps.append(IncidentStep(f"remind-{i}", at, "reminder", ["unit"]))
    steps.append(IncidentStep("escalate-1", due, "escalation", escalation_levels(policy)))
    return steps


def validate_report(report: IncidentReport, detected_at: datetime, now: datetime) -> list[str]:
    """What is wrong with a report, in Vietnamese (empty: acceptable)."""
    errors = []
    if not (report.key or "").strip():
        errors.append("thiếu khóa chống gửi trùng (key)")
    errors += document_errors(report.number, report.issued_on, report.summary, today=local_day(now),
                              note=report.note or "", not_before=local_day(detected_at),
                              asked="văn bản báo cáo", summary_of="báo cáo").values()
    if not isinstance(report.followed_coordination, bool):
        errors.append("Chưa cho biết có thực hiện theo điều phối của lực lượng chuyên trách hay không.")
    return errors


def local_day(moment: datetime) -> date:
    return utc(moment).astimezone(VN_TZ).date()


def hours(delta: timedelta) -> float:
    return round(max(delta.total_seconds(), 0) / 3600, 4)  # shown to the minute


def report_dict(report: IncidentReport) -> dict:
    issued = parse_day(report.issued_on)  # validated: ISO from here on, however it was typed
    return {"number": report.number, "issued_on": issued.isoformat() if issued else report.issued_on,
            "summary": report.summary,
            "followed_coordination": report.followed_coordination, "reporter": report.reporter,
            "note": report.note, "key": report.key}
