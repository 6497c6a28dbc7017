"""Message texts as a dashboard user may see them. The messages hold signed links
(/c/ confirm, /g/ approve an extension, /i/ report an incident, /r/ read a report):
whoever holds one acts as its recipient. Only an administrator sees the texts whole;
for everyone else the token part of each link is replaced by "…", the rest is kept.
A viewer reads no message texts at all (the outbox lists who was told what and when,
without the body); reports are documents every role reads.
"""
from __future__ import annotations

import re

MASK = "…"
_LINK_TOKEN = re.compile(r"(/[cgir]/)[A-Za-z0-9_\-.]+")


def mask_links(text: str | None) -> str | None:
    """``text`` with every /c/, /g/, /i/, /r/ link's token replaced by "…"."""
    if not text:
        return text
    return _LINK_TOKEN.sub(lambda m: m.group(1) + MASK, text)


def sees_links(user) -> bool:
    """Whether ``user`` may see working links: administrators only."""
    return user is not None and user.role == "admin"


def sees_bodies(user) -> bool:
    """Whether ``user`` may read what a message said: every role but a viewer."""
    return user is not None and user.role != "viewer"


def without_bodies(user, row: dict, fields: tuple[str, ...] = ("body",)) -> dict:
    """``row`` with ``fields`` emptied (None) for a user who may not read message texts."""
    return row if sees_bodies(user) else {k: (None if k in fields else v) for k, v in row.items()}


def visible(user, row: dict, fields: tuple[str, ...]) -> dict:
    """``row`` with ``fields`` masked unless ``user`` may see links."""
    if sees_links(user):
        return row
    return {k: (mask_links(v) if k in fields and isinstance(v, str) else v) for k, v in row.items()}


def visible_rows(user, items, fields: tuple[str, ...], masked: tuple[str, ...]) -> list[dict]:
    """Store rows (objects) as dicts of ``fields``, with ``masked`` fields masked for non-admins."""
    return [visible(user, {f: getattr(i, f) for f in fields}, masked) for i in items]
