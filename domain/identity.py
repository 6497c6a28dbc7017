"""Stable identities: workflow ids derived from what a task is (plan + STT),
so importing the same plan twice starts nothing twice."""
from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slug(text: str, max_len: int = 40) -> str:
    """ASCII slug of a Vietnamese name; a short hash keeps distinct names distinct."""
    norm = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = norm.encode("ascii", "ignore").decode().lower()
    base = _NON_WORD.sub("-", ascii_text).strip("-")[:max_len].strip("-") or "x"
    digest = hashlib.sha1(unicodedata.normalize("NFC", text).encode()).hexdigest()[:6]
    return f"{base}-{digest}"


def task_workflow_id(plan: str, stt: str) -> str:
    return f"task/{slug(plan)}/{stt.strip()}"


def incident_workflow_id(number: int | str) -> str:
    return f"incident/{number}"


def indicator_workflow_id(plan: str, stt: str) -> str:
    """The workflow following one indicator of a plan: "indicator/<plan>/<stt>"."""
    return f"indicator/{slug(plan)}/{stt.strip()}"
