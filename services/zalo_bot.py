"""The Zalo bot's side of a conversation: sign-up by code, unlink, acknowledgements,
help. One incoming event → `handle_update` → at most one answer through `reply`.

The same function serves getUpdates long polling (`poll_forever`, the embedded
default) and, later, the webhook. Each handled message is logged as an Event keyed
by its message id, so an event delivered twice is answered once. Nothing a person
writes here completes a task: completion goes through the signed link only.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from domain import people as rules
from domain.directory import Directory

Reply = Callable[[str, str], Any]
POLL_TIMEOUT_S = 25
_IDLE = 408          # getUpdates' "nothing new": not an error
_UNAUTHORIZED = 401  # a reset or wrong token: retrying soon cannot help


@dataclass
class Outcome:
    action: str
    text: str
    subject: str
    data: dict[str, Any] = field(default_factory=dict)


def handle_update(url: str, update: dict, now: datetime, reply: Reply, *,
                  directory: Directory | None = None) -> dict[str, Any] | None:
    """Handle one Zalo event; returns {"action", "reply", "person_id"} or None when the
    event has no chat to answer. A message already handled is not answered again."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from store.db import write_scope
    from store.models import Event

    incoming = rules.parse_update(update)
    if incoming is None:
        return None
    key = f"zalo:{incoming.message_id}" if incoming.message_id else None
    try:
        with write_scope(url) as session:
            if key and session.scalars(select(Event.id).where(Event.key == key)).first():
                return {"action": "duplicate", "reply": None, "person_id": None}
            outcome = _decide(session, incoming, now, _directory(directory))
            session.add(Event(at=now, subject_id=outcome.subject, kind=f"zalo_{outcome.action}"[:40], key=key,
                              data={"chat_id": incoming.chat_id, **outcome.data}))
    except IntegrityError:  # another poller or the webhook took the same message first
        return {"action": "duplicate", "reply": None, "person_id": None}
    reply(incoming.chat_id, outcome.text)
    return {"action": outcome.action, "reply": outcome.text, "person_id": outcome.data.get("person_id")}


def _directory(directory: Directory | None) -> Directory:
    if directory is not None:
        return directory
    from config.loader import load_config

    return load_config().directory


def _unit_names(directory: Directory, person) -> list[str]:
    return [(directory.unit(u.unit_key).name if directory.unit(u.unit_key) else u.unit_key) for u in person.units]


def _decide(session, incoming: rules.Incoming, now: datetime, directory: Directory) -> Outcome:
    from sqlalchemy import select

    from store.models import Person, ZaloLink

    link = session.scalars(select(ZaloLink).where(ZaloLink.chat_id == incoming.chat_id)).first()
    person = session.get(Person, link.person_id) if link else None
    if link is not None:
        # The chat just wrote to us, so it works again, whatever a failed send said.
        link.broken, link.broken_reason = False, ""
        link.display_name = incoming.display_name or link.display_name
    code = rules.find_code(incoming.text) if incoming.text else None
    if code:
        return _sign_up(session, incoming, code, now, directory, link)
    if person is None:
        wanted = rules.intent(incoming.text)
        action = "help" if wanted == "help" else "not_linked"
        return Outcome(action, rules.help_text(False) if wanted == "help" else rules.not_linked_text(),
                       f"zalo:{incoming.chat_id}")
    return _linked_message(session, person, link, incoming, now)


def _linked_message(session, person, link, incoming: rules.Incoming, now: datetime) -> Outcome:
    subject, who = f"person:{person.id}", {"person_id": person.id}
    wanted = rules.intent(incoming.text)
    if wanted == "unlink":
        session.delete(link)
        return Outcome("unlinked", rules.unlinked_text(person.name), subject, who)
    if wanted == "ack":
        return _acknowledge(session, person, now)
    if wanted == "help":
        return Outcome("help", rules.help_text(True), subject, who)
    if wanted == "done":
        return Outcome("done_refused", rules.done_text(), subject, who)
    return Outcome("other", rules.fallback_text(True), subject, who)


def _sign_up(session, incoming: rules.Incoming, code: str, now: datetime, directory: Directory, link) -> Outcome:
    from sqlalchemy import select

    from store.models import Person, SignupCode, ZaloAttempt, ZaloLink

    chat = incoming.chat_id
    subject = f"person:{link.person_id}" if link else f"zalo:{chat}"
    attempt = session.get(ZaloAttempt, chat)
    left = rules.wrong_codes_left(attempt.count if attempt else 0, attempt.window_start if attempt else None, now)
    if left == 0:
        wait = attempt.window_start + rules.WRONG_CODE_WINDOW - now
        return Outcome("throttled", rules.throttled_text(math.ceil(wait.total_seconds() / 60)), subject)
    rows = session.scalars(select(SignupCode).where(SignupCode.code_hash == rules.code_hash(code))).all()
    row = max(rows, key=lambda r: (r.used_at is None and r.expires_at > now, r.id), default=None)
    person = session.get(Person, row.person_id) if row else None
    if row is None or person is None or not person.active:
        _count_wrong(session, attempt, chat, now)
        return Outcome("wrong_code", rules.wrong_code_text(left - 1), subject)
    who = {"person_id": person.id, "code_id": row.id}
    if row.used_at is not None:
        return Outcome("used_code", rules.used_code_text(), subject, who)
    if row.expires_at <= now:
        return Outcome("expired_code", rules.expired_code_text(), subject, who)
    if link is not None and link.person_id != person.id:
        owner = session.get(Person, link.person_id)
        return Outcome("other_person", rules.other_person_text(owner.name if owner else "người khác"), subject, who)
    row.used_at, row.used_by_chat = now, chat
    if person.zalo is None:
        person.zalo = ZaloLink(chat_id=chat, display_name=incoming.display_name, linked_at=now)
    else:  # a new phone or account: the fresh code moves the person's link to this chat
        person.zalo.chat_id, person.zalo.linked_at = chat, now
        person.zalo.display_name, person.zalo.broken, person.zalo.broken_reason = incoming.display_name, False, ""
    if attempt is not None:
        session.delete(attempt)
    return Outcome("linked", rules.linked_text(person.name, person.role, _unit_names(directory, person)),
                   f"person:{person.id}", who)


def _count_wrong(session, attempt, chat_id: str, now: datetime) -> None:
    from store.models import ZaloAttempt

    if attempt is None:
        session.add(ZaloAttempt(chat_id=chat_id, window_start=now, count=1))
    elif now - attempt.window_start >= rules.WRONG_CODE_WINDOW:
        attempt.window_start, attempt.count = now, 1
    else:
        attempt.count += 1


def _acknowledge(session, person, now: datetime) -> Outcome:
    """An ack is logged against the task of the latest message sent to this person
    (their own recipient key, else their units' for officers), or the person."""
    from sqlalchemy import select

    from store.models import Delivery, Task

    tries = [[f"person:{person.id}"]]
    if person.role in ("officer", "office"):
        tries.append([u.unit_key for u in person.units])
    for matched_by, keys in zip(("person", "unit"), tries):
        found = session.execute(
            select(Delivery, Task.title).join(Task, Task.id == Delivery.subject_id)
            .where(Delivery.parent_key.is_(None), Delivery.status == "sent", Delivery.recipient.in_(keys))
            .order_by(Delivery.sent_at.desc(), Delivery.id.desc()).limit(1)).first()
        if found:
            delivery, title = found
            return Outcome("ack", rules.ack_text(person.name, title), delivery.subject_id,
                           {"person_id": person.id, "delivery_key": delivery.key, "step": delivery.step,
                            "cycle": delivery.cycle, "matched_by": matched_by})
    return Outcome("ack", rules.ack_text(person.name, None), f"person:{person.id}", {"person_id": person.id})


# -- long polling ------------------------------------------------------------------------

def poll_forever(url: str, base: str, token: str, stop_event: threading.Event, *,
                 timeout: int = POLL_TIMEOUT_S, directory: Directory | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
    """getUpdates in a loop until `stop_event` is set: one event per call, 408 means
    nothing new, other refusals and network errors back off (1 s doubling to 60 s,
    5 min for a refused token). The token is never written to the log."""
    from config.logging import get_logger
    from notifiers.zalo import call, scrub, send_message

    log = get_logger(component="zalo_bot")
    directory = _directory(directory)
    delay = 0.0

    def reply(chat_id: str, text: str) -> None:
        answer = send_message(base, token, chat_id, text)
        if not answer.ok:  # the person wrote, so this is rare: a quota, an outage
            log.warning("zalo_reply_refused", error_code=answer.error_code, description=answer.description)

    while not stop_event.is_set():
        try:
            answer = call(base, token, "getUpdates", {"timeout": timeout}, timeout + 10)
        except Exception as exc:  # noqa: BLE001 - any network failure: wait and try again
            delay = _backoff(delay, 60.0)
            log.warning("zalo_poll_failed", error=scrub(f"{exc.__class__.__name__}: {exc}", token), retry_in=delay)
            stop_event.wait(delay)
            continue
        if answer.ok or answer.error_code == _IDLE:
            delay = 0.0
            if answer.ok and isinstance(answer.result, dict):
                _handle_safely(log, url, answer.result, clock(), reply, directory, token)
            continue
        delay = _backoff(delay, 300.0 if answer.error_code == _UNAUTHORIZED else 60.0)
        log.warning("zalo_poll_refused", error_code=answer.error_code,
                    description=scrub(str(answer.description or ""), token), retry_in=delay)
        stop_event.wait(delay)


def _handle_safely(log, url, update, now, reply, directory, token) -> None:
    # One bad event (or a database hiccup) must not stop the bot for everybody.
    try:
        handle_update(url, update, now, reply, directory=directory)
    except Exception as exc:  # noqa: BLE001
        from notifiers.zalo import scrub

        log.error("zalo_update_failed", error=scrub(f"{exc.__class__.__name__}: {exc}", token))


def _backoff(delay: float, cap: float) -> float:
    return min(cap, max(1.0, delay * 2))
