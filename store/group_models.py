"""The standing office's edits of the directory's unit groups (``unit_groups``), a table
kept beside store/models.py (imported at its end, so every user of the metadata has it).

The configuration file defines the groups its documents name; a row here replaces the
configured group of the same key, or adds a new one (services/unit_groups.py merges
them). Deleting a row brings the configured group back.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, utcnow


class UnitGroupRow(Base):
    __tablename__ = "unit_groups"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    members: Mapped[list[Any]] = mapped_column(default=list)     # unit keys or group keys
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
