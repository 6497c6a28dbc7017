"""People and the Zalo bot's conversation rules: sign-up codes, what a message means,
and what the bot answers. Pure, no I/O (services/people.py and services/zalo_bot.py
do the store and the network).

Codes: six characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown
as "DD-7KQ4M2". The "DD" prefix lets a code be found inside a sentence; people may
type it in lower case, with spaces or dashes, or drop the prefix when the code is
the whole message. Six characters (about 10^9 codes) are enough because codes
expire and wrong guesses from one chat are slowed down.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.calendar import VN_TZ
from domain.text import ascii_fold, nfc

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CODE_PREFIX = "DD"
CODE_DAYS = 7
# Wrong codes one chat may send per window before answers stop checking codes.
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(hours=1)

ROLES = ("officer", "lead", "supervisor", "office")
ROLE_LABELS = {
    "officer": "cán bộ đầu mối",
    "lead": "lãnh đạo phụ trách",
    "supervisor": "thành viên Ban Chỉ đạo",
    "office": "cán bộ Văn phòng thường trực",
}

_DIGITS = frozenset("23456789")
# With the prefix anything of six letters/digits is an attempt at a code (a wrong
# one is answered as such); separators between characters are tolerated.
_PREFIXED = re.compile(r"(?<![A-Z0-9])DD[\s\-_:.#]*((?:[A-Z0-9][\s\-.]*){%d}[A-Z0-9])(?![A-Z0-9])"
                       % (CODE_LENGTH - 1))
_TOKEN = re.compile(r"(?<![A-Z0-9])[A-Z0-9]{%d}(?![A-Z0-9])" % CODE_LENGTH)
_SEPARATORS = re.compile(r"[\s\-_.:#]+")
_PUNCT = re.compile(r"[^\w\s/]+")


# -- codes ---------------------------------------------------------------------------

def new_code(choice=secrets.choice) -> str:
    """A fresh code (without prefix) holding a letter and a digit, which is what
    tells it apart from a word or a number inside a sentence."""
    while True:
        code = "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if _DIGITS & set(code) and set(code) - _DIGITS:
            return code


def display_code(code: str) -> str:
    return f"{CODE_PREFIX}-{normalise_code(code)}"


def normalise_code(text: str) -> str:
    """"dd-7kq 4m2" → "7KQ4M2": what is hashed and compared."""
    bare = _SEPARATORS.sub("", ascii_fold(text).upper())
    return bare[len(CODE_PREFIX):] if len(bare) == CODE_LENGTH + len(CODE_PREFIX) and bare.startswith(CODE_PREFIX) \
        else bare


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


def _looks_like_code(token: str) -> bool:
    return set(token) <= set(CODE_ALPHABET) and bool(_DIGITS & set(token)) and bool(set(token) - _DIGITS)


def find_code(text: str) -> str | None:
    """The sign-up code a message carries (normalised, without prefix), or None:
    "DD-7KQ4M2", "dd 7kq4m2", "mã của tôi là DD-7KQ-4M2 nhé", or "7KQ4M2" alone."""
    upper = ascii_fold(text or "").upper()
    found = _PREFIXED.search(upper)
    if found:
        return _SEPARATORS.sub("", found.group(1))
    whole = _SEPARATORS.sub("", upper)
    if len(whole) == CODE_LENGTH and _looks_like_code(whole):
        return whole
    return next((t for t in _TOKEN.findall(upper) if _looks_like_code(t)), None)


def wrong_codes_left(count: int, window_start: datetime | None, now: datetime) -> int:
    """How many more wrong codes this chat may send in its current window."""
    if window_start is None or now - window_start >= WRONG_CODE_WINDOW:
        return MAX_WRONG_CODES
    return max(0, MAX_WRONG_CODES - count)


# -- what a message means ----------------------------------------------------------------

@dataclass(frozen=True)
class Incoming:
    chat_id: str
    text: str
    display_name: str
    message_id: str | None
    event: str


def parse_update(update: dict) -> Incoming | None:
    """One Zalo event (getUpdates' `result`, a webhook body, or either wrapped in
    {"ok", "result"}) as an Incoming, or None when it carries no chat to answer."""
    if isinstance(update.get("result"), dict) and "event_name" not in update:
        update = update["result"]
    message = update.get("message") if isinstance(update.get("message"), dict) else {}
    chat, sender = message.get("chat") or {}, message.get("from") or {}
    chat_id = str(chat.get("id") or sender.get("id") or "").strip()
    if not chat_id or sender.get("is_bot"):
        return None
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    message_id = message.get("message_id")
    return Incoming(chat_id=chat_id, text=nfc(text).strip(), display_name=str(sender.get("display_name") or ""),
                    message_id=str(message_id) if message_id else None, event=str(update.get("event_name") or ""))


_INTENTS = {
    "unlink": re.compile(r"^/?(huy|huy lien ket|huy dang ky|ngung nhan tin|stop)$"),
    "ack": re.compile(r"^(?:(?:ok|oke|okay|vang|da|em|toi)\s+)*(?:da nhan|nhan roi|da nhan duoc)"
                      r"(?:\s+(?:roi|a|nhe|nha|duoc|thong tin|nhac viec|tin))*$"),
    "help": re.compile(r"^/?(tro giup|giup|giup do|help|huong dan|menu|start|lenh|\?)$"),
    "done": re.compile(r"^(?:(?:ok|da|em|toi|don vi)\s+)*(?:da\s+)?(?:xong|hoan thanh|hoan tat)\b"),
}


def intent(text: str) -> str | None:
    """"unlink", "ack", "help", "done" (a claim of completion, which the bot cannot
    take), or None. Diacritics, case and trailing punctuation do not matter."""
    plain = ascii_fold(text or "")
    if plain.strip() in ("?", "/?"):
        return "help"
    plain = " ".join(_PUNCT.sub(" ", plain).split())
    return next((name for name, rule in _INTENTS.items() if rule.match(plain)), None)


# -- what the bot answers ------------------------------------------------------------------

def _join(names: list[str]) -> str:
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " và " + names[-1]


def receives(role: str, unit_names: list[str]) -> str:
    """What a person of this role receives, in words."""
    units = _join(unit_names)
    if role == "lead":
        return "thông báo leo thang của các nhiệm vụ do anh/chị phụ trách" + (f" ({units})" if units else "")
    if role == "supervisor":
        return "thông báo leo thang lên Ban Chỉ đạo và báo cáo hằng ngày"
    if role == "office":
        return "nhiệm vụ chưa xác định được đơn vị chủ trì và thông báo khi tin nhắn không gửi được"
    return f"nhắc việc các nhiệm vụ của {units}" if units else "nhắc việc các nhiệm vụ của đơn vị"


_COMMANDS = "gửi «đã nhận» khi đã nhận được nhắc việc, «trợ giúp» để xem các lệnh, «hủy» để ngừng nhận tin qua Zalo"


def linked_text(name: str, role: str, unit_names: list[str]) -> str:
    return (f"Chào {name}, tài khoản Zalo này đã được liên kết với dondoc. Từ nay anh/chị sẽ nhận: "
            f"{receives(role, unit_names)}. Anh/chị có thể {_COMMANDS}.")


def wrong_code_text(left: int) -> str:
    more = f" Anh/chị còn {left} lần thử trong giờ này." if left else ""
    return ("Mã đăng ký không đúng. Xin kiểm tra lại mã (dạng DD-XXXXXX) hoặc đề nghị Văn phòng thường trực "
            "cấp mã mới." + more)


def used_code_text() -> str:
    return "Mã đăng ký này đã được sử dụng. Nếu cần liên kết lại, xin đề nghị Văn phòng thường trực cấp mã mới."


def expired_code_text() -> str:
    return "Mã đăng ký này đã hết hạn. Xin đề nghị Văn phòng thường trực cấp mã mới."


def throttled_text(minutes: int) -> str:
    return (f"Tài khoản này đã gửi sai mã quá nhiều lần. Xin thử lại sau khoảng {max(1, minutes)} phút "
            "hoặc liên hệ Văn phòng thường trực.")


def other_person_text(name: str) -> str:
    return (f"Tài khoản Zalo này đang liên kết với {name}. Muốn liên kết cho người khác, xin gửi «hủy» "
            "trước rồi gửi lại mã.")


def not_linked_text() -> str:
    return ("Tài khoản Zalo này chưa được liên kết với dondoc. Để nhận nhắc việc, xin gửi mã đăng ký "
            "do Văn phòng thường trực cấp (dạng DD-XXXXXX).")


def help_text(linked: bool) -> str:
    if not linked:
        return not_linked_text() + " Gửi «trợ giúp» để xem hướng dẫn này."
    return ("dondoc hiểu các tin nhắn sau:\n"
            "• «đã nhận»: báo đã nhận nhắc việc gần nhất;\n"
            "• «hủy»: ngừng nhận tin nhắn dondoc qua Zalo;\n"
            "• «trợ giúp»: xem hướng dẫn này.\n"
            "Việc xác nhận hoàn thành nhiệm vụ chỉ thực hiện qua đường liên kết trong lời nhắc, "
            "không qua tin nhắn Zalo.")


def fallback_text(linked: bool) -> str:
    if not linked:
        return not_linked_text()
    return "dondoc chưa hiểu tin nhắn này. Anh/chị có thể " + _COMMANDS + "."


def done_text() -> str:
    return ("dondoc không nhận xác nhận hoàn thành qua Zalo. Xin xác nhận qua đường liên kết trong lời nhắc "
            "(kèm số ký hiệu, ngày ban hành và trích yếu văn bản).")


def ack_text(name: str, task_title: str | None) -> str:
    what = f"nhắc việc «{_short(task_title)}»" if task_title else "tin nhắn gần nhất"
    return (f"Cảm ơn {name}, dondoc đã ghi nhận anh/chị đã nhận {what}. Lưu ý: tin nhắn này không phải "
            "xác nhận hoàn thành; khi xong, xin xác nhận qua đường liên kết trong lời nhắc.")


def unlinked_text(name: str) -> str:
    return (f"Đã hủy liên kết: {name} sẽ không nhận tin nhắn dondoc qua tài khoản Zalo này nữa. "
            "Muốn nhận lại, xin đề nghị Văn phòng thường trực cấp mã mới.")


def invite_text(name: str, code: str, expires_at: datetime, bot_name: str = "bot dondoc",
                bot_link: str | None = None) -> str:
    """The instructions the office hands to a person (printed or sent by email)."""
    where = f"tìm {bot_name} ({bot_link}) hoặc quét mã QR của bot" if bot_link else \
        f"tìm {bot_name} (hoặc quét mã QR của bot)"
    return (f"Gửi {name}: để nhận nhắc việc của dondoc qua Zalo, xin mở Zalo, {where}, rồi gửi tin nhắn có mã "
            f"{display_code(code)}. Mã chỉ dùng một lần và hết hạn lúc {vn_moment(expires_at)}.")


def vn_moment(moment: datetime) -> str:
    local = moment.astimezone(VN_TZ)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
