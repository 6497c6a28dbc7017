"""What the Reports pages show, in words: the archive's rows (kind, period, sent or
only archived, to whom), a report's messages, the period phrases offered on the form,
who may do what. Shared by web/routes_reports_on_demand.py and routes_report_archive.py.
"""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from domain.calendar import VN_TZ
from domain.display import vn_date
from domain.report_period import ROMAN, period_figures
from store.report_archive import person_names
from web.masking import visible
from web.pages import render
from web.names import recipient_name

KIND_WORDS = {"daily": "Hằng ngày", "weekly": "Hằng tuần", "period": "Theo kỳ", "monthly": "Theo tháng"}
CHANNEL_WORDS = {"zalo": "Zalo", "email": "Email", "outbox": "Hộp thư đi", "none": "Không có kênh"}
PREVIEW_ROLES = ("admin", "office", "leader")
DAILY_FIGURES = (("tasks", "Tổng số nhiệm vụ"), ("completed", "Đã hoàn thành"), ("open", "Đang thực hiện"),
                 ("overdue", "Quá hạn chưa hoàn thành"), ("due_soon", "Đến hạn trong {h} ngày"),
                 ("recurring_open", "Nhiệm vụ thường xuyên"), ("unknown_deadline", "Chưa xác định thời hạn"),
                 ("incidents_open", "Sự cố chưa báo cáo"))


def may_preview(user) -> bool:
    """Admin and office make reports; a leader previews and downloads too; a viewer reads the archive."""
    return user is not None and user.role in PREVIEW_ROLES


def refused(request, message: str = "Tài khoản này chỉ được xem danh sách báo cáo đã lưu."):
    return render(request, "error.html", {"heading": "Không có quyền", "back": "/dashboard/reports",
                                          "message": message}, status=403)


def names(database_url: str, config, keys: list[str]) -> dict[str, str]:
    """Recipient keys in words: the supervisors' group, units, officials, registered people."""
    people = person_names(database_url, keys)
    return {k: people.get(k) or recipient_name(config, k) for k in keys}


def kind_words(row: dict) -> str:
    kind = row.get("report_kind") or row.get("kind")
    words = KIND_WORDS.get(kind, "Báo cáo")
    return f"{words}: {row['label']}" if row.get("label") and kind in ("period", "monthly") else words


def archive_view(database_url: str, config, rows: list[dict], user=None) -> list[dict]:
    """The archive's rows with their recipients named and their state in words; their
    texts' links whole for an administrator only (web/masking.py)."""
    keys = sorted({k for r in rows for k in r["recipients"] + r["failed"]})
    named = names(database_url, config, keys)
    out = []
    for r in rows:
        state = "sent" if r["recipients"] and not r["failed"] else "failed" if r["failed"] else "archived"
        text = visible(user, r, ("short_text",))["short_text"]
        out.append({**{k: v for k, v in r.items() if k != "short_text"}, "summary": summary(text),
                    "kind_words": kind_words(r), "state": state,
                    "recipient_names": [named[k] for k in r["recipients"]],
                    "failed_names": [named[k] for k in r["failed"]]})
    return out


def summary(short_text: str | None) -> str:
    """The report's Zalo text on one line, without its first line (the title, in capitals)."""
    lines = [line.strip() for line in (short_text or "").splitlines() if line.strip()]
    return " ".join(lines[1:] if len(lines) > 1 else lines)


def deliveries_view(database_url: str, config, rows: list[dict]) -> list[dict]:
    named = names(database_url, config, sorted({r["recipient"] for r in rows}))
    return [{**r, "recipient_name": named[r["recipient"]], "channel_words": CHANNEL_WORDS.get(r["channel"], "Khác"),
             "group_words": "Tin ngắn" if r["step"].endswith("-chat") else "Báo cáo đầy đủ"} for r in rows]


def period_suggestions(today: date) -> list[str]:
    """The phrases offered on the period form: this and the last quarter, this and the last month."""
    q = (today.month - 1) // 3 + 1
    last_q = (today.year, q - 1) if q > 1 else (today.year - 1, 4)
    last_m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return [f"Quý {ROMAN[q]}/{today.year}", f"Quý {ROMAN[last_q[1]]}/{last_q[0]}",
            f"Tháng {today.month}/{today.year}", f"Tháng {last_m[1]}/{last_m[0]}"]


def appendix_links(plans: list[dict], as_of: datetime, report_id: int | None = None) -> list[dict]:
    """For each plan, its appendix as of `as_of` (or as of the archived report) in XLSX and DOCX."""
    out = []
    for p in plans:
        base = {"plan": p["id"], **({"report": report_id} if report_id else {"as_of": as_of.isoformat()})}
        out.append({"name": p["name"], "xlsx": "/dashboard/reports/appendix?" + urlencode({**base, "format": "xlsx"}),
                    "docx": "/dashboard/reports/appendix?" + urlencode({**base, "format": "docx"})})
    return out


def today_text(now: datetime) -> str:
    return vn_date(now.astimezone(VN_TZ).date())


def headline_figures(data: dict) -> list[tuple[str, int]]:
    """The report's main numbers, as the preview shows them above the messages."""
    if data.get("kind") == "period":
        return [(label, value) for depth, label, value in period_figures(data) if depth == 0]
    totals = data.get("totals") or {}
    horizon = data.get("horizon_days", 7)
    return [(label.format(h=horizon), totals.get(key, 0)) for key, label in DAILY_FIGURES]
