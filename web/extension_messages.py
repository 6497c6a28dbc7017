"""The two messages the extension pages send, as delivery requests for
services.delivery (the delivery activity's code: Zalo then email, the delivery log,
the standing office told when no channel works), with the text of the notifier
templates ``extension_request`` and ``extension_declined``.

  to the lead official   step ``extension_request/<request_id>``, with the signed
                         approve/decline link (purpose "extend", made by the activity)
  to the unit(s)         step ``extension_declined/<request_id>``, when it is declined

No workflow sends these (an extension changes nothing until approved, and a
decline never does), so the page sends them itself. Blocking: run in a thread.
"""
from __future__ import annotations

from datetime import datetime

from contracts.delivery import DeliverRequest
from domain.links import LinkClaims
from domain.recipients import Recipient, lead_officials, official_label, resolve
from services.delivery import deliver
from web.link_guard import Subject



def _context(subject: Subject, data: dict) -> dict:
    # Plain values: the context is also copied into the standing office's notice.
    task = subject.task
    return {"title": task.title, "stt": task.stt or "", "units": list(subject.unit_names),
            "old_due": data.get("old_due"), "new_due": data.get("new_due")}


def notify_lead(settings, config, subject: Subject, claims: LinkClaims, data: dict, now: datetime) -> str:
    """Send the lead official(s) the request with an approve/decline link; the names
    of those it reached, joined, or '' when it reached nobody."""
    task = subject.task
    officials = lead_officials(config.directory, task.lead_official, list(task.lead_units or []))
    reached = []
    for official in officials:
        request = DeliverRequest(
            subject_id=claims.subject_id, cycle=claims.cycle, step=f"extension_request/{data['request_id']}",
            kind="extension_request",
            recipient=Recipient(official.key, official_label(official), "lead", list(official.targets)),
            context=dict(_context(subject, data), reason=data.get("reason", "")),
            link_purpose="extend")  # valid for [links] extend_days from the send
        if deliver(settings, config, request).status == "sent":
            reached.append(official.name)
    return ", ".join(reached)


def notify_requester(settings, config, subject: Subject, claims: LinkClaims, request: dict,
                     decision: dict) -> None:
    """Tell the task's lead unit(s) that the lead official declined the extension."""
    found = resolve(config.directory, list(subject.task.lead_units or []), ["unit"],
                    unknown_unit="standing_office")
    context = dict(_context(subject, request), decided_by=decision.get("decided_by", ""),
                   note=decision.get("note", ""))
    for unit in found.recipients:
        deliver(settings, config, DeliverRequest(
            subject_id=claims.subject_id, cycle=claims.cycle, step=f"extension_declined/{request['request_id']}",
            kind="extension_declined", recipient=unit, context=dict(context),
            standing_office=found.standing_office))
