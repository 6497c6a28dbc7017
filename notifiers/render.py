"""Messages in Vietnamese from Jinja2 templates, rendered per recipient.

``render(kind, context) -> Message`` gives:
  - ``subject``: one line (email subject, outbox title);
  - ``text``: plain text (email text, outbox body);
  - ``html``: the email's HTML (autoescaped: task titles come from documents);
  - ``chat``: plain text for Zalo and other chat channels (which have no subject:
    the text opens with its own headline), always under 2,000 characters (Zalo's
    limit), long titles shortened, the link kept whole.

Templates live in notifiers/templates: ``{kind}.txt.j2`` (sets ``subject``; its
output is the text) and ``{kind}.html.j2`` (extends ``_layout.html.j2``).

Context: a plain dict (it crosses Temporal as JSON). Dates may be ``date``,
``datetime`` or ISO text; they are shown as dd/mm/yyyy (instants as HH:MM
dd/mm/yyyy, Vietnam time). Lists of names may also be a single string.

  every kind     title          task / incident title (required; REQUIRED lists the
                                others each kind needs)
                 plan           plan or document name
                 stt            the task's number in the appendix
                 units          lead unit name(s) (đơn vị chủ trì)
                 lead_official  lead official's name (lãnh đạo phụ trách)
                 output         expected output (sản phẩm đầu ra)
                 recipient_name whom the message greets   } filled by the delivery
                 level          unit|lead|supervisors|standing_office } activity from
                 link           the signed link (if any)               } the request
  assigned       due, assigned_late (bool: assigned after steps had passed)
  reminder       due, days_left (working days; 0 = due today)
  escalation     due, days_late (working days), notified (names already told)
  cycle_reminder   period (e.g. "tháng 05/2026"), due, days_left
  cycle_escalation period, due, days_late, notified
  completed      result (early|on_time|late), completed_on, due, period (for a cycle),
                 evidence_number (số ký hiệu văn bản); judged_by = "issued_on" and confirmed_at
                 when the result is judged by the document's date of issue
  amended        old_due, new_due (or due), reason, approved_by, changes (list of text),
                 decision_number, decision_date, decided_by (a deadline decided by a document)
  cancelled      reason, cancelled_on, due, period (for a recurring task)
  link_resent    due, overdue (bool), period (for a cycle); the link
  review_returned due, reason, returned_on, document_number, issued_on, overdue (bool); the link
  review_reminder due, confirmed_at, document_number, issued_on, result, judged_by (issued_on|arrival)
  checkin        due, days_left: the mid-way check-in asking the unit for a progress report
  difficulty     difficulty, proposal, note, percent, reported_by, reported_at, due (to the
                 lead official and the supervisors), period (for a recurring task's cycle)
  incident_alert      detected_at, due_at, hours_left, severity
  incident_escalation detected_at, due_at, hours_late, notified
  incident_reported   detected_at, reported_at, result (on_time|late), report_number
  no_channel     missed_recipient, missed_level, missed_subject, errors (list), step
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from domain import display
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

KINDS = (
    "assigned", "reminder", "escalation", "cycle_reminder", "cycle_escalation", "completed",
    "amended", "cancelled", "link_resent", "review_returned", "review_reminder", "incident_alert", "incident_escalation", "incident_reported",
    "no_channel", "checkin", "difficulty",
)
# Keys a kind cannot be written without (besides "title"); the rest are optional.
REQUIRED = {
    "reminder": ("due", "days_left"),
    "escalation": ("due", "days_late"),
    "cycle_reminder": ("period", "due", "days_left"),
    "cycle_escalation": ("period", "due", "days_late"),
    "completed": ("result",),
    "cancelled": ("reason",),
    "link_resent": ("due",),
    "review_returned": ("due", "reason"),
    "review_reminder": ("due",),
    "checkin": ("due",),
    "difficulty": ("difficulty",),
    "incident_alert": ("detected_at", "due_at"),
    "incident_escalation": ("detected_at", "due_at"),
    "incident_reported": ("detected_at", "reported_at", "result"),
    "no_channel": ("missed_recipient",),
}
CHAT_LIMIT = 1990  # Zalo accepts 1..2,000 characters; keep a margin
_TITLE_STEPS = (None, 600, 300, 150, 80)  # title lengths tried for the chat text

RESULTS = {"early": "trước hạn", "on_time": "đúng hạn", "late": "quá hạn"}
LEVELS = {"unit": "đơn vị chủ trì", "lead": "lãnh đạo phụ trách",
          "supervisors": "Ban Chỉ đạo", "standing_office": "Văn phòng (thường trực)"}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    chat: str


def shorten(text: Any, limit: int | None) -> str:
    """``text`` cut to at most ``limit`` characters on a word boundary, with "…".
    NFC first, so a Vietnamese letter and its tone mark are never split apart."""
    text = unicodedata.normalize("NFC", " ".join(str(text or "").split()))
    if limit is None or len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]
    return cut.rstrip(" ,;:-–") + "…"


def vn_date(value: Any) -> str:
    """dd/mm/yyyy (domain.display); a message says "chưa xác định" for no date."""
    return display.vn_date(value, "chưa xác định")


def vn_datetime(value: Any) -> str:
    return display.vn_datetime(value, "chưa xác định")


hours = display.hours_words


def names(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return ", ".join(str(v) for v in value if v)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).with_name("templates"))),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: no stat() of the file at every render.
        auto_reload=False,
        cache_size=-1,
    )
    env.filters.update(vn_date=vn_date, vn_datetime=vn_datetime, names=names, shorten=shorten, hours=hours,
                       result_label=lambda v: RESULTS.get(v or "", v or "chưa phân loại"),
                       level_label=lambda v: LEVELS.get(v or "", v or ""), overdue=display.overdue_of,
                       period=display.period_words)
    return env


@lru_cache(maxsize=None)
def _template(name: str):
    # Compiled once per process (the Environment is module-wide and never reloads).
    return _environment().get_template(name)


@lru_cache(maxsize=1)
def _template_names() -> frozenset[str]:
    return frozenset(_environment().list_templates())


def _render_text(kind: str, context: Mapping[str, Any]) -> tuple[str, str]:
    module = _template(f"{kind}.txt.j2").make_module(dict(context))
    return " ".join(str(module.subject).split()), _tidy(str(module))


def _tidy(text: str) -> str:
    # Optional lines leave blank runs behind; keep at most one empty line.
    lines, blank = [], 0
    for line in text.splitlines():
        line = line.rstrip()
        blank = blank + 1 if not line else 0
        if blank <= 1:
            lines.append(line)
    return "\n".join(lines).strip()


def _fit(text: str, link: str, limit: int) -> str:
    """Last resort for very long contexts: cut the text, keep the link line whole."""
    if len(text) <= limit:
        return text
    tail = ""
    if link and link in text:
        tail = "\n" + next(line for line in text.splitlines() if link in line)
    room = limit - len(tail) - 1
    return shorten(text[:room], room) + tail if room > 0 else tail.strip()[:limit]


def _chat(kind: str, context: Mapping[str, Any]) -> str:
    if not context.get("title"):
        _, chat = _render_text(kind, context)
        return _fit(chat, str(context.get("link") or ""), CHAT_LIMIT)
    for limit in _TITLE_STEPS:
        _, chat = _render_text(kind, {**context, "title": shorten(context.get("title"), limit)})
        if len(chat) <= CHAT_LIMIT:
            return chat
    return _fit(chat, str(context.get("link") or ""), CHAT_LIMIT)


def _checked(kind: str, context: Mapping[str, Any]) -> Mapping[str, Any]:
    """The context of a known kind with its required keys, its title normalised."""
    if kind not in KINDS and f"{kind}.txt.j2" not in _template_names():
        raise ValueError(f"unknown message kind {kind!r}; expected one of {', '.join(KINDS)}")
    required = ("title", *REQUIRED.get(kind, ())) if kind in KINDS else ()
    missing = [k for k in required if context.get(k) in (None, "")]
    if missing:
        raise ValueError(f"message {kind!r} needs {', '.join(missing)} in its context")
    if "title" in context:
        context = {**context, "title": shorten(context["title"], None)}
    return context


def render_chat(kind: str, context: Mapping[str, Any]) -> str:
    """Only the chat text of ``render(kind, context)``: for a caller that keeps nothing
    else (the archived report's Zalo text), without rendering the email's HTML, which
    for a large daily report costs a hundred times more."""
    return _chat(kind, _checked(kind, context))


def render(kind: str, context: Mapping[str, Any]) -> Message:
    """The message of ``kind`` (one of KINDS, or any other kind with a pair of
    templates in notifiers/templates, such as the reports') for this context."""
    context = _checked(kind, context)
    subject, _ = _render_text(kind, {**context, "title": shorten(context.get("title"), 200)})
    _, text = _render_text(kind, context)
    html = _template(f"{kind}.html.j2").render(context).strip()
    return Message(subject=subject, text=text, html=html, chat=_chat(kind, context))
