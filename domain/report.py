"""The reports' numbers: the daily 16:00 report, the period (month/quarter) summary and
the plan's appendix. This module is their public face (the names other code imports);
the work is in domain/report_daily.py, report_period.py, report_appendix.py and
report_common.py (the one classification every report counts with).

Pure: rows in (store models or the plain dataclasses of domain/report_rows.py --
anything with the same attributes), a dict out, shaped as `./dondoc report daily
--json` prints it. No I/O, no clock: the moment is always given.

Definitions of the daily report (what the totals mean; the tests check them by hand,
and tests/test_report_sums.py checks that every figure is the sum of its parts):

* **as of** an instant `as_of` (aware); its Vietnamese calendar day is `today`. The
  report is computed "as it stood then" from deadlines and completion dates: a task
  completed after `today` counts as open then; a task marked completed without a date
  counts as completed at any moment (the document said it was done, not when).
* **tasks** = completed + open: every task not cancelled (cancellation has no date in
  the store, so a cancelled task is left out of every report, past ones included).
* **completed** = completed_early + completed_on_due_day + completed_late +
  completed_unclassified; the class comes from the completion day against the due day
  (domain.results.classify), else the stored result, else "unclassified" -- shown to
  people as "hoàn thành, chưa rõ thời điểm": a task imported as already done, with no
  day, is neither early, on time nor late, but it is done.
* **open** = overdue + due_soon + not_yet_due + recurring_open + unknown_deadline;
  each open task is in exactly one of these.
* **the four classes** the Government Office counts in (domain/rollup.py):
  completed_on_time ("hoàn thành đúng hạn" = completed_early + completed_on_due_day),
  completed_late ("hoàn thành quá hạn"), open_in_time ("chưa hoàn thành trong hạn") and
  open_overdue ("chưa hoàn thành quá hạn" = overdue + the recurring tasks whose owed
  report is past its due day); open = open_in_time + open_overdue, and with
  completed_unclassified they make the tasks. A task led by a group counts once here
  (its units' tasks are left out: store/report_loading.py); **units_four** counts the
  units' own tasks in the four classes, one row per unit.
* **overdue**: open one-off tasks whose due day is before `today` (a deadline names a
  day and the whole day counts, so at 16:00 on the due day a task is due, not late).
* **days_overdue**: CALENDAR days from the due day to `today` (1 on the day after the
  deadline), because a deadline is a calendar day and officials read "quá hạn 3 ngày"
  that way; `working_days_overdue` beside it counts the working days in (due, today]
  for those who escalate by working days.
* **due_soon**: open one-off tasks due from `today` to `today + horizon_days`
  (7 calendar days by default), today included; **not_yet_due**: due after that.
* **recurring_open**: open recurring tasks ("Thường xuyên … hằng tháng báo cáo").
* **recurring_due** (part of recurring_open): those with a cycle report not yet in as
  of `today` and due by `today + horizon_days`: the current period's report (month,
  or year for "Hằng năm"; due on the policy's report day, else the last working day
  of the period), or any earlier cycle recorded in the store whose due day has passed
  unreported.
* **unknown_deadline**: open tasks whose deadline could not be read (shown so someone
  sets one); one-off tasks without a due day count here too.
* **incidents_open**: incidents detected by `as_of` and not reported by `as_of`;
  `hours_left` is negative once the 24-hour window has passed.
* **failed_deliveries**: deliveries (to one recipient, every channel tried) logged as
  failed since the previous report (or in the 24 hours before `as_of` when there is
  none); a channel that failed before another channel delivered is not counted.
* **newly_overdue** (part of overdue): overdue tasks that became overdue after the
  previous report, i.e. whose due day ended after it (the last 24 hours when there is
  no previous report).
* **indicators** (beside the totals, not part of them): every indicator (of the plan)
  in one class by its latest value describing a day up to `today`, judged against its
  target (domain/indicator_judging.py): met + not_met + no_data (nothing reported) +
  unclear (a person judges) = total; the line "Chỉ tiêu: đạt X / Y, chưa đạt Z, chưa
  báo cáo W" says them.
* **overdue_by_unit**: the overdue tasks by lead unit, the unit with most first; each
  task ONCE, under its FIRST lead unit (its other lead units are named on it), so
  the units' counts add up to `overdue`. The overdue list is built once; the total
  and the groups are both counted from it.
"""
from __future__ import annotations

from domain.report_alerts import failed_deliveries, open_incidents
from domain.report_appendix import (
    APPENDIX_CLASSES,
    APPENDIX_HEADERS,
    RESULT_COLUMN,
    Appendix,
    appendix_result,
    build_appendix,
)
from domain.report_common import (
    COMPLETED_KEYS,
    completion,
    cycle_state,
    local_day,
    result_label,
    stt_key,
    task_state,
)
from domain.report_daily import (
    DEFAULT_HORIZON_DAYS,
    NO_UNIT,
    TOTAL_KEYS,
    build_daily,
    overdue_by_unit,
)
from domain.report_indicators import indicator_met
from domain.report_period import (
    ROMAN,
    build_period,
    period_bounds,
    period_figures,
    period_prose,
)
from domain.report_rows import CycleRow, DeliveryRow, IncidentRow, IndicatorRow, TaskRow

__all__ = [
    "TaskRow", "CycleRow", "IncidentRow", "DeliveryRow", "IndicatorRow",
    "build_daily", "build_period", "period_bounds", "indicator_met", "stt_key",
    "result_label", "completion", "TOTAL_KEYS", "DEFAULT_HORIZON_DAYS",
    "local_day", "period_prose", "period_figures", "overdue_by_unit", "task_state", "cycle_state",
    "build_appendix", "appendix_result", "Appendix", "APPENDIX_HEADERS", "APPENDIX_CLASSES", "RESULT_COLUMN",
    "COMPLETED_KEYS", "NO_UNIT", "ROMAN", "open_incidents", "failed_deliveries",
]
