"""Unit groups: what a group's members come to, and whether a set of groups holds together.

A group's members are unit keys or other groups' keys. Expanding a group walks its
nested groups in order and gives each unit once ("Các cơ quan, đơn vị, địa phương"
= the city's departments + its communes, wards and special zones + the other city
bodies). A group that contains itself, directly or through others, is refused when
the configuration or the dashboard's edit is checked (``group_errors``) and never
expanded twice (``expand`` stops at a key it is already inside).

A task led by a group becomes a parent with one child per member unit; the child's
id is derived from the parent's and the unit's (``child_id``), so importing the
same plan twice starts nothing twice. Pure, no I/O.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from domain.directory import Directory, UnitGroup

__all__ = ["expand", "find_cycle", "group_errors", "merge_groups", "child_id", "fan_out_units",
           "leads_a_group", "label"]


def expand(directory: Directory, keys: Iterable[str]) -> list[str]:
    """The unit keys ``keys`` name, groups expanded (nested ones too), each unit once,
    in the order first named. A key that is neither a unit nor a group is kept as it is
    (a name the directory does not know: the standing office follows it up)."""
    out: list[str] = []
    for key in keys:
        _walk(directory, key, (), out)
    return out


def _walk(directory: Directory, key: str, inside: tuple[str, ...], out: list[str]) -> None:
    group = directory.group(key)
    if group is None:
        if key not in out:
            out.append(key)
        return
    if key in inside:
        return  # a cycle (refused by group_errors); never loop on it
    for member in group.members:
        _walk(directory, member, inside + (key,), out)


def leads_a_group(directory: Directory, lead_units: Iterable[str]) -> bool:
    return any(directory.group(k) is not None for k in lead_units)


def fan_out_units(directory: Directory, lead_units: Iterable[str]) -> list[str]:
    """The units a group task's children are for: only units the directory knows (a
    group member that is no unit any more is skipped)."""
    return [k for k in expand(directory, lead_units) if directory.unit(k) is not None]


def find_cycle(groups: Iterable[UnitGroup]) -> list[str] | None:
    """A chain of group keys that comes back to its start (["a", "b", "a"]), or None."""
    by_key = {g.key: g for g in groups}

    def visit(key: str, path: list[str]) -> list[str] | None:
        if key in path:
            return path[path.index(key):] + [key]
        for member in by_key[key].members:
            if member in by_key:
                found = visit(member, path + [key])
                if found:
                    return found
        return None

    for key in by_key:
        found = visit(key, [])
        if found:
            return found
    return None


def group_errors(groups: Iterable[UnitGroup], unit_keys: set[str], names: dict[str, str] | None = None
                 ) -> list[tuple[str, str]]:
    """(key, Vietnamese message) for each problem: a key that is also a unit's, no name,
    a member that is neither a unit nor a group, a group inside itself. ``names``
    (key → name) words the cycle by the groups' names."""
    groups = list(groups)
    keys = {g.key for g in groups}
    names = names or {g.key: g.name for g in groups}
    errors: list[tuple[str, str]] = []
    for g in groups:
        if g.key in unit_keys:
            errors.append((f"groups.{g.key}", "trùng mã với một đơn vị trong [units]; đặt mã khác cho nhóm"))
        if not g.name.strip():
            errors.append((f"groups.{g.key}.name", "thiếu tên nhóm"))
        unknown = [m for m in g.members if m not in unit_keys and m not in keys]
        if unknown:
            errors.append((f"groups.{g.key}.members",
                           "không có đơn vị hay nhóm: " + ", ".join(f"'{m}'" for m in unknown)))
        if g.child_lead_days is not None and not 0 <= g.child_lead_days <= 60:
            errors.append((f"groups.{g.key}.child_lead_days", "phải từ 0 đến 60 ngày làm việc"))
    cycle = find_cycle(groups)
    if cycle:
        chain = " → ".join(f"«{names.get(k, k)}»" for k in cycle)
        errors.append((f"groups.{cycle[0]}.members",
                       f"nhóm lồng vòng: {chain}; một nhóm không thể chứa chính nó, trực tiếp hay qua nhóm khác"))
    return errors


def merge_groups(configured: Iterable[UnitGroup], edited: Iterable[UnitGroup]) -> tuple[UnitGroup, ...]:
    """The configuration's groups with the dashboard's edits: an edited group replaces
    the configured one of its key (keeping its place), a new one comes after them."""
    edits = {g.key: g for g in edited}
    out = [_edited(g, edits.pop(g.key)) if g.key in edits else g for g in configured]
    return tuple(out + list(edits.values()))


def _edited(configured: UnitGroup, edit: UnitGroup) -> UnitGroup:
    if edit.child_lead_days is None:  # the dashboard edits names and members; the lead days stay
        return replace(edit, child_lead_days=configured.child_lead_days)
    return edit


def with_groups(directory: Directory, groups: Iterable[UnitGroup]) -> Directory:
    return replace(directory, groups=tuple(groups))


def child_id(parent_id: str, unit_key: str) -> str:
    """The workflow id of a group task's child for one unit: "<parent id>/<unit key>"."""
    return f"{parent_id}/{unit_key}"


def label(directory: Directory, key: str) -> str:
    """A lead unit's name: a unit's, a group's, or the text as the document wrote it."""
    unit = directory.unit(key)
    if unit is not None:
        return unit.name
    group = directory.group(key)
    return group.name if group is not None else key
