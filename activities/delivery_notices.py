"""The standing office's notices about deliveries, built for activities/deliver.py:
a message that reached no channel (kind ``no_channel``) and a bot token Zalo
refused (kind ``zalo_token_refused``). Each is itself a delivery request.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from contracts.delivery import DeliverRequest, Recipient
from domain.calendar import VN_TZ
from notifiers.render import Message
from notifiers.transport import channel_of


def no_channel_notice(req: DeliverRequest, office: Recipient, message: Message, errors: list[str]) -> DeliverRequest:
    """Tells ``office`` that ``req`` (rendered as ``message``) reached no channel."""
    return DeliverRequest(
        subject_id=req.subject_id, cycle=req.cycle, step=f"no_channel/{req.step}/{req.recipient.key}",
        kind="no_channel", recipient=office,
        context={**{k: req.context.get(k) for k in ("title", "plan", "stt", "units") if req.context.get(k)},
                 "title": req.context.get("title") or message.subject,
                 "missed_recipient": req.recipient.name, "missed_level": req.recipient.level,
                 "missed_subject": message.subject, "errors": errors, "step": req.step},
    )


def outage_notice(office: Recipient | None, outcome, now: datetime) -> DeliverRequest | None:
    """Tells ``office``, over its channels other than Zalo, that Zalo refused the bot
    token; None when it has no such channel."""
    targets = [t for t in (office.targets if office else []) if channel_of(t) != "zalo"]
    if not targets:
        return None
    since = now.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
    return DeliverRequest(
        subject_id="zalo-bot", cycle="", step=f"zalo_outage/{now.strftime('%Y%m%dT%H%M%S%f')}",
        kind="zalo_token_refused", recipient=replace(office, targets=targets),
        context={"title": "Bot Zalo bị từ chối", "bot": outcome.bot or "", "since": since,
                 "error": outcome.error})
