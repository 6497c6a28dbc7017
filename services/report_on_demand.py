"""Reports made from the dashboard, through what the 16:00 schedule uses.

* `preview(settings, config, order)`: the report computed as of the order's moment
  (activities/reports.compute, the build activity's own computation) and rendered by
  notifiers/report_pages.py exactly as it would go out: the Zalo text and the email
  of `report_daily` / `report_period`, and the page its link opens. Nothing is
  written; the signed link, made per recipient when sending, is shown as "…".
* `make(client, settings, order, send=...)`: the report workflow (workflows/report.py)
  run now for that kind, period and moment: the build activity archives it (the same
  kind and moment give the same row) and, with `send`, the delivery activity sends it
  to the supervisors, idempotently (one delivery key per report, step and recipient),
  logged in the outbox and the delivery log. Asking twice sends once.

An `Order` carries the moment the preview was computed for, so the report archived or
sent is the one previewed.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from activities.reports import REPORT_KINDS, compute, report_recipients
from domain.periods import PeriodError, read_period, read_range, span_of
from notifiers.report_pages import message_kind, render_message, render_page, report_context, report_title
from store.report_archive import person_names, record_request

MAKE_TIMEOUT_S = 90
FUTURE_SLACK = timedelta(minutes=5)
LINK_SHOWN = "…"
CHANNEL_WORDS = {"chat": "Zalo: tin ngắn kèm đường dẫn", "email": "Email: báo cáo đầy đủ"}


class OrderError(ValueError):
    """What is wrong with the asked-for report, worded for the person (Vietnamese)."""


@dataclass(frozen=True)
class Order:
    kind: str                 # daily | weekly | period | monthly (activities.reports.REPORT_KINDS)
    period: str | None        # a domain.periods key for the period kinds, else None
    as_of: datetime           # aware UTC: the moment the report is computed as of


def new_order(kind: str, period_text: str, first: str, last: str, now: datetime) -> Order:
    """A report asked for on the form: daily, or a period named "Quý II/2026",
    "Tháng 5/2026" or from `first` to `last` (dd/mm/yyyy); OrderError otherwise."""
    if kind == "daily":
        return Order("daily", None, now)
    if kind != "period":
        raise OrderError("Chọn loại báo cáo: hằng ngày hoặc tổng hợp theo kỳ.")
    try:
        if (first or "").strip() or (last or "").strip():
            return Order("period", read_range(first, last), now)
        if not (period_text or "").strip():
            raise OrderError("Nhập kỳ báo cáo (ví dụ «Quý II/2026», «Tháng 5/2026») hoặc khoảng ngày.")
        key = read_period(period_text)
        span_of(key)
    except PeriodError as err:
        raise OrderError(str(err)) from err
    except ValueError as err:  # a quarter or month that does not exist ("Tháng 13/2026")
        raise OrderError(f"Kỳ «{period_text.strip()}» không có thật. Ví dụ: «Quý II/2026», «Tháng 5/2026».") from err
    return Order("period", key, now)


def order_from(kind: str, period: str, as_of: str, now: datetime) -> Order:
    """The order a preview's form (or an archived report) carries back; OrderError when altered."""
    if kind not in REPORT_KINDS:
        raise OrderError("Loại báo cáo không hợp lệ.")
    try:
        moment = datetime.fromisoformat(as_of).astimezone(timezone.utc)
        if kind in ("period", "monthly") and period:
            span_of(period)
    except (TypeError, ValueError) as err:
        raise OrderError("Biểu mẫu báo cáo không hợp lệ; vui lòng xem trước lại.") from err
    if moment > now + FUTURE_SLACK:
        raise OrderError("Thời điểm tính báo cáo ở tương lai; vui lòng xem trước lại.")
    return Order(kind, (period or None) if kind in ("period", "monthly") else None, moment)


def preview(settings, config, order: Order) -> dict:
    """The report as it would be sent (see the module's docstring); nothing written."""
    data = compute(settings.database_url, config, order.kind, order.as_of, order.period)
    link = f"{settings.public_url.rstrip('/')}/r/{LINK_SHOWN}"
    context = {**report_context(data, link), "recipient_name": config.directory.supervisors_name,
               "level": "supervisors"}
    message = render_message(message_kind(data), context)
    return {"data": data, "title": report_title(data), "page": render_page(data), "subject": message.subject,
            "chat": message.chat, "email": message.html, "recipients": recipients(settings, config)}


def recipients(settings, config) -> list[dict]:
    """Who the report goes to (the supervisors' level of domain.recipients) and how."""
    found = report_recipients(settings.database_url, config)
    names = person_names(settings.database_url, [r.key for r in found])
    return [{"name": names.get(r.key, r.name), "channels": [CHANNEL_WORDS.get(g, g) for g in r.groups]}
            for r in found]


def workflow_id(order: Order, send: bool) -> str:
    """One id per report, moment and action: a second click joins the run in progress."""
    what = "send" if send else "archive"
    return f"report/manual/{order.kind}/{order.period or '-'}/{order.as_of:%Y%m%dT%H%M%S%f}/{what}"


async def make(client, settings, order: Order, *, send: bool, by: str, timeout: float = MAKE_TIMEOUT_S):
    """Run the report workflow for `order` now; its ReportOutcome (id, deliveries).
    Raises asyncio.TimeoutError when it has not finished within `timeout` seconds."""
    from temporalio.common import WorkflowIDConflictPolicy

    from workflows.report import WORKFLOW_NAME, ReportInput, ReportOutcome

    handle = await client.start_workflow(
        WORKFLOW_NAME,
        ReportInput(kind=order.kind, working_days_only=False, send=send, as_of=order.as_of.isoformat(),
                    period=order.period),
        id=workflow_id(order, send), task_queue=settings.task_queue, result_type=ReportOutcome,
        execution_timeout=timedelta(seconds=timeout * 2), id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    outcome = await asyncio.wait_for(handle.result(), timeout)
    if outcome.id is not None:
        await asyncio.to_thread(record_request, settings.database_url, outcome.id, by, send)
    return outcome
