"""The daily report's alerts: incidents still unreported and deliveries that failed."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable, Mapping

from domain.display import step_label, subject_label
from domain.report_common import aware

__all__ = ["open_incidents", "failed_deliveries"]


def open_incidents(incidents: Iterable[Any], as_of: datetime, unit_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Incidents detected by `as_of` and not reported by then, the most pressing first."""
    out = []
    for i in incidents:
        detected = aware(i.detected_at)
        reported = aware(getattr(i, "reported_at", None))
        if detected > as_of or getattr(i, "status", "open") == "cancelled":
            continue
        if reported is not None and reported <= as_of:
            continue
        if reported is None and getattr(i, "status", "open") not in ("open", None):
            continue  # closed without a time: not open
        due_at = aware(i.due_at)
        left = (due_at - as_of).total_seconds() / 3600
        out.append({
            "id": i.id, "unit": i.unit, "unit_name": unit_names.get(i.unit, i.unit), "title": i.title,
            "severity": getattr(i, "severity", "") or "", "detected_at": detected.isoformat(),
            "due_at": due_at.isoformat(), "hours_left": round(left, 1), "late": left < 0,
        })
    out.sort(key=lambda r: r["hours_left"])
    return out


# The delivery log keeps one row per delivery (subject|cycle|step|recipient) and one per
# channel tried (the same key + "|zalo", "|email2"...): a channel that failed before
# another worked is not a failed delivery, so only the delivery rows count.
_CHANNEL_ROW = re.compile(r"\|(?:zalo|email|outbox|other)\d*$")


def failed_deliveries(deliveries: Iterable[Any], since: datetime, as_of: datetime,
                      names: Mapping[str, str] | None = None, titles: Mapping[str, str] | None = None
                      ) -> list[dict[str, Any]]:
    """Messages given up on, each with the words a person reads beside the keys."""
    names, titles = names or {}, dict(titles or {})
    out = []
    for d in deliveries:
        at = aware(d.created_at)
        if d.status != "failed" or not (since < at <= as_of):
            continue
        if _CHANNEL_ROW.search(getattr(d, "key", "") or ""):
            continue
        out.append({"subject_id": d.subject_id, "cycle": getattr(d, "cycle", "") or "", "step": d.step,
                    "recipient": d.recipient, "channel": d.channel, "error": getattr(d, "error", "") or "",
                    "at": at.isoformat(), "recipient_name": names.get(d.recipient, d.recipient),
                    "about": subject_label(d.subject_id, titles), "step_label": step_label(d.step)})
    out.sort(key=lambda r: r["at"])
    return out
