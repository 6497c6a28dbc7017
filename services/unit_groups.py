"""Unit groups as they stand: the configuration's, with the standing office's edits from
the dashboard (store ``unit_groups``) -- the one place that merges them, for the import,
``task add`` and the pages.

An edit replaces the configured group of its key (name, aliases, members) or adds a
new group; removing the edit brings the configured group back. Every edit is checked
like the configuration is (domain/groups.py): members must be units or groups, and a
group may not contain itself -- the refusal says which groups, by name.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from domain.directory import UnitGroup
from domain.groups import expand, group_errors, merge_groups
from domain.identity import slug
from store.db import is_sqlite, session_scope, write_scope

MAX_ALIASES = 20


@dataclass
class GroupEdit:
    name: str
    aliases: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    key: str = ""                    # "" : a new group


def _store_exists(database_url: str) -> bool:
    if not is_sqlite(database_url):
        return True
    from sqlalchemy.engine import make_url

    path = make_url(database_url).database
    return bool(path) and (path == ":memory:" or Path(path).exists())


def with_edited_groups(database_url: str, config):
    """``config`` whose directory holds the groups as they stand (unchanged when the store
    has no edits, or no store yet: a dry run on a fresh machine creates nothing)."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.task_children import directory_with_edits

    if not _store_exists(database_url):
        return config
    try:
        with session_scope(database_url) as session:
            directory = directory_with_edits(session, config.directory)
    except SQLAlchemyError:  # a store not migrated yet: the configured groups
        return config
    return replace(config, directory=directory) if directory is not config.directory else config


def group_views(database_url: str, config) -> list[dict]:
    """Each group for the dashboard: names only (members as names, the units it comes to)."""
    from store.task_children import stored_groups

    with session_scope(database_url) as session:
        edited = {g.key for g in stored_groups(session)}
    directory = with_edited_groups(database_url, config).directory
    configured = {g.key for g in config.directory.groups}
    out = []
    for g in directory.groups:
        units = [u for u in expand(directory, [g.key]) if directory.unit(u) is not None]
        out.append({"key": g.key, "name": g.name, "aliases": list(g.aliases), "members": list(g.members),
                    "member_names": [_name(directory, m) for m in g.members],
                    "unit_names": [directory.unit(u).name for u in units],
                    "edited": g.key in edited, "configured": g.key in configured})
    return out


def _name(directory, key: str) -> str:
    found = directory.unit(key) or directory.group(key)
    return found.name if found is not None else key


def read_edit(form, directory) -> tuple[GroupEdit, dict[str, str]]:
    """The form as a GroupEdit, and what is wrong with it (field -> Vietnamese message)."""
    name = " ".join(str(form.get("name", "")).split())
    aliases = [" ".join(a.split()) for a in str(form.get("aliases", "")).splitlines() if a.strip()]
    members = [str(m) for m in form.getlist("members")] if hasattr(form, "getlist") else list(form.get("members", []))
    edit = GroupEdit(name=name, aliases=aliases, members=list(dict.fromkeys(members)), key=str(form.get("key", "")))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Nhập tên nhóm (như văn bản viết, ví dụ «Các xã, phường, đặc khu»)."
    elif len(name) > 300:
        errors["name"] = "Tên nhóm quá dài."
    if len(aliases) > MAX_ALIASES or any(len(a) > 300 for a in aliases):
        errors["aliases"] = f"Tối đa {MAX_ALIASES} tên gọi khác, mỗi tên không quá 300 ký tự."
    if not edit.members:
        errors["members"] = "Chọn ít nhất một đơn vị hoặc nhóm thành viên."
    known = {u.key for u in directory.units} | {g.key for g in directory.groups}
    if edit.key and directory.group(edit.key) is None:
        errors["name"] = "Nhóm này không còn; tải lại trang."
    if [m for m in edit.members if m not in known]:
        errors["members"] = "Có thành viên không còn trong danh bạ; tải lại trang."
    return edit, errors


def save_group(database_url: str, config, edit: GroupEdit, actor: str) -> tuple[str, dict[str, str]]:
    """Write the edit (or the new group): (its key, problems). Nothing is written when a
    problem is found -- a group inside itself, by name."""
    from store.group_models import UnitGroupRow

    directory = with_edited_groups(database_url, config).directory
    key = edit.key or _new_key(directory, edit.name)
    group = UnitGroup(key=key, name=edit.name, aliases=tuple(edit.aliases), members=tuple(edit.members))
    merged = merge_groups(directory.groups, [group])
    problems = group_errors(merged, {u.key for u in directory.units})
    if problems:
        return key, {"members": "; ".join(_in_words(msg) for _, msg in problems)}
    with write_scope(database_url) as session:
        row = session.get(UnitGroupRow, key)
        if row is None:
            row = UnitGroupRow(key=key)
            session.add(row)
        row.name, row.aliases, row.members, row.updated_by = edit.name, list(edit.aliases), list(edit.members), actor
    return key, {}


def reset_group(database_url: str, key: str) -> bool:
    """Drop the dashboard's edit: the configured group (if any) stands again."""
    from store.group_models import UnitGroupRow

    with write_scope(database_url) as session:
        row = session.get(UnitGroupRow, key)
        if row is None:
            return False
        session.delete(row)
        return True


def _new_key(directory, name: str) -> str:
    base = "nhom-" + slug(name, 30)
    key, n = base, 1
    while directory.group(key) is not None or directory.unit(key) is not None:
        n += 1
        key = f"{base}-{n}"
    return key


def _in_words(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
