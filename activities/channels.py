"""A message's channels, looked up when it is sent.

Workflows name recipients by key (a unit, an official, the supervisors, a registered
person): their history is readable by anyone with the Temporal UI, and a channel URL
may carry a bot token or an SMTP password. The delivery activity fills the channels
in here, from the configuration and the people directory as they are at send time.
A request recorded before this (its recipient still carrying URLs) is sent as it is.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Callable

from contracts.delivery import DeliverRequest
from domain.directory import Directory
from domain.links import LinkLifetimes
from domain.recipients import Recipient, channel_group, targets_of


def with_channels(req: DeliverRequest, directory: Callable[[], Directory] | None) -> DeliverRequest:
    """``req`` with its recipient's (and standing office's) channels filled in."""
    if directory is None or (req.recipient.targets and (req.standing_office is None or req.standing_office.targets)):
        return req
    found = directory()
    recipient = _filled(req.recipient, found, req.channel_group)
    office = _filled(req.standing_office, found, None) if req.standing_office is not None else None
    return replace(req, recipient=recipient, standing_office=office)


def _filled(recipient: Recipient, directory: Directory, group: str | None) -> Recipient:
    if recipient.targets:
        return recipient
    targets = targets_of(directory, recipient.key)
    if group:
        targets = [t for t in targets if channel_group(t) == group]
    return replace(recipient, targets=targets)


def link_expiry(req: DeliverRequest, now: datetime, links: LinkLifetimes) -> datetime:
    """When the message's link stops working: the configured days of its purpose
    ([links]) from the later of the send and ``link_valid_from``; or an exact expiry
    (histories recorded before [links] existed)."""
    if req.link_expires_at:
        return _as_utc(req.link_expires_at)
    start = max(now, _as_utc(req.link_valid_from)) if req.link_valid_from else now
    return start + timedelta(days=links.days(req.link_purpose))


def _as_utc(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
