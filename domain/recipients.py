"""Who receives a message: the one rule, for tasks, incidents, reports and the web.

Levels: ``unit`` (the lead units), ``lead`` (the lead official: the one the task names,
else each lead unit's own), ``supervisors`` (the Steering Committee's group),
``standing_office`` (the office itself and its staff: a result awaiting its review);
and the standing office is told when nobody else can be (an unknown unit, a recipient
with no working channel).

An unknown unit (a name from a document the directory does not hold) is a choice the
caller makes explicitly: tasks hand it to the standing office (someone must follow
the task up); incidents report it missing (an incident's unit is checked when it is
opened, so an unknown one there is a configuration change to look at).

A level with nobody, or with nobody reachable (no channel), is named in ``missing``.
"""

from dataclasses import dataclass, field
from typing import Literal

from domain.directory import Directory, Official, Unit
from domain.namekeys import person_key

__all__ = ["SUPERVISORS_KEY", "Recipient", "Resolved", "resolve", "lead_officials", "standing_recipient",
           "official_label"]

SUPERVISORS_KEY = "supervisors"
UnknownUnit = Literal["standing_office", "missing"]


@dataclass
class Recipient:
    key: str
    name: str
    level: str                        # "unit" | "lead" | "supervisors" | "standing_office"
    targets: list[str] = field(default_factory=list)  # Apprise URLs, in preference order


@dataclass
class Resolved:
    recipients: list[Recipient]
    missing: list[str] = field(default_factory=list)
    standing_office: Recipient | None = None


def official_label(official: Official) -> str:
    return f"{official.name} ({official.title})" if official.title else official.name


def standing_recipient(directory: Directory) -> Recipient | None:
    office = directory.standing_unit
    return Recipient(office.key, office.name, "standing_office", list(office.targets)) if office else None


def lead_officials(directory: Directory, named: str | None, unit_keys: list[str]) -> list[Official]:
    """The official a task names (by key, or by name as a document writes it), else
    the lead official of each of its units."""
    if named:
        official = directory.official(named)
        if official is None:
            from domain.names import OfficialMatcher, parse_officials

            matcher = OfficialMatcher(directory)
            official = next((o for o in (matcher.match(m) for m in parse_officials(named)) if o), None)
        if official is not None:
            return [official]
    units = [u for u in (directory.unit(k) for k in unit_keys) if u is not None]
    found = [directory.official(u.lead_official) for u in units if u.lead_official]
    return list({o.key: o for o in found if o is not None}.values())


def resolve(directory: Directory, unit_keys: list[str], levels: list[str], *, official: str | None = None,
            unknown_unit: UnknownUnit = "standing_office") -> Resolved:
    """Recipients for the levels of one message, in level order, each key once."""
    standing = standing_recipient(directory)
    out: list[Recipient] = []
    missing: list[str] = []
    if "unit" in levels:
        _units(directory, unit_keys, standing, unknown_unit, out, missing)
    if "lead" in levels:
        leads = lead_officials(directory, official, unit_keys)
        out += [Recipient(o.key, official_label(o), "lead", list(o.targets)) for o in leads if o.targets]
        names = {person_key(o.name) for o in leads}
        out += _members(directory, "lead", lambda m: m.role == "lead" and person_key(m.name) in names)
        if not any(r.level == "lead" for r in out):
            missing.append("lead")
    if "supervisors" in levels:
        if directory.supervisors:
            out.append(Recipient(SUPERVISORS_KEY, directory.supervisors_name, "supervisors",
                                 list(directory.supervisors)))
        out += _members(directory, "supervisors", lambda m: m.role == "supervisor")
        if not any(r.level == "supervisors" for r in out):
            missing.append("supervisors")
    if "standing_office" in levels:
        _standing(directory, standing, out, missing)
    return Resolved(_dedupe(out), missing, standing)


def _standing(directory: Directory, standing: Recipient | None, out: list[Recipient], missing: list[str]) -> None:
    """The standing office itself (a review waiting for it): its own addresses and its
    registered office staff, each on their own channels."""
    office = directory.standing_unit
    members = _members(directory, "standing_office", lambda m: m.role == "office") if office else []
    if standing is not None and (standing.targets or not members):
        out.append(Recipient(standing.key, standing.name, "standing_office", list(standing.targets)))
    out += members
    if standing is None or (not standing.targets and not members):
        missing.append("standing_office")


def _members(directory: Directory, level: str, wanted) -> list[Recipient]:
    """The registered people a message of this level reaches, each on their own."""
    return [Recipient(m.key, m.name, level, list(m.targets)) for m in directory.people if m.targets and wanted(m)]


def _units(directory: Directory, unit_keys: list[str], standing: Recipient | None, unknown_unit: UnknownUnit,
           out: list[Recipient], missing: list[str]) -> None:
    units: list[Unit | None] = [directory.unit(k) for k in unit_keys] or [None]
    for unit in units:
        if unit is None and unknown_unit == "standing_office" and standing is not None:
            unit = directory.standing_unit
        if unit is None:
            missing.append("unit")
            continue
        # A unit's own addresses (a unit mailbox), and each member on their own channels.
        keys = {unit.key}
        members = _members(directory, "unit", lambda m: m.role in ("officer", "office") and keys & set(m.units)
                           or (m.role == "office" and unit.key == directory.standing_office))
        if unit.targets or not members:
            out.append(Recipient(unit.key, unit.name, "unit", list(unit.targets)))
        out += members
        if not unit.targets and not members:
            missing.append("unit")


def _dedupe(recipients: list[Recipient]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for r in recipients:
        seen.setdefault(r.key, r)
    return list(seen.values())


# -- channels, resolved at send time ---------------------------------------------------
# Workflow history holds recipients by key (anyone with the Temporal UI can read it);
# their channels -- URLs that may carry a bot token or an SMTP password -- are looked up
# here when a message is sent.
CHAT_SCHEMES = ("zalo", "outbox")


def channel_group(url: str) -> str:
    """"chat" (Zalo, the outbox: the short text) or "email" (the full message)."""
    return "chat" if url.split("://", 1)[0].lower() in CHAT_SCHEMES else "email"


def targets_of(directory: Directory, key: str) -> list[str]:
    """The channels of a recipient key: a unit, an official, the supervisors' group or a
    registered person ("person:<id>")."""
    if key == SUPERVISORS_KEY:
        return list(directory.supervisors)
    found = directory.unit(key) or directory.official(key)
    if found is not None:
        return list(found.targets)
    member = next((m for m in directory.people if m.key == key), None)
    return list(member.targets) if member is not None else []


def keys_only(recipient: Recipient | None) -> Recipient | None:
    """The recipient as history may hold it: who, never how to reach them."""
    return Recipient(recipient.key, recipient.name, recipient.level, []) if recipient is not None else None
