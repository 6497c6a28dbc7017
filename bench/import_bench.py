"""How fast a dry-run import reads a large task table.

Generates an N-row TSV shaped like seed 003 (sections, page breaks with repeated
headers, rows continued across pages, HTML in cells, the four deadline forms,
known and unknown units and officials), reads it with `read_plan` and reports the
rate. Goal: 5,000 rows in under 5 seconds.

    python -m bench.import_bench [ROWS]
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from domain.directory import Directory, Official, Unit
from intake import read_plan

HEADER = ("STT\tTên nhiệm vụ\tChủ trì chỉ đạo\tĐơn vị chủ trì\tĐơn vị phối hợp\t"
          "Sản phẩm đầu ra\tThời gian thực hiện/hoàn thành\tGhi chú")
UNITS = ["Sở Khoa học và Công nghệ", "Sở Tài chính", "Sở Nội vụ", "Công an thành phố",
         "Các cơ quan, đơn vị, địa phương", "Phòng Văn hóa-Xã hội đặc khu", "Các xã, phường, đặc khu"]
OFFICIALS = ["Đồng chí Hoàng Minh Cường, Ủy viên Thành ủy, Phó Chủ tịch Ủy ban nhân dân thành phố",
             "Đồng chí Phạm Trí Tuyền, Phó Chủ tịch UBND đặc khu: Chủ trì.",
             "Đồng chí Giám đốc Sở KHCN, Ủy viên Ban Chỉ đạo"]
DEADLINES = ["Quý II/2026", "Tháng 6/2026", "31/12/2026", "Thường xuyên",
             "Nhiệm vụ thường xuyên; định kỳ hằng tháng báo cáo kết quả", "Hằng năm", "12/2026"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def directory() -> Directory:
    return Directory(
        units=(Unit("skhcn", "Sở Khoa học và Công nghệ", aliases=("Sở KHCN",)),
               Unit("stc", "Sở Tài chính"), Unit("snv", "Sở Nội vụ"), Unit("ca", "Công an thành phố"),
               Unit("all", "Các cơ quan, đơn vị, địa phương"), Unit("vhxh", "Phòng Văn hóa - Xã hội"),
               Unit("vp", "Văn phòng Thành ủy")),
        officials=(Official("cuong", "Hoàng Minh Cường"), Official("tuyen", "Phạm Trí Tuyến"),
                   Official("gd", "Đỗ Văn Khoa", "Giám đốc Sở Khoa học và Công nghệ")),
        standing_office="vp")


def generate(rows: int, seed: int = 57) -> str:
    rnd = random.Random(seed)
    lines = ["## THÔNG BÁO", "", "### về việc thử tải nhập bảng nhiệm vụ", "", HEADER]
    for n in range(1, rows + 1):
        if n % 500 == 1:
            section = ROMAN[(n // 500) % len(ROMAN)]
            lines.append(f"<b>{section}</b>\t<b>Nhóm nhiệm vụ {section}</b>\t\t\t\t\t\t")
        title = (f"Nhiệm vụ số {n}: rà soát, <i>hoàn thiện</i> quy trình, hạ tầng, dữ liệu, nhân lực "
                 f"phục vụ chuyển đổi số; báo cáo kết quả {rnd.randint(1, 99)}.")
        cells = [f"{n}.", title, rnd.choice(OFFICIALS), rnd.choice(UNITS),
                 f"{rnd.choice(UNITS)}, {rnd.choice(UNITS)} và các đơn vị liên quan",
                 "Văn bản/Báo cáo", rnd.choice(DEADLINES), ""]
        if n % 7 == 0:
            # A page break cuts this row: fragments on both sides of a repeated header.
            head = [c[: len(c) // 2] for c in cells]
            tail = [""] + [c[len(c) // 2:] for c in cells[1:]]
            lines += ["\t".join(head), "", HEADER, "\t".join(tail)]
        else:
            lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def run(rows: int = 5000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.tsv"
        path.write_text(generate(rows), encoding="utf-8")
        started = time.perf_counter()
        result = read_plan(path, directory())
        seconds = time.perf_counter() - started
    assert len(result.tasks) == rows, (len(result.tasks), rows)
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds)}


if __name__ == "__main__":
    figures = run(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
    print(f"{figures['rows']} dòng trong {figures['seconds']} s — {figures['rows_per_s']} dòng/giây")
