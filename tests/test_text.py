import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.text import ascii_fold, fold, nfc


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def test_nfc_composes():
    assert nfc("Quy\u0301") == "Quý"
    assert nfc(nfd("Thường xuyên")) == "Thường xuyên"


@pytest.mark.parametrize(
    "old, new",
    [
        ("hóa", "hoá"),
        ("Văn hóa", "Văn hoá"),
        ("thủy", "thuỷ"),
        ("khỏe", "khoẻ"),
        ("hòa", "hoà"),
        ("Quý", "Qúy"),  # the misplaced mark on "qu"
        ("già", "gìa"),  # and on "gi"
    ],
)
def test_both_tone_conventions_fold_alike(old, new):
    assert fold(old) == fold(new)


@pytest.mark.parametrize(
    "word, expected",
    [
        ("Hoá học", "hóa học"),
        ("THUỶ LỢI", "thủy lợi"),
        ("Qúy I/2026", "quý i/2026"),
        # closed syllables and shaped vowels keep their only correct place
        ("hoàn thành", "hoàn thành"),
        ("quyền", "quyền"),
        ("người", "người"),
        ("Huỳnh", "huỳnh"),
        ("khuỷu", "khuỷu"),
        ("giữ gìn", "giữ gìn"),
    ],
)
def test_fold_places_tone_canonically(word, expected):
    assert fold(word) == expected


def test_fold_nfd_equals_nfc():
    phrase = "Nhiệm vụ thường xuyên; định kỳ hằng tháng báo cáo kết quả"
    assert fold(nfd(phrase)) == fold(phrase) == phrase.lower()


def test_fold_cyrillic_and_greek_lookalikes():
    assert fold("khoа học") == "khoa học"  # Cyrillic а, as in seed 001
    assert fold("Quý ІІ/2026") == "quý ii/2026"  # Cyrillic І
    assert fold("cοng nghệ") == "cong nghệ"  # Greek ο
    assert fold("Ðảng ủy") == "đảng ủy"  # Icelandic Ð for Đ
    # a Cyrillic base letter carrying a combining tone still composes to Vietnamese
    assert fold("tha\u0301ng".replace("a", "а")) == "tháng"


def test_fold_whitespace_case_invisibles():
    assert fold("  Thời\u00a0gian \n\t hoàn\u200bthành  ") == "thời gian hoànthành"
    assert fold("ＱＵÝ") == "quý"  # full-width Latin


def test_fold_leaves_foreign_words_alone():
    assert fold("Café") == "café"
    assert fold("57-NQ/TW") == "57-nq/tw"


def test_ascii_fold():
    assert ascii_fold("Đôn đốc") == "don doc"
    assert ascii_fold("Hằng năm") == ascii_fold("Hàng năm") == "hang nam"
    assert ascii_fold(nfd("Quý IV/2026")) == "quy iv/2026"
    assert ascii_fold("Thủy lợi, Văn hoá") == "thuy loi, van hoa"


VI_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]


@st.composite
def vietnamese_text(draw):
    chars = draw(st.lists(st.tuples(st.sampled_from(VI_LETTERS + " \n,./0123456789"),
                                    st.sampled_from(TONES)), max_size=40))
    return nfc("".join(c + (t if c.isalpha() else "") for c, t in chars))


@settings(max_examples=200, deadline=None)
@given(vietnamese_text())
def test_fold_properties(s):
    folded = fold(s)
    assert fold(folded) == folded  # idempotent
    assert fold(nfd(s)) == folded  # NFD and NFC alike
    assert folded == folded.strip() and "  " not in folded
    assert ascii_fold(s).isascii()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_fold_never_raises(s):
    assert isinstance(fold(s), str)
    assert isinstance(ascii_fold(s), str)
