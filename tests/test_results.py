from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import VN_TZ
from domain.results import VI_RESULT, classify, local_date


@pytest.mark.parametrize(
    "due, done_on, result",
    [
        (date(2026, 3, 31), date(2026, 3, 30), "early"),
        (date(2026, 3, 31), date(2026, 1, 5), "early"),
        (date(2026, 3, 31), date(2026, 3, 31), "on_time"),
        (date(2026, 3, 31), date(2026, 4, 1), "late"),
        (date(2025, 12, 31), date(2026, 1, 1), "late"),
    ],
)
def test_classify(due, done_on, result):
    assert classify(due, done_on) == result


def test_vietnamese_labels():
    assert VI_RESULT == {"early": "trước hạn", "on_time": "đúng hạn", "late": "quá hạn"}


def test_local_date():
    # 23:30 UTC on 31/3 is 06:30 on 1/4 in Vietnam
    assert local_date(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == date(2026, 4, 1)
    assert local_date(datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC)) == date(2026, 3, 31)
    assert local_date(datetime(2026, 3, 31, 17, 0, tzinfo=UTC)) == date(2026, 4, 1)
    assert local_date(datetime(2026, 4, 1, 0, 0, tzinfo=VN_TZ)) == date(2026, 4, 1)


def test_local_date_requires_aware():
    with pytest.raises(ValueError):
        local_date(datetime(2026, 3, 31, 12, 0))


def test_confirmation_late_in_the_evening_is_still_on_time():
    # done at 22:00 Vietnam time on the due day: stored in UTC, judged in Vietnam
    done = datetime(2026, 3, 31, 22, 0, tzinfo=VN_TZ).astimezone(UTC)
    assert classify(date(2026, 3, 31), local_date(done)) == "on_time"


@settings(max_examples=100, deadline=None)
@given(st.dates(), st.integers(-400, 400))
def test_classify_follows_day_order(due, offset):
    try:
        done = due + timedelta(days=offset)
    except OverflowError:
        return
    expected = "early" if offset < 0 else "on_time" if offset == 0 else "late"
    assert classify(due, done) == expected
    assert classify(due, done) in VI_RESULT
