"""Tolerant matching of units and officials (domain/names.py)."""
from __future__ import annotations

import unicodedata

import pytest

from domain.directory import Directory, Official, Unit
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


# -- units whose own name holds "và" ------------------------------------------------

WITH_AND = Directory(
    units=(
        Unit("vp", "Văn phòng HĐND và UBND đặc khu"),
        Unit("skhcn", "Sở Khoa học và Công nghệ", aliases=("Sở KH&CN",)),
        Unit("vhtt", "Phòng Văn hóa và Thông tin"),
        Unit("vhxh", "Phòng Văn hóa - Xã hội"),
        Unit("kt", "Phòng Kinh tế"),
        Unit("ca", "Công an đặc khu"),
        Unit("all", "Các cơ quan, đơn vị, địa phương"),
    ),
)


@pytest.mark.parametrize("cell, expected", [
    # The name alone, as the directory has it and as offices write it.
    ("Văn phòng HĐND và UBND đặc khu", [("Văn phòng HĐND và UBND đặc khu", "vp")]),
    ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân đặc khu",
     [("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân đặc khu", "vp")]),
    ("Văn phòng HĐND và UBND", [("Văn phòng HĐND và UBND", "vp")]),
    ("Phòng Văn hóa và Thông tin", [("Phòng Văn hóa và Thông tin", "vhtt")]),
    ("Sở Khoa học và Công nghệ", [("Sở Khoa học và Công nghệ", "skhcn")]),
    # With other units, every separator.
    ("Văn phòng HĐND và UBND đặc khu và Phòng Văn hóa - Xã hội",
     [("Văn phòng HĐND và UBND đặc khu", "vp"), ("Phòng Văn hóa - Xã hội", "vhxh")]),
    ("Phòng Kinh tế, Văn phòng HĐND và UBND đặc khu, Phòng Văn hóa và Thông tin",
     [("Phòng Kinh tế", "kt"), ("Văn phòng HĐND và UBND đặc khu", "vp"),
      ("Phòng Văn hóa và Thông tin", "vhtt")]),
    ("Sở Khoa học và Công nghệ; Văn phòng HĐND và UBND đặc khu; Công an đặc khu",
     [("Sở Khoa học và Công nghệ", "skhcn"), ("Văn phòng HĐND và UBND đặc khu", "vp"),
      ("Công an đặc khu", "ca")]),
    ("- Văn phòng HĐND và UBND đặc khu;\n- Phòng Văn hóa và Thông tin.",
     [("Văn phòng HĐND và UBND đặc khu", "vp"), ("Phòng Văn hóa và Thông tin", "vhtt")]),
    # A name wrapped onto a second line of the cell is still one name.
    ("Văn phòng HĐND và\nUBND đặc khu", [("Văn phòng HĐND và\nUBND đặc khu", "vp")]),
    # Unknown units beside known ones keep their place and are split as before.
    ("Phòng Tư pháp và Văn phòng HĐND và UBND đặc khu, Sở Ngoại vụ",
     [("Phòng Tư pháp", None), ("Văn phòng HĐND và UBND đặc khu", "vp"), ("Sở Ngoại vụ", None)]),
    ("Văn phòng HĐND và UBND đặc khu và các đơn vị liên quan",
     [("Văn phòng HĐND và UBND đặc khu", "vp"), ("các đơn vị liên quan", None)]),
    ("Các cơ quan, đơn vị, địa phương và Phòng Văn hóa và Thông tin",
     [("Các cơ quan, đơn vị, địa phương", "all"), ("Phòng Văn hóa và Thông tin", "vhtt")]),
    ("", []),
])
def test_units_found_longest_first(cell, expected):
    found = UnitMatcher(WITH_AND).find(cell)
    assert [(name, unit.key if unit else None) for name, unit in found] == expected
    assert UnitMatcher(WITH_AND).split(cell) == [name for name, _ in expected]


def test_without_the_directory_the_split_is_by_wording():
    # split_units has no directory: it still cuts the office's name, which is why
    # the importer uses UnitMatcher.find.
    assert split_units("Văn phòng HĐND và UBND đặc khu") == ["Văn phòng HĐND", "UBND đặc khu"]
    assert UnitMatcher(WITH_AND).split("Văn phòng HĐND và UBND đặc khu") == ["Văn phòng HĐND và UBND đặc khu"]


def test_a_shorter_directory_name_does_not_cut_a_longer_one():
    directory = Directory(units=(Unit("vp-hdnd", "Văn phòng HĐND"), Unit("ubnd", "UBND đặc khu"),
                                 Unit("vp", "Văn phòng HĐND và UBND đặc khu")))
    found = UnitMatcher(directory).find("Văn phòng HĐND và UBND đặc khu, Văn phòng HĐND")
    assert [(n, u.key) for n, u in found] == [("Văn phòng HĐND và UBND đặc khu", "vp"),
                                              ("Văn phòng HĐND", "vp-hdnd")]


# -- officials in every office's style ---------------------------------------------

OFFICIALS = Directory(
    officials=(
        Official("a", "Nguyễn Văn An", "Trưởng phòng Nội vụ"),
        Official("b", "Trần Thị Bình", "Chánh Văn phòng HĐND và UBND đặc khu"),
        Official("tuyen", "Phạm Trí Tuyến", "Phó Chủ tịch UBND đặc khu"),
        Official("truong", "Trương Văn Nam", "Phó Trưởng phòng Kinh tế"),
        Official("vhxh", "Lê Thị Hoa", "Trưởng phòng Văn hóa - Xã hội"),
    ),
)


@pytest.mark.parametrize("cell, expected", [
    # (name, title, role) of each mention, in order.
    ("Đồng chí Nguyễn Văn An - Ủy viên Đảng ủy, Trưởng phòng Nội vụ: Tham mưu thực hiện",
     [("Nguyễn Văn An", "Ủy viên Đảng ủy, Trưởng phòng Nội vụ", "adviser")]),
    ("Đồng chí Nguyễn Văn An – Ủy viên Đảng ủy, Trưởng phòng Nội vụ: Chủ trì",
     [("Nguyễn Văn An", "Ủy viên Đảng ủy, Trưởng phòng Nội vụ", "lead")]),
    ("Đồng chí Nguyễn Văn An — Trưởng phòng Nội vụ: Phụ trách",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "lead")]),
    ("Đồng chí Nguyễn Văn An-Trưởng phòng Nội vụ: Phối hợp",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "coordinator")]),
    ("Đồng chí Nguyễn Văn An, Trưởng phòng Nội vụ: Chủ trì.",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "lead")]),
    ("đ/c Nguyễn Văn An - Trưởng phòng Nội vụ: Tham mưu",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "adviser")]),
    ("Đ/c Nguyễn Văn An (Trưởng phòng Nội vụ): Chủ trì",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "lead")]),
    ("Ông Nguyễn Văn An – Trưởng phòng Nội vụ: Chủ trì",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "lead")]),
    ("Bà Trần Thị Bình - Chánh Văn phòng HĐND và UBND đặc khu: Tham mưu thực hiện",
     [("Trần Thị Bình", "Chánh Văn phòng HĐND và UBND đặc khu", "adviser")]),
    # Two advisers: one role written after both.
    ("Đồng chí Nguyễn Văn An - Trưởng phòng Nội vụ; Đồng chí Trần Thị Bình - Chánh Văn phòng: "
     "Tham mưu thực hiện",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "adviser"),
      ("Trần Thị Bình", "Chánh Văn phòng", "adviser")]),
    ("Đồng chí Nguyễn Văn An - Trưởng phòng Nội vụ - Đồng chí Trần Thị Bình - Chánh Văn phòng: "
     "Tham mưu thực hiện",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "adviser"),
      ("Trần Thị Bình", "Chánh Văn phòng", "adviser")]),
    ("đ/c Nguyễn Văn An – Trưởng phòng Nội vụ; đ/c Trần Thị Bình – Chánh Văn phòng: Tham mưu",
     [("Nguyễn Văn An", "Trưởng phòng Nội vụ", "adviser"),
      ("Trần Thị Bình", "Chánh Văn phòng", "adviser")]),
    # One role each, on one line or on separate lines.
    ("Đồng chí Phạm Trí Tuyến - Phó Chủ tịch UBND đặc khu: Chủ trì; "
     "Đồng chí Nguyễn Văn An - Trưởng phòng Nội vụ: Tham mưu thực hiện",
     [("Phạm Trí Tuyến", "Phó Chủ tịch UBND đặc khu", "lead"),
      ("Nguyễn Văn An", "Trưởng phòng Nội vụ", "adviser")]),
    ("- Ông Phạm Trí Tuyến, Phó Chủ tịch UBND đặc khu: Chủ trì.\n"
     "- Bà Trần Thị Bình – Chánh Văn phòng: Phối hợp.",
     [("Phạm Trí Tuyến", "Phó Chủ tịch UBND đặc khu", "lead"),
      ("Trần Thị Bình", "Chánh Văn phòng", "coordinator")]),
    # A role on a later line is not the role of the line above: that one leads.
    ("Đồng chí Phạm Trí Tuyến - Phó Chủ tịch UBND đặc khu\n"
     "Đồng chí Nguyễn Văn An - Trưởng phòng Nội vụ: Tham mưu thực hiện",
     [("Phạm Trí Tuyến", "Phó Chủ tịch UBND đặc khu", "lead"),
      ("Nguyễn Văn An", "Trưởng phòng Nội vụ", "adviser")]),
    # The role as a label before the people.
    ("Chủ trì: Đồng chí Phạm Trí Tuyến - Phó Chủ tịch UBND đặc khu; "
     "Tham mưu: đ/c Nguyễn Văn An - Trưởng phòng Nội vụ, đ/c Trần Thị Bình - Chánh Văn phòng",
     [("Phạm Trí Tuyến", "Phó Chủ tịch UBND đặc khu", "lead"),
      ("Nguyễn Văn An", "Trưởng phòng Nội vụ", "adviser"),
      ("Trần Thị Bình", "Chánh Văn phòng", "adviser")]),
    # "Bà Rịa" and "bà con" are not people; "Trương" is a family name, not a title.
    ("Đồng chí Nguyễn Văn An - Trưởng đoàn công tác tỉnh Bà Rịa - Vũng Tàu",
     [("Nguyễn Văn An", "Trưởng đoàn công tác tỉnh Bà Rịa - Vũng Tàu", "lead")]),
    ("Đồng chí Trương Văn Nam - Phó Trưởng phòng Kinh tế: Chủ trì",
     [("Trương Văn Nam", "Phó Trưởng phòng Kinh tế", "lead")]),
    # An office named instead of a person keeps its dash.
    ("Đồng chí Trưởng phòng Văn hóa - Xã hội: Chủ trì",
     [("Trưởng phòng Văn hóa - Xã hội", "", "lead")]),
])
def test_official_mentions(cell, expected):
    mentions = parse_officials(cell)
    assert [(m.name, m.title, m.role) for m in mentions] == expected


@pytest.mark.parametrize("cell, keys", [
    ("Đồng chí Nguyễn Văn An - Ủy viên Đảng ủy, Trưởng phòng Nội vụ: Tham mưu thực hiện", ["a"]),
    ("Đ/c Phạm Trí Tuyên – Phó Chủ tịch UBND đặc khu: Chủ trì", ["tuyen"]),      # one letter off
    ("Ông Phạm Trí Tuyền — Phó Chủ tịch: Chủ trì", ["tuyen"]),
    ("Đồng chí Nguyễn Văn An - Trưởng phòng; Đồng chí Trần Thị Bình - Chánh Văn phòng: Tham mưu",
     ["a", "b"]),
    ("Đồng chí Nguyễn Văn An - Trưởng phòng - Đồng chí Trần Thị Bình - Chánh Văn phòng", ["a", "b"]),
    ("Đồng chí Trương Văn Nam - Phó Trưởng phòng Kinh tế", ["truong"]),
    ("Đồng chí Trưởng phòng Văn hóa - Xã hội: Chủ trì", ["vhxh"]),
])
def test_official_mentions_match_the_directory(cell, keys):
    matcher = OfficialMatcher(OFFICIALS)
    found = [matcher.match(m) for m in parse_officials(cell)]
    assert [o.key if o else None for o in found] == keys
