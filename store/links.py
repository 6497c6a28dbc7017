"""Links with an opaque id: the URL carries a signed random id; this table maps it to
the task (or incident, or report), cycle, recipient, purpose and expiry, and says
whether the standing office revoked it.

Links sent before (their signed payload readable: task, recipient, expiry) are still
honoured by domain.links.verify until they expire; they cannot be revoked one by one.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, insert, select, update

from domain.links import PATHS, LinkClaims, LinkError, verify
from store.db import session_scope, write_scope
from store.models import LinkRecord

_SALT = "dondoc.link.v2"
_PREFIX = "v2."  # tells an opaque token from one made before (which starts with "." or "{")


def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def issue(database_url: str, secret: str, public_url: str, subject_id: str, cycle: str, recipient: str,
          purpose: str, expires_at: datetime, now: datetime | None = None) -> str:
    """A link's URL, its row written (see issue_in)."""
    with write_scope(database_url) as session:
        return issue_in(session, secret, public_url, subject_id, cycle, recipient, purpose, expires_at, now)


_LT = LinkRecord.__table__
# Built once (Core, bound parameters): a link is asked for at most sends, on the way of
# every reminder in a burst; the ORM's select-add-flush was most of that write's cost.
_SAME_LINK = select(_LT.c.id).where(
    _LT.c.subject_id == bindparam("subject_id"), _LT.c.cycle == bindparam("cycle"),
    _LT.c.recipient == bindparam("recipient"), _LT.c.purpose == bindparam("purpose"),
    _LT.c.expires_at == bindparam("expires_at"), _LT.c.revoked_at.is_(None)).limit(1)
_NEW_LINK = insert(_LT).values(
    id=bindparam("id"), subject_id=bindparam("subject_id"), cycle=bindparam("cycle"),
    recipient=bindparam("recipient"), purpose=bindparam("purpose"), expires_at=bindparam("expires_at"),
    created_at=bindparam("created_at"), revoked_by="")


def issue_in(session, secret: str, public_url: str, subject_id: str, cycle: str, recipient: str,
             purpose: str, expires_at: datetime, now: datetime | None = None) -> str:
    """A link's URL, in the caller's transaction. The same link asked again (a retried
    send, a report rebuilt for the same moment) is the same URL: its row is reused."""
    if purpose not in PATHS:
        raise ValueError(f"unknown link purpose {purpose!r}")
    params = dict(subject_id=subject_id, cycle=cycle, recipient=recipient, purpose=purpose, expires_at=expires_at)
    link_id = session.execute(_SAME_LINK, params).scalar()
    if link_id is None:
        link_id = secrets.token_urlsafe(12)
        session.execute(_NEW_LINK, dict(params, id=link_id, created_at=now or datetime.now(timezone.utc)))
    token = _PREFIX + _signer(secret).dumps(link_id)
    return f"{public_url.rstrip('/')}/{PATHS[purpose]}/{token}"


def resolve(database_url: str, secret: str, token: str, now: datetime) -> LinkClaims:
    """The claims of a link we issued and nobody revoked, not expired; else LinkError."""
    token = (token or "").strip()
    if not token.startswith(_PREFIX):
        return verify(secret, token, now)  # a link sent before opaque ids
    try:
        link_id = _signer(secret).loads(token[len(_PREFIX):])
    except BadSignature:
        raise LinkError("forged") from None
    with session_scope(database_url) as session:
        row = session.get(LinkRecord, str(link_id))
        if row is None:
            raise LinkError("forged")
        if row.revoked_at is not None:
            raise LinkError("revoked")
        if now >= row.expires_at:
            raise LinkError("expired")
        return LinkClaims(row.subject_id, row.cycle, row.recipient, row.purpose, row.expires_at)


def live_links(database_url: str, subject_id: str, now: datetime) -> list[dict]:
    """The links of a subject that still work, newest first (for its dashboard page)."""
    with session_scope(database_url) as session:
        rows = session.scalars(select(LinkRecord).where(
            LinkRecord.subject_id == subject_id, LinkRecord.revoked_at.is_(None), LinkRecord.expires_at > now)
            .order_by(LinkRecord.created_at.desc())).all()
        return [{"id": r.id, "cycle": r.cycle, "recipient": r.recipient, "purpose": r.purpose,
                 "created_at": r.created_at, "expires_at": r.expires_at} for r in rows]


def revoke(database_url: str, link_id: str, who: str, now: datetime, subject_id: str | None = None) -> bool:
    """Revoke one link (of ``subject_id``, when given); False when there was nothing to revoke."""
    with write_scope(database_url) as session:
        query = update(LinkRecord).where(LinkRecord.id == link_id, LinkRecord.revoked_at.is_(None))
        if subject_id is not None:
            query = query.where(LinkRecord.subject_id == subject_id)
        return bool(session.execute(query.values(revoked_at=now, revoked_by=who[:100])).rowcount)
