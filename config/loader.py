"""Reading the TOML configuration: the directory, policies, calendar, schedules.

`${VAR}` and `${VAR:-default}` are replaced from the environment before parsing,
so secrets (Zalo bot tokens, SMTP passwords) live in the environment only.
Every problem is collected with the key it concerns, so `./dondoc config check`
can name them all at once instead of stopping at the first.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from croniter import croniter

from config.group_section import parse_groups
from config.indicator_section import parse_indicators
from config.review_section import parse_review
from config.progress_section import parse_progress
from config.sections import LEVELS, SectionParser  # noqa: F401 (LEVELS re-exported)
from domain.directory import Directory
from domain.links import LinkLifetimes
from domain.calendar import CalendarConfig
from domain.indicator_follow import IndicatorFollowUp
from domain.policy import Policies
from domain.review import ReviewPolicy

EXAMPLES = Path(__file__).resolve().parent / "examples"
DEFAULT_CONFIG = EXAMPLES / "default.toml"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class ReportSchedule:
    id: str
    cron: str
    kind: str = "daily"              # daily | weekly | period
    time_zone: str = "Asia/Ho_Chi_Minh"
    working_days_only: bool = True


@dataclass(frozen=True)
class ZaloBot:
    """The Zalo bot people sign up with (``[zalo]``). The token comes from the
    environment (``bot_token = "${ZALO_BOT_TOKEN}"``), never from the file itself."""
    bot_token: str = ""
    bot_name: str = "bot dondoc"
    bot_link: str = ""               # https://zalo.me/… : shown as a QR code on the invitation

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)


@dataclass(frozen=True)
class Config:
    directory: Directory
    policies: Policies
    calendar: CalendarConfig
    schedules: tuple[ReportSchedule, ...]
    source: str = ""
    users: tuple[dict, ...] = ()
    links: LinkLifetimes = LinkLifetimes()
    delivery_attempts: int = 4       # tries of one message over its channels before the standing office is told
    zalo: ZaloBot = ZaloBot()
    email_url: str = ""              # people's email: this SMTP URL with &to=<their address>
    indicators: IndicatorFollowUp = IndicatorFollowUp()   # how often indicators are reported ([indicators])
    review: ReviewPolicy = ReviewPolicy()  # the office's review of results, the moment judged by ([review], [results])
    checkin_min_days: int = 30       # [progress]: a one-off task longer than this gets a mid-way check-in (0: none)
    child_lead_days: int = 0         # [groups]: a group task's children fall due this many working days earlier




class ConfigError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def substitute_env(text: str, env: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """Replace ${VAR} / ${VAR:-default}; report variables that are unset and have no default."""
    env = os.environ if env is None else env
    missing: list[str] = []

    def repl(m: re.Match) -> str:
        name, default = m.group(1), m.group(2)
        if name in env and env[name] != "":
            return env[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    # Comment lines are left alone: an example like ${ZALO_BOT_TOKEN} in prose is not a use.
    lines = [ln if ln.lstrip().startswith("#") else _VAR.sub(repl, ln) for ln in text.splitlines(True)]
    return "".join(lines), missing


def resolve_path(path: str | Path | None) -> Path:
    return Path(path or os.environ.get("DONDOC_CONFIG") or DEFAULT_CONFIG)


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Load and validate; raise ConfigError listing every problem with its key."""
    p = resolve_path(path)
    try:
        raw_text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{p}: không đọc được tệp cấu hình ({exc.strerror})"]) from None
    text, missing = substitute_env(raw_text, env)
    errors = [f"${{{name}}}: biến môi trường chưa đặt và không có giá trị mặc định" for name in missing]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(errors + [f"{p}: TOML sai cú pháp: {exc}"]) from None
    parser = _Parser(errors)
    config = parser.config(data, str(p))
    if errors:
        raise ConfigError(errors)
    return config


class _Parser(SectionParser):
    """Turns the TOML tree into dataclasses, appending `key: message` errors."""

    def config(self, data: dict, source: str) -> Config:
        directory = self.directory(data)
        groups, child_lead_days = parse_groups(data.get("groups", {}), {u.key for u in directory.units}, self.err)
        return Config(
            directory=replace(directory, groups=groups),
            policies=self.policies(data.get("policies", {}), data.get("incident", {})),
            calendar=self.calendar(data.get("calendar", {})),
            schedules=self.schedules(data.get("reports", {})),
            source=source,
            users=tuple(data.get("users", [])),
            links=self.links(data.get("links", {})),
            delivery_attempts=self.delivery_attempts(data.get("delivery", {})),
            zalo=self.zalo(data.get("zalo", {})),
            email_url=str(data.get("email", {}).get("url", "")),
            indicators=parse_indicators(data.get("indicators", {}), self.err),
            review=parse_review(data.get("review", {}), data.get("results", {}), self.err),
            checkin_min_days=parse_progress(data.get("progress", {}), self.err),
            child_lead_days=child_lead_days,
        )

    def zalo(self, values: dict) -> "ZaloBot":
        token = str(values.get("bot_token", "")).strip()
        if token and not re.match(r"^[0-9]+:[A-Za-z0-9_-]+$", token):
            self.err("zalo.bot_token", "không đúng dạng mã bot Zalo (số:chuỗi)")
            token = ""
        return ZaloBot(token, str(values.get("bot_name", "bot dondoc")), str(values.get("bot_link", "")))

    # -- schedules (the other sections: config/sections.py) ----------------
    def schedules(self, reports: dict) -> tuple[ReportSchedule, ...]:
        out = []
        for sid, s in reports.items():
            cron = s.get("cron", "")
            if not croniter.is_valid(cron):
                self.err(f"reports.{sid}.cron", f"biểu thức cron không hợp lệ: {cron!r}")
                continue
            out.append(
                ReportSchedule(
                    id=sid,
                    cron=cron,
                    kind=s.get("kind", "daily"),
                    time_zone=s.get("time_zone", "Asia/Ho_Chi_Minh"),
                    working_days_only=bool(s.get("working_days_only", True)),
                )
            )
        return tuple(out)
