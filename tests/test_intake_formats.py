"""The same table as .xlsx, .docx and .csv imports exactly like the TSV seed, and
formats are recognised from content, not from the file name."""
from __future__ import annotations

import pytest

from intake import IntakeError, read_plan
from intake.sniff import sniff
from intake_helpers import PLAN_003, SEED_003, seed_directory, seed_tables, write_csv, write_docx, write_xlsx

TITLE = ["THÔNG BÁO", PLAN_003.removeprefix("Thông báo ")[0].upper() + PLAN_003.removeprefix("Thông báo ")[1:]]


@pytest.fixture(scope="module")
def expected():
    result = read_plan(SEED_003, seed_directory())
    return result


def _same(result, expected):
    got, want = result.to_dict(), expected.to_dict()
    assert len(got["tasks"]) == 51 and len(got["indicators"]) == 21
    for a, b in zip(got["tasks"], want["tasks"]):
        assert a == b, a["stt"]
    for a, b in zip(got["indicators"], want["indicators"]):
        assert a == b, a["stt"]
    # The same problems, wherever the row sits in each format.
    strip = lambda ps: sorted(p["message"].split(": ", 1)[1] for p in ps)
    assert strip(got["problems"]) == strip(want["problems"])


def test_xlsx(tmp_path, expected):
    path = write_xlsx(tmp_path / "phu-luc.xlsx", seed_tables())
    result = read_plan(path, seed_directory(), plan=PLAN_003)
    _same(result, expected)
    # Problems point at the sheet and its row.
    assert any(p.message.startswith("Trang tính «Phụ lục 02», dòng ") for p in result.problems)


def test_docx(tmp_path, expected):
    path = write_docx(tmp_path / "phu-luc.docx", seed_tables(), title_lines=TITLE)
    result = read_plan(path, seed_directory())
    assert result.plan == PLAN_003
    _same(result, expected)


def test_csv(tmp_path, expected):
    path = write_csv(tmp_path / "phu-luc.csv", seed_tables(), title_lines=TITLE)
    result = read_plan(path, seed_directory())
    assert result.plan == PLAN_003
    _same(result, expected)


def test_bytes_and_wrong_extension(tmp_path, expected):
    """Content decides: an .xlsx named .csv, a TSV named .xls, bytes without a name."""
    xlsx = write_xlsx(tmp_path / "a.xlsx", seed_tables()).read_bytes()
    assert sniff(xlsx, "bang.csv") == "xlsx"
    _same(read_plan(xlsx, seed_directory(), plan=PLAN_003, filename="bang.csv"), expected)
    tsv = SEED_003.read_bytes()
    assert sniff(tsv, "bang.xls") == "tsv"
    docx = write_docx(tmp_path / "a.docx", seed_tables()).read_bytes()
    assert sniff(docx) == "docx"


def test_utf16_and_nfd_text(tmp_path, expected):
    import unicodedata

    text = SEED_003.read_text(encoding="utf-8")
    for data in (text.encode("utf-16"), unicodedata.normalize("NFD", text).encode("utf-8"),
                 text.replace("\n", "\r\n").encode("utf-8-sig")):
        _same(read_plan(data, seed_directory()), expected)


def test_plan_from_file_name_when_the_document_has_none(tmp_path):
    path = write_csv(tmp_path / "ke-hoach-57.csv", seed_tables())
    assert read_plan(path, seed_directory()).plan == "ke-hoach-57"
    assert read_plan(path, seed_directory(), plan="KH 57/2026").plan == "KH 57/2026"


@pytest.mark.parametrize("data, needle", [
    (b"", "rỗng"),
    (b"%PDF-1.7 ...", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls/.doc"),
    (b"PK\x03\x04garbage", "hỏng"),
    (b"\x00\x01\x02\x03binary\x00", "nhị phân"),
    ("Chỉ là một đoạn văn, không có bảng nào cả.".encode(), "Không tìm thấy bảng nhiệm vụ"),
    ("A\tB\tC\n1\t2\t3\n".encode(), "Không tìm thấy bảng nhiệm vụ"),
])
def test_nothing_importable(data, needle):
    with pytest.raises(IntakeError) as err:
        read_plan(data, seed_directory())
    assert needle in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(IntakeError, match="Không tìm thấy tệp"):
        read_plan(tmp_path / "khong-co.xlsx", seed_directory())
