"""Seed 001's appendices were extracted from PDF: every cell is cut into several
lines and no column separator survives. Rows could be guessed, columns could not,
so the import refuses with a reason per appendix instead of inventing tasks."""
from __future__ import annotations

import pytest

from intake import IntakeError, read_plan
from intake_helpers import SEED_001, SEED_003, seed_directory


def test_pdf_broken_appendices_are_reported_not_imported():
    with pytest.raises(IntakeError) as err:
        read_plan(SEED_001, seed_directory())
    message = str(err.value)
    assert message.startswith("Không nhập được bảng nào.")
    for appendix in ("PHỤ LỤC 1", "PHỤ LỤC 2", "PHỤ LỤC 3", "PHỤ LỤC 4"):
        assert appendix in message
    assert "văn bản trích từ PDF" in message and "Word/Excel" in message


def test_broken_appendix_beside_a_good_table_is_a_warning(tmp_path):
    """A file mixing a readable TSV table with a PDF-broken one imports the former
    and says, as a warning, which appendix it could not read."""
    broken = SEED_001.read_text(encoding="utf-8").split(" PHỤ LỤC 4:", 1)[1]
    data = (SEED_003.read_text(encoding="utf-8") + "\n PHỤ LỤC 4:" + broken).encode()
    result = read_plan(data, seed_directory())
    assert len(result.tasks) == 51 and len(result.indicators) == 21
    extra = [p for p in result.problems if p.row is None]
    assert len(extra) == 1 and extra[0].message.startswith("PHỤ LỤC 4: PHÂN CÔNG CÁC NHIỆM VỤ KHÁC")
