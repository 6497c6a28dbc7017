"""argparse in Vietnamese: its own words ("usage:", "options:", "show this help message
and exit", "the following arguments are required", "invalid choice"...) and the
placeholders it makes from option names.

argparse builds every text it shows with ``_()`` and ``ngettext()``, the gettext
functions it imports into its own module (Python 3.11: ``from gettext import gettext
as _, ngettext``) and looks up at each call. ``install()`` binds those two names to
lookups in the table below (the message ids are argparse's English strings), falling
back to the English text for any string the table does not know. Nothing else in the
process uses argparse's names, and no locale, .mo file or environment variable is
involved: the help reads the same whatever the machine's language. ``install()`` is
idempotent and runs before the parsers are built (group titles and the -h help are
translated when a parser is made; usage and errors when they are shown).

``ViHelpFormatter`` names a value an option takes in Vietnamese when the option gave
no ``metavar`` ("--title TÊN" rather than "--title TITLE").
"""
from __future__ import annotations

import argparse

__all__ = ["MESSAGES", "METAVARS", "ViHelpFormatter", "install", "translate"]

# argparse's message ids (Python 3.11 and 3.12) -> Vietnamese, same %-placeholders.
MESSAGES: dict[str, str] = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "optional arguments": "tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "subcommands": "lệnh con",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "not allowed with argument %s": "không dùng cùng với tham số %s",
    "ignored explicit argument %r": "giá trị %r không dùng được ở đây",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ (%(type)s): %(value)r",
    "expected one argument": "cần đúng một giá trị",
    "expected at most one argument": "chỉ nhận tối đa một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn chưa rõ: %(option)s có thể là %(matches)s",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "lệnh không có: %(parser_name)r (các lệnh: %(choices)s)",
    "cannot have multiple subparser arguments": "chỉ được một nhóm lệnh con",
    "can't open '%(filename)s': %(error)s": "không mở được '%(filename)s': %(error)s",
    'argument "-" with mode %r': 'tham số "-" với chế độ %r',
    "%r is not callable": "%r không gọi được",
    "conflicting subparser: %s": "lệnh con trùng: %s",
    "conflicting subparser alias: %s": "tên gọi khác của lệnh con trùng: %s",
    "conflicting option string: %s": "tùy chọn trùng: %s",
    "conflicting option strings: %s": "các tùy chọn trùng: %s",
    "mutually exclusive arguments must be optional": "các tham số loại trừ nhau phải là tùy chọn",
    "'required' is an invalid argument for positionals": "'required' không dùng cho tham số vị trí",
    "dest= is required for options like %r": "cần dest= cho tùy chọn như %r",
    "invalid conflict_resolution value: %r": "giá trị conflict_resolution không hợp lệ: %r",
    "cannot merge actions - two groups are named %r": "không gộp được: hai nhóm cùng tên %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r":
        "tùy chọn %(option)r không hợp lệ: phải bắt đầu bằng ký tự %(prefix_chars)r",
    ".__call__() not defined": ".__call__() chưa được định nghĩa",
    # Python 3.12 spellings of the same messages.
    "argument '-' with mode %r": "tham số '-' với chế độ %r",
    "expected %s argument(s)": "cần %s giá trị",
}

# The placeholder an option's value gets when it names none (dest -> shown word).
METAVARS: dict[str, str] = {
    "config": "TỆP", "title": "TÊN", "unit": "ĐƠN_VỊ", "official": "LÃNH_ĐẠO", "due": "HẠN", "deadline": "THỜI_HẠN",
    "plan": "KẾ_HOẠCH", "name": "TÊN", "email": "EMAIL", "role": "VAI_TRÒ", "days": "SỐ_NGÀY",
    "bot_name": "TÊN_BOT", "bot_link": "ĐƯỜNG_LIÊN_KẾT", "id": "MÃ", "file": "TỆP", "as_of": "THỜI_ĐIỂM",
    "quarter": "QUÝ", "month": "THÁNG", "format": "ĐỊNH_DẠNG", "output": "TỆP_RA", "detected_at": "THỜI_ĐIỂM",
    "severity": "MỨC_ĐỘ", "status": "TRẠNG_THÁI", "number": "SỐ_KÝ_HIỆU", "issued_on": "NGÀY",
    "summary": "TRÍCH_YẾU", "note": "GHI_CHÚ", "key": "KHÓA", "count": "SỐ_LẦN", "host": "ĐỊA_CHỈ",
    "port": "CỔNG", "sizes": "JSON", "phrases": "CỤM_TỪ", "pytest_args": "THAM_SỐ_PYTEST", "data_dir": "THƯ_MỤC",
}


def translate(message: str) -> str:
    """argparse's ``_``: the Vietnamese text of one of its messages (English when unknown)."""
    return MESSAGES.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    """argparse's ``ngettext``: Vietnamese has one form, so the table keys both."""
    return translate(singular if n == 1 else plural)


def install() -> None:
    """Bind argparse's gettext names to the table (idempotent)."""
    argparse._ = translate
    argparse.ngettext = translate_plural


class ViHelpFormatter(argparse.HelpFormatter):
    """Vietnamese placeholders for options and positionals without a metavar."""

    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        return METAVARS.get(action.dest, action.dest.upper())

    def _get_default_metavar_for_positional(self, action: argparse.Action) -> str:
        return METAVARS.get(action.dest, action.dest)
