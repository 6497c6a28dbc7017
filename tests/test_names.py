"""Tolerant matching of units and officials (domain/names.py)."""
from __future__ import annotations

import unicodedata

import pytest

from config.directory import Directory, Official, Unit
from domain.names import OfficialMatcher, UnitMatcher, parse_officials, split_units

DIRECTORY = Directory(
    units=(
        Unit("vhxh", "Phòng Văn hóa - Xã hội"),
        Unit("kt", "Phòng Kinh tế"),
        Unit("skhcn", "Sở Khoa học và Công nghệ", aliases=("Sở KH&CN",)),
        Unit("vp", "Văn phòng HĐND và UBND đặc khu"),
        Unit("snv", "Sở Nội vụ"),
    ),
    officials=(
        Official("tuyen", "Phạm Trí Tuyến", "Phó Chủ tịch UBND đặc khu"),
        Official("dien", "Phan Viết Điện", "Chủ tịch UBND đặc khu"),
        Official("gd", "Lê Văn Khoa", "Giám đốc Sở Khoa học và Công nghệ"),
        Official("tuan-a", "Nguyễn Văn Tuấn"),
        Official("tuan-b", "Nguyễn Văn Tuân"),
    ),
)


@pytest.mark.parametrize("text, expected", [
    ("Sở Tài chính; Sở Nội vụ", ["Sở Tài chính", "Sở Nội vụ"]),
    ("Sở Tài chính\nSở Nội vụ", ["Sở Tài chính", "Sở Nội vụ"]),
    ("Sở Tài chính, Sở Nội vụ, Sở Khoa học và Công nghệ và các đơn vị liên quan",
     ["Sở Tài chính", "Sở Nội vụ", "Sở Khoa học và Công nghệ", "các đơn vị liên quan"]),
    ("Các cơ quan, đơn vị, địa phương", ["Các cơ quan, đơn vị, địa phương"]),
    ("Sở Khoa học và Công nghệ và Sở Tài chính", ["Sở Khoa học và Công nghệ", "Sở Tài chính"]),
    ("4 khối cơ quan cấp xã (Đảng ủy cấp xã, HĐND cấp xã, UBND cấp xã)",
     ["4 khối cơ quan cấp xã (Đảng ủy cấp xã, HĐND cấp xã, UBND cấp xã)"]),
    ("Phòng Văn hóa - Xã hội, Trung tâm Sự nghiệp công",
     ["Phòng Văn hóa - Xã hội", "Trung tâm Sự nghiệp công"]),
    ("- Phòng Kinh tế;\n- Phòng Văn hóa - Xã hội.", ["Phòng Kinh tế", "Phòng Văn hóa - Xã hội"]),
    ("", []),
])
def test_split_units(text, expected):
    assert split_units(text) == expected


@pytest.mark.parametrize("name, key", [
    ("Phòng Văn hóa-Xã hội đặc khu", "vhxh"),
    ("Phòng Văn hoá - Xã hội", "vhxh"),
    ("PHÒNG VĂN HÓA – XÃ HỘI", "vhxh"),
    (unicodedata.normalize("NFD", "Phòng Văn hóa - Xã hội"), "vhxh"),
    ("Phòng Vаn hóa - Xã hội", "vhxh"),                 # Cyrillic "а"
    ("Sở KHCN", "skhcn"),
    ("Sở KH&CN", "skhcn"),
    ("Văn phòng HĐND &UBND đặc khu", "vp"),
    ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân", "vp"),
    ("Phòng Kinh tế đặc khu", "kt"),
    ("Sở Ngoại vụ", None),                              # close to "Sở Nội vụ", but another unit
    ("Phòng Tư pháp", None),
])
def test_unit_matching(name, key):
    unit = UnitMatcher(DIRECTORY).match(name)
    assert (unit.key if unit else None) == key


def test_officials_with_roles():
    text = ("Đồng chí Phạm Trí Tuyên, Phó Chủ tịch UBND đặc khu: Chủ trì.\n"
            "Đồng chí Lê Văn Khoa, Giám đốc Sở: Tham mưu thực hiện.")
    mentions = parse_officials(text)
    assert [(m.name, m.title, m.role) for m in mentions] == [
        ("Phạm Trí Tuyên", "Phó Chủ tịch UBND đặc khu", "lead"),
        ("Lê Văn Khoa", "Giám đốc Sở", "adviser"),
    ]


@pytest.mark.parametrize("spelling", ["Phạm Trí Tuyến", "Phạm Trí Tuyên", "Phạm Trí Tuyền",
                                      "PHẠM TRÍ TUYẾN", "Phạm Trí Tuyế", "Phạm  Trí Tuyển"])
def test_one_official_many_spellings(spelling):
    mention = parse_officials(f"Đồng chí {spelling}, Phó Chủ tịch UBND đặc khu: Chủ trì.")[0]
    official = OfficialMatcher(DIRECTORY).match(mention)
    assert official is not None and official.key == "tuyen"


def test_ambiguous_or_different_officials_do_not_match():
    matcher = OfficialMatcher(DIRECTORY)
    # "Tuấn" and "Tuân" are both in the directory: "Tuần" could be either.
    assert matcher.match(parse_officials("Đồng chí Nguyễn Văn Tuần")[0]) is None
    assert matcher.match(parse_officials("Đồng chí Nguyễn Văn Tuấn")[0]).key == "tuan-a"
    # Another family name is another person, however close the given name.
    assert matcher.match(parse_officials("Đồng chí Trần Trí Tuyến")[0]) is None


def test_official_named_by_office():
    mention = parse_officials("Đồng chí Giám đốc Sở KHCN, Ủy viên Ban Chỉ đạo")[0]
    assert mention.by_title and mention.name == "Giám đốc Sở KHCN"
    assert OfficialMatcher(DIRECTORY).match(mention).key == "gd"


def test_several_officials_run_together():
    text = ("- Đồng chí Phan Viết Điện, Chủ tịch UBND đặc khu - Đồng chí Phạm Trí Tuyến, "
            "Phó Chủ tịch UBND đặc khu")
    assert [m.name for m in parse_officials(text)] == ["Phan Viết Điện", "Phạm Trí Tuyến"]
