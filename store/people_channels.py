"""The directory as messages need it: the TOML directory plus the people the
standing office manages, each with their own channels: their Zalo chat once linked
(and not marked broken), then their email. Who of them receives what is decided in
domain/recipients.py. People are read at each call, so a person linked a minute ago
gets the next reminder.
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from domain.directory import Directory, Member
from store.db import session_scope
from store.models import Person, ZaloLink


def person_targets(person: Person, zalo_token: str, email_url: str) -> list[str]:
    """A person's channels as Apprise-style URLs, Zalo first."""
    out = []
    link = person.zalo
    if link is not None and not link.broken and zalo_token:
        out.append(f"zalo://{zalo_token}/{link.chat_id}")
    if person.email and email_url:
        joiner = "&" if "?" in email_url else "?"
        out.append(f"{email_url}{joiner}to={person.email}")
    return out


def people_directory(database_url: str, config) -> Directory:
    """The configuration's directory with the people's channels (see the module doc)."""
    return directory_with_people(database_url, config.directory, config.zalo.bot_token, config.email_url)


def directory_with_people(database_url: str, directory: Directory, zalo_token: str = "",
                          email_url: str = "") -> Directory:
    with session_scope(database_url) as session:
        people = session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.id)).all()
        members = tuple(Member(f"person:{p.id}", p.name, p.role, tuple(u.unit_key for u in p.units),
                               tuple(person_targets(p, zalo_token, email_url))) for p in people)
    return replace(directory, people=members) if members else directory


def mark_link_broken(session, recipient_key: str, reason: str) -> None:
    """A person's Zalo chat refused by Zalo (400): not used again until they write."""
    person_id = int(recipient_key.split(":", 1)[1])
    link = session.scalar(select(ZaloLink).where(ZaloLink.person_id == person_id))
    if link is not None and not link.broken:
        link.broken, link.broken_reason = True, reason[:500]
