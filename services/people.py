"""People in the store: add, invite to the Zalo bot, show, list, deactivate.

Units are the TOML directory's unit keys; a unit may be named by key, name or alias
when a person is added. Errors are PeopleError with a Vietnamese message the command
line and the web print as they are.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from domain import people as rules
from domain.directory import Directory
from domain.text import fold, nfc

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PeopleError(ValueError):
    """A request the store refuses, said in Vietnamese."""


def _directory(directory: Directory | None) -> Directory:
    if directory is not None:
        return directory
    from config.loader import load_config

    return load_config().directory


def match_units(directory: Directory, texts: list[str]) -> list[str]:
    """Unit keys for what the office typed (key, name or alias), in order, once each."""
    from domain.names import UnitMatcher

    matcher, keys = UnitMatcher(directory), []
    for text in texts:
        text = nfc(text or "").strip()
        unit = directory.unit(text) or matcher.match(text) if text else None
        if unit is None:
            known = ", ".join(u.key for u in directory.units[:8])
            raise PeopleError(f"Không thấy đơn vị '{text}' trong danh bạ. Dùng mã đơn vị (ví dụ: {known}) "
                              "hoặc tên, tên gọi khác của đơn vị như trong tệp cấu hình.")
        if unit.key not in keys:
            keys.append(unit.key)
    return keys


def _checked(directory: Directory, name: str, units: list[str], role: str, email: str | None):
    name = " ".join(nfc(name or "").split())
    if not name:
        raise PeopleError("Chưa nêu họ tên (--name).")
    if role not in rules.ROLES:
        raise PeopleError(f"Vai trò '{role}' không hợp lệ; chọn một trong: " + ", ".join(
            f"{r} ({rules.ROLE_LABELS[r]})" for r in rules.ROLES) + ".")
    email = (email or "").strip() or None
    if email and not _EMAIL.match(email):
        raise PeopleError(f"Địa chỉ email '{email}' không hợp lệ.")
    keys = match_units(directory, list(units or []))
    if not keys and role == "office" and directory.standing_office:
        keys = [directory.standing_office]  # the office's people belong to the standing unit
    if not keys and role in ("officer", "lead"):
        raise PeopleError("Chưa nêu đơn vị (--unit) của người này.")
    return name, keys, email


def add_person(url: str, name: str, units: list[str], role: str = "officer", email: str | None = None,
               *, directory: Directory | None = None) -> int:
    """A new active person; refuses the same name with the same role and units twice."""
    from sqlalchemy import select

    from store.db import write_scope
    from store.models import Person, PersonUnit

    name, keys, email = _checked(_directory(directory), name, units, role, email)
    with write_scope(url) as session:
        for other in session.scalars(select(Person).where(Person.active.is_(True), Person.role == role)):
            if fold(other.name) == fold(name) and [u.unit_key for u in other.units] == keys:
                raise PeopleError(f"Đã có {other.name} (mã {other.id}) với cùng vai trò và đơn vị.")
        person = Person(name=name, role=role, email=email, active=True,
                        units=[PersonUnit(unit_key=k, position=i) for i, k in enumerate(keys)])
        session.add(person)
        session.flush()
        return person.id


def invite(url: str, person_id: int, now: datetime, days: int = rules.CODE_DAYS, *,
           bot_name: str = "bot dondoc", bot_link: str | None = None) -> dict[str, Any]:
    """A new one-time code for the person; their earlier unused codes stop working.
    The code is returned once, here: the store keeps only its hash."""
    from sqlalchemy import select

    from store.db import write_scope
    from store.models import Person, SignupCode

    if days < 1:
        raise PeopleError("Thời hạn của mã phải từ 1 ngày trở lên.")
    with write_scope(url) as session:
        person = session.get(Person, person_id)
        if person is None or not person.active:
            raise PeopleError(f"Không có người mã {person_id} (hoặc đã ngừng theo dõi).")
        live = select(SignupCode).where(SignupCode.used_at.is_(None), SignupCode.expires_at > now)
        for old in session.scalars(live.where(SignupCode.person_id == person_id)):
            old.expires_at = now
        while True:  # two live codes must never share a hash
            code = rules.new_code()
            if session.scalars(live.where(SignupCode.code_hash == rules.code_hash(code))).first() is None:
                break
        row = SignupCode(person_id=person_id, code_hash=rules.code_hash(code), created_at=now,
                         expires_at=now + timedelta(days=days))
        session.add(row)
        session.flush()
        return {"id": person_id, "code": rules.display_code(code), "expires_at": row.expires_at.isoformat(),
                "text": rules.invite_text(person.name, code, row.expires_at, bot_name, bot_link),
                "code_id": row.id, "name": person.name}


def _view(person, directory: Directory) -> dict[str, Any]:
    link = person.zalo
    return {
        "id": person.id, "name": person.name,
        "units": [(directory.unit(u.unit_key).name if directory.unit(u.unit_key) else u.unit_key)
                  for u in person.units],
        "unit_keys": [u.unit_key for u in person.units],
        "role": person.role, "role_label": rules.ROLE_LABELS.get(person.role, person.role),
        "email": person.email, "active": person.active,
        "zalo": {"linked": link is not None,
                 "linked_at": link.linked_at.isoformat() if link else None,
                 "broken": bool(link and link.broken),
                 "display_name": link.display_name if link else None},
    }


def person_view(url: str, config, person_id: int) -> dict[str, Any] | None:
    """What `people show --json` prints; None when there is no such person."""
    from store.db import session_scope
    from store.models import Person

    directory = _directory(getattr(config, "directory", config))
    with session_scope(url) as session:
        person = session.get(Person, person_id)
        return _view(person, directory) if person is not None else None


def list_people(url: str, config=None, include_inactive: bool = False) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Person

    directory = _directory(getattr(config, "directory", config))
    with session_scope(url) as session:
        query = select(Person).order_by(Person.id)
        if not include_inactive:
            query = query.where(Person.active.is_(True))
        return [_view(p, directory) for p in session.scalars(query)]


def deactivate(url: str, person_id: int, now: datetime) -> bool:
    """The person stops receiving anything: their Zalo link is removed and their
    live codes expire. False when there is no such person."""
    from sqlalchemy import select

    from store.db import write_scope
    from store.models import Person, SignupCode

    with write_scope(url) as session:
        person = session.get(Person, person_id)
        if person is None:
            return False
        person.active = False
        person.zalo = None
        for code in session.scalars(select(SignupCode).where(
                SignupCode.person_id == person_id, SignupCode.used_at.is_(None), SignupCode.expires_at > now)):
            code.expires_at = now
        return True


def bot_identity(config) -> tuple[str, str | None]:
    """The bot's name and link printed on an invitation: the configuration's [zalo]
    bot_name / bot_link, which DONDOC_ZALO_BOT_NAME / DONDOC_ZALO_BOT_LINK override."""
    import os

    zalo = getattr(config, "zalo", None)
    name = os.environ.get("DONDOC_ZALO_BOT_NAME") or (zalo.bot_name if zalo else "") or "bot dondoc"
    link = os.environ.get("DONDOC_ZALO_BOT_LINK") or (zalo.bot_link if zalo else "") or None
    return name, link
