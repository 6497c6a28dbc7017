"""Rendering shared by the web pages: one Jinja2 environment (autoescaped: task
titles come from documents), Vietnamese labels and date formats, the clock.

Pages of other modules (incidents, reports) may extend ``base.html`` and use
``render(request, "x.html", {...}, status=...)`` the same way.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from domain.calendar import VN_TZ
from domain.display import (DATE_PATTERN, DATE_PLACEHOLDER, channel_words, hours_words, period_words,  # noqa: F401 (filters, used by routes)
                            step_label, vn_date, vn_datetime)
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from domain.review import JUDGED_WORDS
from web.queries import recipient_name

TEMPLATES = Path(__file__).resolve().parent / "templates"

STATUS = {"open": "Đang thực hiện", "completed": "Đã hoàn thành", "cancelled": "Đã hủy", "awaiting_review": "Chờ duyệt",
          "reported": "Đã báo cáo", "missed": "Chưa báo cáo (quá hạn)"}
RESULTS = {"early": "Hoàn thành trước hạn", "on_time": "Hoàn thành đúng hạn", "late": "Hoàn thành quá hạn"}
KINDS = {"once": "Có thời hạn", "recurring": "Thường xuyên", "unknown": "Chưa xác định thời hạn"}
EVENT_LABELS = {
    "assigned": "Giao nhiệm vụ", "reminder": "Nhắc việc", "escalation": "Leo thang đôn đốc",
    "confirmed": "Xác nhận hoàn thành", "completed": "Hoàn thành", "cycle_reported": "Báo cáo kỳ",
    "cycle_missed": "Kỳ báo cáo quá hạn", "extended": "Gia hạn", "amended": "Điều chỉnh theo kế hoạch mới",
    "cancelled": "Hủy nhiệm vụ", "extension_requested": "Đề nghị gia hạn",
    "extension_approved": "Lãnh đạo đồng ý gia hạn", "extension_declined": "Lãnh đạo không đồng ý gia hạn",
    "no_channel": "Không gửi được tới người nhận",
    # The task workflow's own projections (workflows/task.py, event kinds in the store).
    "task_assigned": "Bắt đầu theo dõi nhiệm vụ", "task_step": "Bước đôn đốc",
    "task_completed": "Xác nhận hoàn thành", "task_extended": "Gia hạn", "task_amended": "Điều chỉnh nhiệm vụ",
    "task_cancelled": "Hủy nhiệm vụ", "cycle_opened": "Mở kỳ báo cáo",
    "task_delegated": "Chuyển thành nhiệm vụ chung của kế hoạch cấp dưới",  # import --under (services/delegation.py)
    # The standing office's actions on the task page (web/routes_task_actions.py, routes_task_links.py).
    "link_resent": "Gửi lại đường dẫn báo cáo cho đơn vị", "link_revoked": "Thu hồi đường dẫn",
    # The standing office's review of a result (workflows/task_review.py).
    "task_review_waiting": "Đơn vị báo cáo hoàn thành, chờ Văn phòng duyệt",
    "task_review_reminded": "Nhắc Văn phòng duyệt kết quả", "task_returned": "Văn phòng trả lại kết quả",
    "task_review_accepted": "Văn phòng chấp nhận kết quả",
    # The unit's progress reports (workflows/task_progress.py).
    "task_progress": "Đơn vị báo cáo tiến độ",
    # What people answer the Zalo bot (services/zalo_bot.py).
    "zalo_ack": "Người nhận báo «đã nhận» qua Zalo", "zalo_linked": "Liên kết Zalo",
    "zalo_unlinked": "Hủy nhận tin qua Zalo",
    # The incident workflow's projections (workflows/incident.py).
    "incident_opened": "Mở theo dõi sự cố", "incident_step": "Thông báo sự cố",
    "incident_reported": "Đơn vị đã báo cáo sự cố",
}
CONFIRMED_KINDS = ("confirmed", "completed", "cycle_reported", "task_completed")
def incident_label(incident_id: str) -> str:
    """"incident/1" in words: "Sự cố số 1"."""
    number = (incident_id or "").rsplit("/", 1)[-1]
    return f"Sự cố số {number}" if number.isdigit() else "Sự cố"


_DETAIL_LABELS = {"due": "hạn", "old_due": "hạn cũ", "new_due": "hạn mới", "reason": "lý do",
                  "approved_by": "người đồng ý", "decided_by": "người quyết định", "requested_by": "đơn vị đề nghị",
                  "result": "kết quả", "reported_on": "ngày xác nhận", "note": "ý kiến", "changes": "thay đổi",
                  "policy": "chính sách nhắc việc", "cycle": "kỳ", "level": "cấp", "levels": "gửi tới",
                  "lead_units": "đơn vị chủ trì mới", "lead_official": "lãnh đạo phụ trách mới",
                  "decision_number": "căn cứ văn bản", "decision_date": "ngày ban hành", "recipient": "người nhận",
                  "purpose": "dùng để", "by": "người thực hiện", "judged_by": "xếp loại",
                  "document_number": "văn bản", "waiting_since": "chờ duyệt từ", "percent": "tiến độ",
                  "done": "kết quả đã thực hiện", "difficulty": "khó khăn, vướng mắc", "proposal": "đề xuất, kiến nghị",
                  "overdue_units": "đơn vị quá hạn"}
_CHANGE_WORDS = {"title": "tên nhiệm vụ", "output": "sản phẩm đầu ra", "lead_units": "đơn vị chủ trì",
                 "lead_official": "lãnh đạo phụ trách", "due": "thời hạn"}
_ORDER = {k: i for i, k in enumerate(("percent", "done", "difficulty", "proposal",
                                        "changes", "lead_units", "lead_official", "old_due", "new_due", "due",
                                        "decision_number", "decision_date", "decided_by", "approved_by", "reason"))}
_ORDER["by"] = len(_ORDER) + 1
_PURPOSE_WORDS = {"confirm": "xác nhận hoàn thành", "extend": "duyệt gia hạn", "incident": "báo cáo sự cố",
                  "report": "xem báo cáo"}
_HIDDEN_DETAILS = {"request_id", "assigned_at", "deliveries", "at", "planned_at", "step", "kind", "chat_id", "reporter",
                   "rollup", "parent"}
_LEVEL_NAMES = {"unit": "đơn vị chủ trì", "lead": "lãnh đạo phụ trách", "supervisors": "Ban Chỉ đạo"}
_POLICY_NAMES = {"once": "nhiệm vụ có thời hạn", "recurring": "nhiệm vụ thường xuyên, báo cáo định kỳ",
                 "drill": "diễn tập"}


_REVIEW_WORDS = {"judged_by": lambda v: JUDGED_WORDS.get(v, v), "waiting_since": vn_datetime}


def task_href(task_id: str) -> str:
    """The dashboard page of a task (its id keeps its slashes: "task/12/1")."""
    from urllib.parse import quote

    return f"/dashboard/tasks/{quote(task_id, safe='/')}"


# Events whose stored result is not a completion: a missed report cycle records
# result "late" for the roll-up, and "kết quả: Hoàn thành quá hạn" beside "Kỳ báo cáo quá
# hạn" would tell the office the cycle was done.
_NO_RESULT_WORDS = {"cycle_missed"}


def event_details(data: dict | None, kind: str = "") -> list[str]:
    """An event's data in words for the timeline ("kết quả: Hoàn thành đúng hạn · hạn mới: 31/12/2026")."""
    out = []
    # Stored data may come back with its keys sorted: read it in a reading order, who did it last.
    for key, value in sorted((data or {}).items(), key=lambda kv: _ORDER.get(kv[0], len(_ORDER))):
        if key in _HIDDEN_DETAILS or value in (None, "", [], {}):
            continue
        if key == "evidence" and isinstance(value, dict):
            text = str(value.get("document_number", ""))
            if value.get("issued_on"):
                text += f", ngày {vn_date(value['issued_on'])}"
            if value.get("confirmed_at"):
                text += f" (xác nhận lúc {vn_datetime(value['confirmed_at'])})"
            if value.get("summary"):
                text += f": {value['summary']}"
            out.append(f"văn bản: {text}")
            if value.get("recorded_by"):
                out.append(f"ghi nhận theo văn bản giấy, người thực hiện: {value['recorded_by']}")
            continue
        if key == "result":
            if kind in _NO_RESULT_WORDS:
                continue
            value = RESULTS.get(value, value)
        elif key in ("due", "old_due", "new_due", "reported_on", "decision_date") and isinstance(value, str):
            value = vn_date(value)
        elif key == "changes" and isinstance(value, list):
            value = ", ".join(_CHANGE_WORDS.get(v, v) for v in value)
        elif key == "percent":
            value = f"{value}%"
        elif key == "purpose":
            value = _PURPOSE_WORDS.get(value, value)
        elif key in _REVIEW_WORDS:  # the standing office's review (workflows/task_review.py)
            value = _REVIEW_WORDS[key](value)
        elif key == "cycle" and isinstance(value, str):
            value = period_words(value)
        elif key == "level" and isinstance(value, str):
            value = _LEVEL_NAMES.get(value, value)
        elif key == "policy":
            value = _POLICY_NAMES.get(value, value)
        elif key == "levels" and isinstance(value, list):
            value = ", ".join(_LEVEL_NAMES.get(v, v) for v in value)
        elif isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        out.append(f"{_DETAIL_LABELS.get(key, key)}: {value}")
    return out


DELIVERY = {"sent": "đã gửi", "failed": "gửi lỗi", "skipped": "bỏ qua", "pending": "đang chờ"}


def now_utc() -> datetime:
    """The clock, read once per request by each handler (tests replace it)."""
    return datetime.now(timezone.utc)


def today_vn(now: datetime) -> date:
    return now.astimezone(VN_TZ).date()


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(vn_date=vn_date, vn_datetime=vn_datetime,
                       status=lambda v: STATUS.get(v or "", v or ""),
                       result=lambda v: RESULTS.get(v or "", ""),
                       kind=lambda v: KINDS.get(v or "", v or ""),
                       delivery=lambda v: DELIVERY.get(v or "", v or ""), step=step_label, incident=incident_label,
                       event_details=event_details, period=period_words,
                       channel=channel_words, hours=hours_words)
    env.globals["event_labels"] = EVENT_LABELS
    env.globals["date_input"] = {"pattern": DATE_PATTERN, "placeholder": DATE_PLACEHOLDER}  # templates/_forms.html
    env.globals["confirmed_kinds"] = CONFIRMED_KINDS
    return env


ENV = _environment()


def render(request, name: str, context: dict[str, Any] | None = None, status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    ctx = {"request": request, "user": getattr(request.state, "user", None)}
    config = getattr(getattr(getattr(request, "app", None), "state", None), "config", None)
    ctx["name_of"] = (lambda key: recipient_name(config, key)) if config is not None else (lambda key: key)
    ctx.update(context or {})
    html = ENV.get_template(name).render(ctx)
    base = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
            # same-origin: the link token never leaks to a linked document's site, yet our own
            # POSTs keep a real Origin (under no-referrer Chromium sends "Origin: null").
            "Referrer-Policy": "same-origin",
            "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                       "script-src 'none'; frame-ancestors 'none'; form-action 'self'"}
    base.update(headers or {})
    return HTMLResponse(html, status_code=status, headers=base)
