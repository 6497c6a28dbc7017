"""The directory: units, unit groups, officials, supervisors and the standing office.

Plain data, read from the TOML configuration (see config/loader.py). Targets are
Apprise URLs (zalo://..., mailto://..., outbox://...), one per recipient channel.
Name matching lives in domain/names.py. It sits in domain/ because the rules below it
(names, recipients) read it; config/loader.py builds it from the TOML file.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    key: str                      # stable identifier, e.g. "vhxh"
    name: str                     # display name, e.g. "Phòng Văn hóa - Xã hội"
    aliases: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # Apprise URLs
    lead_official: str | None = None  # key of the official who leads this unit's tasks


@dataclass(frozen=True)
class Official:
    key: str
    name: str                      # e.g. "Phan Viết Điện"
    title: str = ""                # chức vụ, e.g. "Phó Chủ tịch UBND đặc khu"
    units: tuple[str, ...] = ()    # unit keys
    aliases: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Member:
    """A person the standing office manages (the people directory in the store), with
    their own channels: each gets their own message, with their own fallback."""
    key: str                       # "person:<id>"
    name: str
    role: str                      # officer | lead | supervisor | office
    units: tuple[str, ...] = ()    # unit keys
    targets: tuple[str, ...] = ()  # Zalo chat first, then email


@dataclass(frozen=True)
class UnitGroup:
    """A collective the documents assign tasks to ("Các xã, phường, đặc khu"): its
    members are unit keys or other groups' keys (domain/groups.py expands them). A
    task led by a group fans out into one task per member unit."""
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    child_lead_days: int | None = None     # None: the configuration's [groups] child_lead_days


@dataclass(frozen=True)
class Directory:
    units: tuple[Unit, ...] = ()
    officials: tuple[Official, ...] = ()
    supervisors: tuple[str, ...] = ()      # Apprise URLs of the supervisors' group (Ban Chỉ đạo)
    supervisors_name: str = "Ban Chỉ đạo"
    standing_office: str = ""              # unit key receiving what has no owner
    people: tuple[Member, ...] = ()        # from the store; empty when nobody is registered
    groups: tuple[UnitGroup, ...] = ()     # the configuration's, with the dashboard's edits (services/unit_groups.py)

    def unit(self, key: str) -> Unit | None:
        return next((u for u in self.units if u.key == key), None)

    def group(self, key: str) -> UnitGroup | None:
        return next((g for g in self.groups if g.key == key), None)

    def official(self, key: str) -> Official | None:
        return next((o for o in self.officials if o.key == key), None)

    @property
    def standing_unit(self) -> Unit | None:
        return self.unit(self.standing_office)
