"""The report workflow: what the 16:00 Schedule runs (and `./dondoc report daily --send`).

1. On a non-working day (weekend, Vietnamese holiday, configured day off) a scheduled
   run sends nothing: an activity answers from the calendar, so a holiday-table change
   never makes history replay differently.
2. Build: an activity computes the report as of the workflow's start (`workflow.now()`,
   i.e. the schedule's firing moment), renders it, archives a Report row and gives
   back its id and the signed link to its page.
3. Send to the supervisors through the delivery activity, per channel group: chat
   channels (Zalo) get the short version with the link, email the full report. Both
   carry the same link (same subject, cycle, recipient, purpose and expiry). The
   delivery key is (report/<id>, day, step, supervisors): a retried activity or a
   re-run of the same report never sends twice.

Deterministic: no I/O here, time from workflow.now().
"""
from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    import domain.recipients  # noqa: F401 (Recipient's module, for the payload converter)
    from contracts.delivery import DeliverRequest, DeliverResult, Recipient
    from contracts.reports import BuiltReport, ReportInput, ReportOutcome, ReportRequest
    from workflows.options import BUILD, SEND, SHORT

WORKFLOW_NAME = "ReportWorkflow"
# Patch: recipients travel by key and channel group, never by URL (see delivery_requests).
KEYS_ONLY = "report-keys-only"
SCHEDULED_AT = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
CHAT_SCHEMES = ("zalo", "outbox")


def channel_groups(targets: list[str]) -> list[tuple[str, list[str]]]:
    """("chat", zalo/outbox targets) and ("email", the others): each group is one
    delivery, so the chat gets the short text and the mail the full report."""
    chat = [t for t in targets if t.split("://", 1)[0].lower() in CHAT_SCHEMES]
    other = [t for t in targets if t not in chat]
    return [(name, group) for name, group in (("chat", chat), ("email", other)) if group]


@workflow.defn(name=WORKFLOW_NAME)
class ReportWorkflow:
    @workflow.run
    async def run(self, inp: ReportInput) -> ReportOutcome:
        as_of = self._as_of(inp)
        if inp.working_days_only:
            working = await workflow.execute_activity("report_is_working_day", as_of, result_type=bool, **SHORT)
            if not working:
                return ReportOutcome(skipped=True, reason="non-working day", as_of=as_of, kind=inp.kind)
        built: BuiltReport = await workflow.execute_activity(
            "build_report",
            ReportRequest(kind=inp.kind, as_of=as_of, schedule_id=inp.schedule_id,
                          working_days_only=inp.working_days_only, send=inp.send, period=inp.period),
            result_type=BuiltReport, **BUILD)
        outcome = ReportOutcome(id=built.id, url=built.url, as_of=built.as_of, kind=built.kind, totals=built.totals)
        if not inp.send:
            return outcome
        return await self._send(built, outcome)

    @staticmethod
    def _as_of(inp: ReportInput) -> str:
        # As of the schedule's nominal firing (16:00 sharp, even when a catch-up run
        # starts later), else an explicit moment, else now.
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_AT)
        return inp.as_of or (scheduled.isoformat() if scheduled else workflow.now().isoformat())

    @staticmethod
    async def _send(built: BuiltReport, outcome: ReportOutcome) -> ReportOutcome:
        """Every delivery at once; a failed one is reported in the outcome, not raised."""
        sends = delivery_requests(built, keys_only=workflow.patched(KEYS_ONLY))
        results = await asyncio.gather(*(
            workflow.execute_activity(
                "deliver", req, result_type=DeliverResult, **SEND)
            for _, _, req in sends), return_exceptions=True)
        for (key, group, req), res in zip(sends, results):
            outcome.deliveries.append(delivery_row(key, group, req, res))
        return outcome


def delivery_requests(built: BuiltReport, keys_only: bool = False) -> list[tuple[str, str, DeliverRequest]]:
    """(recipient key, channel group, request) of each delivery, in sending order.

    Keys only (patch KEYS_ONLY, reports built since): the recipient is named by its key
    and the delivery activity looks its channels of the group up at send time, so no
    channel URL (a bot token, an SMTP password) enters the history. Reports built before
    carried the URLs themselves, and are sent as they were."""
    sends = []
    for rec in built.recipients:
        if keys_only and rec.groups:
            groups = [(group, []) for group in rec.groups]
        else:
            groups = channel_groups(list(rec.targets))
        for group, targets in groups:
            req = DeliverRequest(
                subject_id=f"report/{built.id}", cycle=built.cycle, step=f"{built.kind}-{group}",
                kind=built.message_kind, recipient=Recipient(rec.key, rec.name, rec.level, targets),
                context=dict(built.context), link_purpose="report", link_expires_at=built.link_expires_at,
                channel_group=group if not targets else None)
            sends.append((rec.key, group, req))
    return sends


def delivery_row(key: str, group: str, req: DeliverRequest, res: DeliverResult | BaseException) -> dict:
    """One delivery as the outcome lists it: its result, or why it failed."""
    if isinstance(res, BaseException):
        return {"recipient": key, "group": group, "step": req.step, "status": "failed",
                "channel": "", "error": str(res.cause if getattr(res, "cause", None) else res)}
    return {"recipient": key, "group": group, "step": req.step, "status": res.status,
            "channel": res.channel, "key": res.key, "attempts": res.attempts,
            "error": res.error}
