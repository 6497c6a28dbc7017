"""The values reported for an indicator (``indicator_values``), a table of the store kept
beside store/models.py (imported at its end, so every user of the metadata has it)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, utcnow


class IndicatorValue(Base):
    """One value a unit reported for an indicator (or the imported plan's result column,
    the first), judged against the target when it was recorded (domain/indicator_judging)."""

    __tablename__ = "indicator_values"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)     # idempotency: one report once
    value: Mapped[str] = mapped_column(Text)
    as_of: Mapped[date] = mapped_column(Date)                      # the day the figure describes
    source: Mapped[str] = mapped_column(Text, default="")          # nguồn số liệu / văn bản
    note: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[str] = mapped_column(String(200), default="")  # recipient key, "cli", "api:…", "import"
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="no_data")  # met | not_met | no_data | unclear
    reason: Mapped[str] = mapped_column(Text, default="")          # why unclear
    cycle: Mapped[str] = mapped_column(String(30), default="")     # the cycle it answered ("" none)
