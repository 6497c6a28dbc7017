"""The sections of the TOML configuration a `config.loader` parser reads: links,
delivery, the directory (units, officials, supervisors), policies and the calendar.

`SectionParser` turns each table into its dataclass and appends ``key: message``
errors to the list it was given, so every problem is reported at once.
"""
from __future__ import annotations

from datetime import date, time
from typing import Any

from domain.calendar import CalendarConfig
from domain.directory import Directory, Official, Unit
from domain.links import LinkLifetimes
from domain.policy import IncidentPolicy, LadderPolicy, Policies, RecurringPolicy, Step

LEVELS = {"unit", "lead", "supervisors"}


class SectionParser:
    """Turns the TOML tables into dataclasses, appending `key: message` errors."""

    def __init__(self, errors: list[str]):
        self.errors = errors

    def err(self, key: str, msg: str) -> None:
        self.errors.append(f"{key}: {msg}")

    # -- links and delivery ------------------------------------------------
    def links(self, values: dict) -> LinkLifetimes:
        default = LinkLifetimes()
        days = {}
        for purpose in ("confirm", "incident", "report", "extend", "other"):
            value = values.get(f"{purpose}_days", getattr(default, purpose))
            if not isinstance(value, int) or not 1 <= value <= 366:
                self.err(f"links.{purpose}_days", "phải là số ngày từ 1 đến 366")
                value = getattr(default, purpose)
            days[purpose] = value
        return LinkLifetimes(**days)

    def delivery_attempts(self, values: dict) -> int:
        attempts = values.get("attempts", 4)
        # The workflows allow 8 activity attempts (workflows/options.py SEND_ATTEMPTS): the
        # delivery must give up (and tell the standing office) before Temporal does.
        if not isinstance(attempts, int) or not 1 <= attempts <= 7:
            self.err("delivery.attempts", "phải từ 1 đến 7 (số lần thử gửi một tin trước khi báo Văn phòng)")
            return 4
        return attempts

    # -- directory ---------------------------------------------------------
    def directory(self, data: dict) -> Directory:
        units = tuple(self.unit(k, v) for k, v in data.get("units", {}).items())
        officials = tuple(self.official(k, v) for k, v in data.get("officials", {}).items())
        unit_keys = {u.key for u in units}
        official_keys = {o.key for o in officials}
        for u in units:
            if u.lead_official and u.lead_official not in official_keys:
                self.err(f"units.{u.key}.lead_official", f"không có lãnh đạo '{u.lead_official}' trong [officials]")
        for o in officials:
            for uk in o.units:
                if uk not in unit_keys:
                    self.err(f"officials.{o.key}.units", f"không có đơn vị '{uk}' trong [units]")
        sup = data.get("supervisors", {})
        standing = data.get("standing_office", "")
        if not standing:
            self.err("standing_office", "phải chỉ ra đơn vị thường trực nhận nhiệm vụ chưa có chủ")
        elif standing not in unit_keys:
            self.err("standing_office", f"không có đơn vị '{standing}' trong [units]")
        targets = self.targets("supervisors.targets", sup.get("targets", []))
        return Directory(units, officials, targets, sup.get("name", "Ban Chỉ đạo"), standing)

    def unit(self, key: str, v: dict) -> Unit:
        if not v.get("name"):
            self.err(f"units.{key}.name", "thiếu tên đơn vị")
        return Unit(
            key=key,
            name=v.get("name", key),
            aliases=tuple(v.get("aliases", [])),
            targets=self.targets(f"units.{key}.targets", v.get("targets", [])),
            lead_official=v.get("lead_official"),
        )

    def official(self, key: str, v: dict) -> Official:
        if not v.get("name"):
            self.err(f"officials.{key}.name", "thiếu họ tên")
        return Official(
            key=key,
            name=v.get("name", key),
            title=v.get("title", ""),
            units=tuple(v.get("units", [])),
            aliases=tuple(v.get("aliases", [])),
            targets=self.targets(f"officials.{key}.targets", v.get("targets", [])),
        )

    def targets(self, key: str, values: Any) -> tuple[str, ...]:
        if not isinstance(values, list):
            self.err(key, "phải là danh sách URL Apprise")
            return ()
        for i, url in enumerate(values):
            if not isinstance(url, str) or "://" not in url:
                self.err(f"{key}[{i}]", f"không phải URL Apprise: {url!r}")
        return tuple(v for v in values if isinstance(v, str))

    # -- policies ----------------------------------------------------------
    def steps(self, key: str, values: Any, default: tuple[Step, ...]) -> tuple[Step, ...]:
        if values is None:
            return default
        out = []
        for i, s in enumerate(values):
            if not isinstance(s, dict) or not isinstance(s.get("offset"), int):
                self.err(f"{key}[{i}].offset", "phải là số nguyên")
                continue
            to = tuple(s.get("to", ["unit"]))
            bad = [lvl for lvl in to if lvl not in LEVELS]
            if bad:
                self.err(f"{key}[{i}].to", f"cấp không hợp lệ {bad}; dùng unit, lead, supervisors")
            out.append(Step(s["offset"], to))
        return tuple(sorted(out, key=lambda s: s.offset))

    def unit_name(self, key: str, value: str) -> str:
        if value not in ("working_days", "seconds"):
            self.err(key, "phải là 'working_days' hoặc 'seconds'")
        return value

    def policies(self, p: dict, inc: dict) -> Policies:
        once_d, rec_d, inc_d = LadderPolicy(), RecurringPolicy(), IncidentPolicy()
        o, r = p.get("once", {}), p.get("recurring", {})
        once = LadderPolicy(
            name=o.get("name", "once"),
            unit=self.unit_name("policies.once.unit", o.get("unit", once_d.unit)),
            steps=self.steps("policies.once.steps", o.get("steps"), once_d.steps),
            repeat_every=int(o.get("repeat_every", once_d.repeat_every)),
            repeat_to=tuple(o.get("repeat_to", once_d.repeat_to)),
            office_hours=bool(o.get("office_hours", once_d.office_hours)),
            calm_start=int(o.get("calm_start", once_d.calm_start)),
        )
        if once.calm_start < 0:
            self.err("policies.once.calm_start", "phải từ 0 trở lên (0: báo Ban Chỉ đạo ngay theo thang nhắc)")
        report_day = int(r.get("report_day", rec_d.report_day))
        if not 0 <= report_day <= 28:
            self.err("policies.recurring.report_day", "phải từ 0 (ngày làm việc cuối tháng) đến 28")
        recurring = RecurringPolicy(
            name=r.get("name", "recurring"),
            unit=self.unit_name("policies.recurring.unit", r.get("unit", rec_d.unit)),
            cycle_seconds=int(r.get("cycle_seconds", 0)),
            report_day=report_day,
            steps=self.steps("policies.recurring.steps", r.get("steps"), rec_d.steps),
            office_hours=bool(r.get("office_hours", rec_d.office_hours)),
        )
        window = int(inc.get("window_seconds", inc_d.window_seconds))
        reminders = tuple(int(x) for x in inc.get("reminders_seconds", inc_d.reminders_seconds))
        if any(x >= window for x in reminders):
            self.err("incident.reminders_seconds", "nhắc phải trước khi hết hạn báo cáo (window_seconds)")
        incident = IncidentPolicy(
            window_seconds=window,
            reminders_seconds=reminders,
            escalate_to=tuple(inc.get("escalate_to", inc_d.escalate_to)),
            repeat_seconds=int(inc.get("repeat_seconds", inc_d.repeat_seconds)),
        )
        return Policies(once, recurring, incident)

    # -- calendar and schedules -------------------------------------------
    def dates(self, key: str, values: Any) -> tuple[date, ...]:
        out = []
        for i, v in enumerate(values or []):
            try:
                out.append(v if isinstance(v, date) else date.fromisoformat(str(v)))
            except ValueError:
                self.err(f"{key}[{i}]", f"ngày không hợp lệ {v!r} (dùng YYYY-MM-DD)")
        return tuple(out)

    def clock(self, key: str, value: Any, default: time) -> time:
        if value is None:
            return default
        try:
            return value if isinstance(value, time) else time.fromisoformat(str(value))
        except ValueError:
            self.err(key, f"giờ không hợp lệ {value!r} (dùng HH:MM)")
            return default

    def calendar(self, c: dict) -> CalendarConfig:
        d = CalendarConfig()
        return CalendarConfig(
            days_off=self.dates("calendar.days_off", c.get("days_off")),
            makeup_days=self.dates("calendar.makeup_days", c.get("makeup_days")),
            office_start=self.clock("calendar.office_start", c.get("office_start"), d.office_start),
            office_end=self.clock("calendar.office_end", c.get("office_end"), d.office_end),
            enabled=bool(c.get("enabled", True)),
        )
