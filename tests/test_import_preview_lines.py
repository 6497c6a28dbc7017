"""The dry-run preview prints each task on one row, whatever line breaks its title has."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from cli.import_cmd import one_line, print_preview


@pytest.mark.parametrize("text, width, expected", [
    ("Rà soát\nthủ tục  hành chính", 80, "Rà soát thủ tục hành chính"),
    ("Xây dựng\r\n\tcơ sở dữ liệu", 80, "Xây dựng cơ sở dữ liệu"),
    ("a" * 81, 80, "a" * 79 + "…"),
    ("a" * 80, 80, "a" * 80),
    ("", 80, ""),
])
def test_one_line(text, width, expected):
    assert one_line(text, width) == expected


def test_preview_rows_stay_one_line(capsys):
    deadline = SimpleNamespace(due=None, kind="recurring")
    tasks = [SimpleNamespace(stt="1", title="Báo cáo\ntiến độ\nhằng tháng", deadline=deadline),
             SimpleNamespace(stt="2", title="Rà soát dữ liệu", deadline=SimpleNamespace(due=None, kind="unknown"))]
    result = SimpleNamespace(plan="KH thử", tasks=tasks, indicators=[], problems=[])
    print_preview(result, SimpleNamespace(lines=lambda: []))
    rows = capsys.readouterr().out.splitlines()
    assert rows[-2].split() == ["1", "định", "kỳ", "Báo", "cáo", "tiến", "độ", "hằng", "tháng"]
    assert rows[-1].split() == ["2", "chưa", "rõ", "hạn", "Rà", "soát", "dữ", "liệu"]
