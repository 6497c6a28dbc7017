"""The directory as messages need it: the TOML directory plus the people the
standing office manages, each with their own channels: their Zalo chat once linked
(and not marked broken), then their email. Who of them receives what is decided in
domain/recipients.py. People are read at each call, so a person linked a minute ago
gets the next reminder.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from domain.directory import Directory, Member
from store.db import session_scope
from store.models import Person, PersonUnit, ZaloLink


def person_targets(chat_id: str | None, broken: bool, email: str | None, zalo_token: str,
                   email_url: str) -> list[str]:
    """A person's channels as Apprise-style URLs, Zalo first."""
    out = []
    if chat_id is not None and not broken and zalo_token:
        out.append(f"zalo://{zalo_token}/{chat_id}")
    if email and email_url:
        joiner = "&" if "?" in email_url else "?"
        out.append(f"{email_url}{joiner}to={email}")
    return out


def people_directory(database_url: str, config) -> Directory:
    """The configuration's directory with the people's channels (see the module doc)."""
    return directory_with_people(database_url, config.directory, config.zalo.bot_token, config.email_url)


# The active people with their Zalo chat and their units, in one statement: every step
# of every reminder reads it, and the ORM's lazy loads made it 1 + 2 queries per person
# (200 people: 51 ms on SQLite, 119 ms on PostgreSQL per step; now one read).
_PEOPLE_Q = (select(Person.id, Person.name, Person.role, Person.email, ZaloLink.chat_id, ZaloLink.broken,
                    PersonUnit.unit_key)
             .outerjoin(ZaloLink, ZaloLink.person_id == Person.id)
             .outerjoin(PersonUnit, PersonUnit.person_id == Person.id)
             .where(Person.active.is_(True)).order_by(Person.id, PersonUnit.position))


def directory_with_people(database_url: str, directory: Directory, zalo_token: str = "",
                          email_url: str = "") -> Directory:
    with session_scope(database_url) as session:
        rows = session.execute(_PEOPLE_Q).all()
    people: dict[int, tuple[Any, list[str]]] = {}
    for row in rows:
        _, units = people.setdefault(row.id, (row, []))
        if row.unit_key is not None:
            units.append(row.unit_key)
    members = tuple(Member(f"person:{pid}", r.name, r.role, tuple(units),
                           tuple(person_targets(r.chat_id, bool(r.broken), r.email, zalo_token, email_url)))
                    for pid, (r, units) in people.items())
    return replace(directory, people=members) if members else directory


def mark_link_broken(session, recipient_key: str, reason: str) -> None:
    """A person's Zalo chat refused by Zalo (400): not used again until they write."""
    person_id = int(recipient_key.split(":", 1)[1])
    link = session.scalar(select(ZaloLink).where(ZaloLink.person_id == person_id))
    if link is not None and not link.broken:
        link.broken, link.broken_reason = True, reason[:500]
