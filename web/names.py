"""Units, officials and recipients by their Vietnamese names (the directory's), never
their keys: for the dashboard's lists, pages and the API's name fields."""
from __future__ import annotations

from domain.recipients import SUPERVISORS_KEY


def unit_name(config, key: str) -> str:
    unit = config.directory.unit(key) or config.directory.group(key)  # a group: a parent task's lead
    return unit.name if unit else key


def official_name(config, key: str | None) -> str:
    official = config.directory.official(key) if key else None
    return official.name if official else (key or "")


def recipient_name(config, key: str) -> str:
    directory = config.directory
    if directory.unit(key):
        return directory.unit(key).name
    if directory.official(key):
        return directory.official(key).name
    if directory.group(key):
        return directory.group(key).name
    return directory.supervisors_name if key == SUPERVISORS_KEY else key
