"""A PDF through the doors people use: `./dondoc import FILE.pdf --dry-run --json`
prints what it prints for the Word file of the same rows, and the dashboard's
upload takes a PDF, previews it and names each problem's page."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from intake_helpers import seed_tables, write_docx
from pdf_helpers import pdf_bytes, write_pdf
from test_intake_formats import TITLE
from test_web_dashboard import anon, app_parts, csrf_of, dash  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("printed")
    pdf = folder / "phu-luc.pdf"
    write_pdf(pdf, seed_tables(), title_lines=TITLE)
    return pdf, write_docx(folder / "phu-luc.docx", seed_tables(), title_lines=TITLE)


def _dry_run(path: Path, tmp_path: Path) -> dict:
    env = {**os.environ, "DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    out = subprocess.run([DONDOC, "import", str(path), "--dry-run", "--json"], capture_output=True, text=True,
                         cwd=ROOT, timeout=300, env=env)
    assert out.returncode == 3, out.stderr          # imported, with problems to look at (unknown units)
    assert not (tmp_path / "x.db").exists()
    return json.loads(out.stdout)


def test_cli_dry_run_json_of_the_pdf_equals_the_word_file(printed, tmp_path):
    pdf, docx = printed
    got, want = _dry_run(pdf, tmp_path), _dry_run(docx, tmp_path)
    assert got["plan"] == want["plan"]
    assert got["tasks"] == want["tasks"] and len(got["tasks"]) == 51
    assert got["indicators"] == want["indicators"] and len(got["indicators"]) == 21
    assert got["messages"] == want["messages"]
    where = lambda ps: sorted(p["message"].split(": ", 1)[1] for p in ps)  # noqa: E731
    assert where(got["problems"]) == where(want["problems"])
    # Each problem of the PDF names its page: in the message and as a field.
    for problem in got["problems"]:
        assert set(problem) == {"row", "stt", "severity", "message", "page"}
        assert problem["message"].startswith(f"Trang {problem['page']}, ")
        assert re.match(r"Trang \d+, (bảng \d+, )?dòng \d+ \(STT [^)]+\): ", problem["message"])
    assert all("page" not in p for p in want["problems"])


def test_cli_scanned_pdf_says_what_to_send(tmp_path):
    scan = tmp_path / "quet.pdf"
    scan.write_bytes(pdf_bytes(lambda pdf: pdf.scanned_page(["STT  Tên nhiệm vụ  Thời hạn"])))
    env = {**os.environ, "DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    out = subprocess.run([DONDOC, "import", str(scan), "--dry-run"], capture_output=True, text=True,
                         cwd=ROOT, timeout=300, env=env)
    assert out.returncode == 2
    assert "Trang 1 là bản quét" in out.stderr and "Word (.docx) hoặc Excel (.xlsx) gốc" in out.stderr


def test_dashboard_upload_takes_a_pdf(dash, printed):  # noqa: F811
    form = dash.get("/dashboard/import").text
    assert re.search(r'accept="[^"]*\.pdf', form) and "PDF có lớp chữ" in form
    pdf, _ = printed
    page = dash.post("/dashboard/import", data={"csrf_token": csrf_of(dash), "plan": ""},
                     files={"file": ("phu-luc.pdf", pdf.read_bytes(), "application/pdf")})
    assert page.status_code == 200, page.text[:2000]
    assert "51 nhiệm vụ, 21 chỉ tiêu" in page.text and "Chưa có gì được lưu" in page.text
    assert "Tổ chức phổ biến, quán triệt chủ trương" in page.text
    assert re.search(r'data-label="Dòng">trang \d+, dòng \d+</td>', page.text)


def test_dashboard_upload_of_a_scan_is_refused_with_the_reason(dash):  # noqa: F811
    data = pdf_bytes(lambda pdf: pdf.scanned_page(["STT  Tên nhiệm vụ  Thời hạn"]))
    page = dash.post("/dashboard/import", data={"csrf_token": csrf_of(dash)},
                     files={"file": ("quet.pdf", data, "application/pdf")})
    assert page.status_code == 422 and "Trang 1 là bản quét" in page.text
