"""The ``[groups]`` section of the configuration: the collectives documents assign tasks
to, and how much earlier their members' tasks fall due.

    [groups]
    child_lead_days = 0            # members' tasks due this many working days before the group's

    [groups.xa-phuong-dac-khu]
    name = "Các xã, phường, đặc khu"
    aliases = ["UBND các xã, phường, đặc khu"]
    members = ["xa-a", "xa-b", "xa-c"]      # unit keys, or other groups' keys
    child_lead_days = 2            # optional: this group's own

Every problem is reported with its key (domain/groups.py words them): a member that is
neither a unit nor a group, a group that contains itself, a key shared with a unit.
"""
from __future__ import annotations

from typing import Callable

from domain.directory import UnitGroup
from domain.groups import group_errors

Err = Callable[[str, str], None]


def parse_groups(values, unit_keys: set[str], err: Err) -> tuple[tuple[UnitGroup, ...], int]:
    """(the groups, child_lead_days); each problem through ``err(key, message)``."""
    if not isinstance(values, dict):
        err("groups", "phải là một bảng")
        return (), 0
    lead_days = _lead_days("groups.child_lead_days", values.get("child_lead_days", 0), err)
    groups = []
    for key, v in values.items():
        if key == "child_lead_days":
            continue
        if not isinstance(v, dict):
            err(f"groups.{key}", "phải là một bảng (name, aliases, members)")
            continue
        groups.append(_group(key, v, err))
    for where, message in group_errors(groups, unit_keys):
        err(where, message)
    return tuple(groups), lead_days


def _group(key: str, v: dict, err: Err) -> UnitGroup:
    aliases, members = v.get("aliases", []), v.get("members", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        err(f"groups.{key}.aliases", "phải là danh sách tên")
        aliases = []
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        err(f"groups.{key}.members", "phải là danh sách mã đơn vị hoặc mã nhóm")
        members = []
    days = v.get("child_lead_days")
    if days is not None:
        days = _lead_days(f"groups.{key}.child_lead_days", days, err)
    return UnitGroup(key=key, name=str(v.get("name", "")), aliases=tuple(aliases), members=tuple(members),
                     child_lead_days=days)


def _lead_days(key: str, value, err: Err) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
        err(key, "phải là số ngày làm việc từ 0 đến 60")
        return 0
    return value
