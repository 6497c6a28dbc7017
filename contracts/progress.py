"""The data of a unit's progress report crossing the task workflow's boundary: the
``progress`` update (from the link page's second form, or POST /api/tasks/{id}/progress).

Like contracts/tasks.py, kept out of workflows/ and imported passed through. The web
and the API may send it as a plain dict with these field names.
"""

from dataclasses import dataclass, field

__all__ = ["ProgressInput", "PROGRESS_TEXT_MAX"]

PROGRESS_TEXT_MAX = 2000          # each free text (what was done, difficulties, proposals)


@dataclass
class ProgressInput:
    key: str                                 # idempotency key (kept in workflow state)
    percent: int                             # tiến độ, 0..100
    note: str = ""                           # kết quả đã thực hiện
    difficulty: str = ""                     # khó khăn, vướng mắc ("" clears an earlier one)
    proposal: str = ""                       # đề xuất, kiến nghị
    reported_by: str = ""                    # the link's recipient key, or "api:<user>"
    reporter_name: str = ""                  # who reported, as people read it (the timeline, the message)
    unit_names: list[str] = field(default_factory=list)   # the task's lead units by name (the message)
    cycle: str = ""                          # the report period (recurring); "" = the current one
