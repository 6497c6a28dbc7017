"""The delivery activity: one message to one recipient, through the first channel
that works, written to the delivery log so a retried activity never sends twice.

Delivery log rows (store.models.Delivery), keyed by business identity, never a run
id: one for the delivery, one per channel tried (activities/delivery_log.py).

The retry rule. Each activity attempt tries the recipient's targets once, in order
(Zalo first, then email), and stops at the first that works. When none works:
  - if some failure may pass (a refused or unreachable service) and the activity's
    attempt number is below ``max_attempts`` (DELIVER_ATTEMPTS), it raises a
    retryable ApplicationError("DeliveryFailed") so Temporal retries with backoff;
  - otherwise (attempts used up, or every target unusable, or no target at all) it
    records the delivery as failed, tells the standing office (kind ``no_channel``)
    and returns status "failed" -- nothing is dropped silently.
The workflow's RetryPolicy must allow at least ``max_attempts`` attempts (or be
unlimited), or Temporal gives up before the standing office is told.

The standing office comes from ``DeliverRequest.standing_office`` or, when the
request has none, from the activity's constructor. Its notice is itself a delivery
(step ``no_channel/<step>/<recipient>``), sent once per attempt, never retried.

At-least-once: a channel row is marked pending before each send and sent after;
a crash between the service accepting a message and the row being written makes
the retry send it again. Status "skipped" is not produced here.
"""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from datetime import datetime, timezone

from temporalio import activity
from temporalio.exceptions import ApplicationError

from config.logging import get_logger
from notifiers.render import Message, render
from notifiers.transport import channel_of, channel_suffixes, mask, send
from store.people_channels import mark_link_broken, people_directory
from activities.channels import link_expiry, with_channels
from activities.delivery_log import RowWrite, delivery_key, sent_in, transaction, write_row
from activities.delivery_notices import no_channel_notice, outage_notice
from activities.zalo_outage import close_outage, open_outage
from domain.links import LinkLifetimes
from store.links import issue_in
from contracts.delivery import DeliverRequest, DeliverResult, Recipient  # noqa: F401 (re-exported for callers)

log = logging.getLogger("dondoc.deliver")
slog = get_logger()  # structured: one line per send, bound to the task, step and unit

DELIVER_ATTEMPTS = 4                 # activity attempts before giving up on a recipient


def _payload(channel: str, message: Message) -> tuple[str, str, str | None]:
    """(title, body, html) for a channel: chats get the short text, email all three."""
    if channel == "email":
        return message.subject, message.text, message.html
    if channel == "outbox":
        return message.subject, message.text, None
    return "", message.chat, None


class _RenderError(Exception):
    """Rendering failed (the cause is chained): a bad request, recorded and not retried."""


class DeliveryActivities:
    """Holds what a delivery needs; register ``deliver`` with the worker."""

    def __init__(self, database_url: str, settings=None, *, standing_office: Recipient | None = None,
                 max_attempts: int = DELIVER_ATTEMPTS, environ: Mapping[str, str] | None = None,
                 links: LinkLifetimes | None = None, config=None) -> None:
        if settings is None:
            from config.settings import load_settings

            settings = load_settings()
        self.database_url = database_url
        self.settings = settings
        self.standing_office = standing_office
        self.max_attempts = max_attempts
        self.links = links or LinkLifetimes()
        # The configuration (or a callable returning it): recipients named by key get their
        # channels from it and the people directory at send time (activities/channels.py).
        self._config = config
        self._outage_possible = True  # until this process has seen Zalo accept a message
        # The channels' environment (DONDOC_ZALO_API_URL, ...): os.environ, read per send.
        self._environ = environ
        self._secret: str | None = None

    def _directory(self):
        config = self._config() if callable(self._config) else self._config
        return people_directory(self.database_url, config)

    @activity.defn(name="deliver")
    async def deliver(self, req: DeliverRequest) -> DeliverResult:
        # Apprise, SMTP and the database block: keep them off the worker's event loop.
        return await asyncio.to_thread(self.deliver_now, req, activity.info().attempt)

    # -- the work ------------------------------------------------------------
    # Transactions per message: one to check "already sent", write the link's row and
    # mark the first channel pending (``_begin``), one to record a send's outcome on the
    # channel row and the delivery's row together (a failed channel's row is written
    # with the next target's pending mark, or with the delivery's pending/failed outcome).
    def deliver_now(self, req: DeliverRequest, attempt: int = 1) -> DeliverResult:
        now = datetime.now(timezone.utc)  # the clock, read once for this delivery
        req = with_channels(req, self._directory if self._config is not None else None)
        key = delivery_key(req.subject_id, req.cycle, req.step, req.recipient.key)
        message = self._begin(req, key, now)
        if isinstance(message, DeliverResult):
            return message
        winner, errors, transient, last = self._try_targets(req, key, message, now,
                                                            wait_on_quota=attempt < self.max_attempts)
        if winner is not None:
            return winner
        error = "; ".join(errors) or "no notification target configured"
        if transient and attempt < self.max_attempts:
            self._record(req, key, "pending", "", "", errors or [error], now, also=last)
            raise ApplicationError(
                f"no channel reached {req.recipient.key} (attempt {attempt} of {self.max_attempts}): {error}",
                type="DeliveryFailed")
        result = self._record(req, key, "failed", "none", "", errors or [error], now, also=last)
        self._tell_standing_office(req, message, errors or [error], now)
        return result

    def _begin(self, req: DeliverRequest, key: str, now: datetime) -> Message | DeliverResult:
        """One transaction before the first send: "already sent?" (its result, when it
        was), else the link's row, the message rendered with it, and the first target's
        pending mark -- one write where the link and the mark were two. A message that
        cannot be rendered undoes the transaction (its link too), is recorded failed
        and is not retried: a bad request is a bug upstream."""
        first = [row for _, _, row in self._targets(req, key)[:1]]

        def work(session):
            done = sent_in(session, key)
            if done is not None:
                return done
            message = self._message(session, req, now)
            for row in first:
                write_row(session, req, row, now)
            return message

        try:
            return self._transaction(work)
        except _RenderError as exc:
            cause = exc.__cause__
            self._record(req, key, "failed", "none", "", [f"cannot render {req.kind!r}: {cause}"], now)
            raise ApplicationError(f"cannot render {req.kind!r}: {cause}", type="BadDeliverRequest",
                                   non_retryable=True) from cause

    def _message(self, session, req: DeliverRequest, now: datetime) -> Message:
        context = dict(req.context)
        context.setdefault("recipient_name", req.recipient.name)
        context.setdefault("level", req.recipient.level)
        if req.link_purpose:
            expires = link_expiry(req, now, self.links)
            # An opaque link (store/links.py): the message reveals nothing of the task and
            # the standing office can revoke it on its own.
            context["link"] = issue_in(session, self._secret_key(), self.settings.public_url, req.subject_id,
                                       req.cycle, req.recipient.key, req.link_purpose, expires, now)
        try:
            return render(req.kind, context)
        except Exception as exc:  # a bad request is a bug upstream: record it, do not retry it
            raise _RenderError() from exc

    @staticmethod
    def _targets(req: DeliverRequest, key: str) -> list[tuple[str, str, RowWrite]]:
        """Each target in the order they are tried: its URL, its suffix in the delivery
        log, and its "pending" row."""
        return [(url, suffix, RowWrite(f"{key}|{suffix}", channel_of(url), mask(url), "pending", "", True,
                                       parent=key))
                for url, suffix in zip(req.recipient.targets, channel_suffixes(req.recipient.targets))]

    def _secret_key(self) -> str:
        if self._secret is None:
            self._secret = self.settings.link_key
        return self._secret

    def _try_targets(self, req: DeliverRequest, key: str, message: Message, now: datetime,
                     wait_on_quota: bool = False
                     ) -> tuple[DeliverResult | None, list[str], bool, RowWrite | None]:
        """Each target once, in order, until one works (the first one marked pending by
        ``_begin``): (the result if a target took it (the delivery recorded sent), the
        errors met, whether any of them may pass on a later attempt, the last failed
        channel's row still to be written with the delivery's outcome).

        With ``wait_on_quota``, a channel over its quota (Zalo 429) stops this attempt
        instead of falling back: the activity is retried with backoff, and the next
        channel (email) is used only on the last attempt."""
        errors: list[str] = []
        transient = False
        failed: RowWrite | None = None
        for i, (url, suffix, pending) in enumerate(self._targets(req, key)):
            channel, target = pending.channel, pending.target
            if i > 0:  # the previous target's failure and this one's pending mark together
                self._transaction(lambda session: [write_row(session, req, x, now) for x in (failed, pending)])
            outcome = self._send(req, url, channel, target, message, now)
            if outcome.ok:
                won = RowWrite(pending.key, channel, target, "sent", outcome.error, False, parent=key)
                result = self._record(req, key, "sent", outcome.channel, target, errors, now, also=won)
                return result, errors, transient, None
            failed = RowWrite(pending.key, channel, target, "failed", outcome.error, False, parent=key)
            self._chat_refused(req, outcome)
            errors.append(f"{suffix}: {outcome.error}")
            transient = transient or outcome.transient
            if wait_on_quota and getattr(outcome, "code", None) == 429:
                break
        return None, errors, transient, failed

    def _send(self, req: DeliverRequest, url: str, channel: str, target: str, message: Message, now: datetime):
        """One send to one target, logged, and watched for a Zalo outage."""
        outcome = send(url, *_payload(channel, message), environ=self._environ or os.environ,
                       delivery_key=delivery_key(req.subject_id, req.cycle, req.step, req.recipient.key))
        slog.info("delivery", subject_id=req.subject_id, cycle=req.cycle, step=req.step,
                  unit=req.recipient.key, level=req.recipient.level, channel=channel, target=target,
                  status="sent" if outcome.ok else "failed", error=outcome.error or None)
        self._watch_zalo(channel, outcome, now)
        return outcome

    def _chat_refused(self, req: DeliverRequest, outcome) -> None:
        if getattr(outcome, "chat_broken", False) and req.recipient.key.startswith("person:"):
            # Zalo refuses this person's chat (400): email carries their messages from
            # now on, and the dashboard shows the link as broken until they write again.
            self._transaction(lambda session: mark_link_broken(session, req.recipient.key, outcome.error))

    def _watch_zalo(self, channel: str, outcome, now: datetime) -> None:
        """A 401 starts an outage (told once); the next message Zalo accepts ends it."""
        if channel != "zalo":
            return
        if outcome.ok:
            if self._outage_possible:
                close_outage(self.database_url, outcome.bot or "", now)
                self._outage_possible = False
        elif getattr(outcome, "token_broken", False):
            self._outage_possible = True
            if open_outage(self.database_url, outcome.bot or "", outcome.error, now):
                self._tell_outage(outcome, now)

    def _tell_outage(self, outcome, now: datetime) -> None:
        notice = outage_notice(self.standing_office, outcome, now)
        if notice is None:
            log.error("Zalo refused the bot token and the standing office has no other channel: %s", outcome.error)
            return
        try:
            self.deliver_now(notice, self.max_attempts)
        except Exception:  # noqa: BLE001 - the notice must never break the message being sent
            log.exception("could not tell the standing office of the Zalo outage")

    def _record(self, req: DeliverRequest, key: str, status: str, channel: str, target: str,
                errors: list[str], now: datetime, *, also: RowWrite | None = None) -> DeliverResult:
        """The delivery's row (and ``also``, a channel's row) in one transaction."""
        def work(session):
            if also is not None:
                write_row(session, req, also, now)
            row = write_row(session, req, RowWrite(key, channel, target, status, "; ".join(errors), True), now)
            return DeliverResult(key, status, channel, row.attempts, row.error)

        return self._transaction(work)

    def _transaction(self, work):
        return transaction(self.database_url, work)

    def _tell_standing_office(self, req: DeliverRequest, message: Message, errors: list[str],
                              now: datetime) -> None:
        office = req.standing_office or self.standing_office
        if office is None or office.key == req.recipient.key:
            log.error("delivery %s failed and no standing office can be told: %s",
                      delivery_key(req.subject_id, req.cycle, req.step, req.recipient.key), errors)
            return
        notice = no_channel_notice(req, office, message, errors)
        key = delivery_key(notice.subject_id, notice.cycle, notice.step, office.key)
        notice_message = self._begin(notice, key, now)
        if isinstance(notice_message, DeliverResult):
            return
        winner, notice_errors, _, last = self._try_targets(notice, key, notice_message, now)
        if winner is not None:
            return
        self._record(notice, key, "failed", "none", "", notice_errors or ["no target"], now, also=last)
        log.error("the standing office could not be told either: %s", notice_errors)
