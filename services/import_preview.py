"""What importing a plan will send on its first day, said before anything is sent.

The preview walks each task's ladder exactly as its workflow will plan it at start
(the same `plan_steps`, the same recipient resolver) and counts the messages due from
now to the end of the import day, or to the first office-hours moment when the import
happens after hours. It assumes every row is new: a re-imported task keeps its
running workflow and sends nothing again.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Any

from activities.tasks import cycle_info, plan_steps, resolve_recipients
from services.tasks import spec_of, task_input
from domain.calendar import VN_TZ, WorkingCalendar
from contracts.tasks import CycleRequest, PlanRequest
from domain.groups import leads_a_group

KIND_LABELS = {
    "assigned": "giao nhiệm vụ", "assigned_overdue": "giao nhiệm vụ đã quá hạn", "reminder": "nhắc việc",
    "escalation": "báo quá hạn", "cycle_reminder": "nhắc báo cáo định kỳ", "cycle_escalation": "báo chậm báo cáo định kỳ",
}
LEVEL_LABELS = {"unit": "đơn vị chủ trì", "lead": "lãnh đạo phụ trách", "supervisors": "Ban Chỉ đạo"}


@dataclass
class MessagePreview:
    total: int = 0
    until: str = ""                                   # the end of the window counted (ISO)
    by_kind: Counter = field(default_factory=Counter)
    by_level: Counter = field(default_factory=Counter)
    recipients: Counter = field(default_factory=Counter)  # (level, name) -> messages

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total, "until": self.until,
            "by_kind": dict(self.by_kind),
            "by_level": {lvl: self.by_level.get(lvl, 0) for lvl in LEVEL_LABELS},
            "recipients": [{"level": lvl, "name": name, "count": n}
                           for (lvl, name), n in sorted(self.recipients.items(), key=lambda kv: (-kv[1], kv[0]))],
        }

    def lines(self) -> list[str]:
        """The preview in words, for the command line and the dashboard."""
        if not self.total:
            return ["Khi nhập: không gửi tin nào trong ngày nhập."]
        kinds = ", ".join(f"{n} {KIND_LABELS.get(k, k)}" for k, n in self.by_kind.most_common())
        levels = ", ".join(f"{LEVEL_LABELS[lvl]} {self.by_level[lvl]}" for lvl in LEVEL_LABELS if self.by_level[lvl])
        return [f"Khi nhập sẽ gửi {self.total} tin trong ngày nhập ({kinds}).", f"Người nhận: {levels}."]


def preview_messages(result, config, now: datetime) -> MessagePreview:
    """Messages the import of `result` sends from `now` to the end of the window."""
    cal = WorkingCalendar(config.calendar)
    until = _window_end(cal, now)
    preview = MessagePreview(until=until.isoformat())
    for rec in result.tasks:
        if rec.status == "completed":
            continue
        spec = spec_of(rec, result.plan)
        if not _tracked(spec):
            continue
        if leads_a_group(config.directory, spec.lead_units):  # one task per member unit, and the parent's ladder
            _count_group(preview, spec, config, cal, now, until)
            continue
        _count_task(preview, spec, config, cal, now, until)
    return preview


def _count_group(preview: MessagePreview, spec, config, cal: WorkingCalendar, now: datetime, until: datetime) -> None:
    """A group's task as it will run: each member's task at the unit level, and the
    parent's lead official and supervisors (as if every unit were still overdue)."""
    from activities.task_group import group_plan_steps
    from domain.groups import fan_out_units
    from services.task_groups import child_config, child_specs, parent_input

    own = child_config(config)
    for child in child_specs(config, spec):
        _count_task(preview, child, own, cal, now, until)
    inp = parent_input(spec, config.policies)
    cycle = cycle_info(cal, CycleRequest(spec.id, spec.every, inp.recurring, now, None, spec.due, spec.due_at))
    plan = group_plan_steps(cal, PlanRequest(spec.id, "start", cycle.due, cycle.due_at, now,
                                             ladder=inp.ladder, recurring=inp.recurring))
    units = fan_out_units(config.directory, spec.lead_units)
    for step in plan.steps:
        if step.at > until:
            break
        for r in resolve_recipients(config.directory, units, spec.lead_official, list(step.levels)).recipients:
            preview.total += 1
            preview.by_kind[step.kind] += 1
            preview.by_level[r.level if r.level in LEVEL_LABELS else "unit"] += 1
            preview.recipients[(r.level, r.name)] += 1


def _tracked(spec) -> bool:
    return spec.deadline_kind == "recurring" or (spec.deadline_kind == "once" and bool(spec.due or spec.due_at))


def _window_end(cal: WorkingCalendar, now: datetime) -> datetime:
    end_of_day = datetime.combine(now.astimezone(VN_TZ).date(), time.max, VN_TZ).astimezone(timezone.utc)
    return max(end_of_day, cal.next_office_instant(now))


def _count_task(preview: MessagePreview, spec, config, cal: WorkingCalendar, now: datetime, until: datetime) -> None:
    inp = task_input(spec, config.policies)
    cycle = cycle_info(cal, CycleRequest(spec.id, spec.every, inp.recurring, now, None, spec.due, spec.due_at))
    plan = plan_steps(cal, PlanRequest(spec.id, "start", cycle.due, cycle.due_at, now,
                                       ladder=inp.ladder, recurring=inp.recurring))
    for step in plan.steps:
        if step.at > until:
            break
        kind = "assigned_overdue" if step.kind == "assigned" and step.days < 0 else step.kind
        resolved = resolve_recipients(config.directory, list(spec.lead_units), spec.lead_official, list(step.levels))
        for r in resolved.recipients:
            preview.total += 1
            preview.by_kind[kind] += 1
            preview.by_level[r.level if r.level in LEVEL_LABELS else "unit"] += 1
            preview.recipients[(r.level, r.name)] += 1
