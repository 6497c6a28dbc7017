"""Signing up to the Zalo bot and talking to it: services.zalo_bot.handle_update on
both databases, table-driven, then the getUpdates loop against the fake Bot API."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from peers import FakeZalo
from sqlalchemy import select
from structlog.testing import capture_logs

from config.loader import load_config
from services.people import add_person, invite
from services.zalo_bot import handle_update, poll_forever
from store.db import session_scope
from store.models import Delivery, Event, Person, Task, ZaloLink

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
AN, BINH = "Nguyễn Văn An", "Trần Thị Bình"
AN_UNITS = ["Phòng Văn hóa - Xã hội", "Phòng Kinh tế"]


@pytest.fixture(scope="module")
def directory():
    return load_config(None).directory


class Chat:
    """The people of one test, their codes, and every answer the bot gave."""

    def __init__(self, url: str, directory) -> None:
        self.url, self.directory, self.replies, self.counter = url, directory, [], 0
        self.an = add_person(url, AN, ["vhxh", "kinh-te"], directory=directory)
        self.binh = add_person(url, BINH, ["so-khcn"], "lead", directory=directory)
        self.codes = {"code": invite(url, self.an, NOW)["code"], "lead_code": invite(url, self.binh, NOW)["code"]}

    def update(self, chat: str, text: str, message_id: str | None = None, name: str = "Người dùng") -> dict:
        self.counter += 1
        return {"ok": True, "result": {"event_name": "message.text.received", "message": {
            "from": {"id": chat, "display_name": name, "is_bot": False},
            "chat": {"id": chat, "chat_type": "PRIVATE"}, "text": text,
            "message_id": message_id or f"m{self.counter}", "date": 1750316131602}}}

    def say(self, chat: str, text: str, minutes: float = 0, **kw) -> dict | None:
        code = self.codes["code"]
        text = text.format(**self.codes, spaced_lower=f"dd {code[3:6]} {code[6:]}".lower(), bare=code[3:])
        return handle_update(self.url, self.update(chat, text, **kw), NOW + timedelta(minutes=minutes),
                             lambda chat_id, answer: self.replies.append((chat_id, answer)),
                             directory=self.directory)

    def links(self) -> dict[str, str]:
        with session_scope(self.url) as s:
            return {link.chat_id: s.get(Person, link.person_id).name for link in s.scalars(select(ZaloLink))}


@pytest.fixture
def chat(db_url, directory) -> Chat:
    return Chat(db_url, directory)


LINK_AN = ("c1", "{code}", 0, "linked", [])
WRONG = ("c1", "DD-ZZZ222", 1, "wrong_code", ["Mã đăng ký không đúng"])
LINKED_WORDS = [f"Chào {AN}", "đã được liên kết", "nhắc việc các nhiệm vụ của", *AN_UNITS]

# name: ([(chat, text, minutes after the invite, action, words in the answer)], links at the end)
SCENARIOS = {
    "code alone": ([("c1", "{code}", 0, "linked", LINKED_WORDS)], {"c1": AN}),
    "code inside a sentence": ([("c1", "Chào bot, mã của tôi là {code} nhé!", 0, "linked", LINKED_WORDS)],
                               {"c1": AN}),
    "lower case code with spaces": ([("c1", "{spaced_lower}", 0, "linked", LINKED_WORDS)], {"c1": AN}),
    "code without its prefix": ([("c1", "{bare}", 0, "linked", LINKED_WORDS)], {"c1": AN}),
    "a lead is told about escalations": ([("c2", "{lead_code}", 0, "linked",
                                           [f"Chào {BINH}", "leo thang", "Sở Khoa học và Công nghệ"])], {"c2": BINH}),
    "wrong code": ([("c1", "DD-ZZZ222", 0, "wrong_code", ["không đúng", "còn 4 lần thử"])], {}),
    "used code": ([LINK_AN, ("c2", "{code}", 60, "used_code", ["đã được sử dụng", "mã mới"])], {"c1": AN}),
    "expired code": ([("c1", "{code}", 7 * 24 * 60 + 1, "expired_code", ["đã hết hạn", "mã mới"])], {}),
    "throttled after five wrong codes": ([WRONG] * 5 + [
        ("c1", "{code}", 5, "throttled", ["quá nhiều lần", "56 phút"]),
        ("c1", "{code}", 62, "linked", LINKED_WORDS)], {"c1": AN}),
    "hủy unlinks": ([LINK_AN, ("c1", "Hủy", 1, "unlinked", ["Đã hủy liên kết", AN]),
                     ("c1", "đã nhận", 2, "not_linked", ["chưa được liên kết"])], {}),
    "đã nhận records an ack": ([LINK_AN, ("c1", "Dạ đã nhận ạ", 1, "ack",
                                          [f"Cảm ơn {AN}", "không phải xác nhận hoàn thành"])], {"c1": AN}),
    "trợ giúp lists the commands": ([LINK_AN, ("c1", "trợ giúp", 1, "help", ["«đã nhận»", "«hủy»", "«trợ giúp»",
                                                                              "đường liên kết"])], {"c1": AN}),
    "help before signing up": ([("c1", "tro giup", 0, "help", ["chưa được liên kết", "DD-"])], {}),
    "other text gets a short help": ([LINK_AN, ("c1", "Xin chào bot", 1, "other", ["chưa hiểu", "«trợ giúp»"])],
                                     {"c1": AN}),
    "a stranger is told how to sign up": ([("c9", "Xin chào", 0, "not_linked", ["chưa được liên kết", "mã"])], {}),
    "no task is confirmed in the chat": ([LINK_AN, ("c1", "Đã hoàn thành nhiệm vụ rồi", 1, "done_refused",
                                                    ["không nhận xác nhận hoàn thành", "đường liên kết"])],
                                         {"c1": AN}),
    "a linked chat cannot take another person's code": (
        [LINK_AN, ("c1", "{lead_code}", 1, "other_person", [AN, "«hủy»"])], {"c1": AN}),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_conversation(chat, name):
    steps, links = SCENARIOS[name]
    for chat_id, text, minutes, action, words in steps:
        before = len(chat.replies)
        out = chat.say(chat_id, text, minutes)
        assert out["action"] == action, (text, out)
        assert chat.replies[before:] == [(chat_id, out["reply"])]  # one answer, to the writer
        for word in words:
            assert word in out["reply"], (word, out["reply"])
        assert len(out["reply"]) <= 2000
    assert chat.links() == links
    with session_scope(chat.url) as s:
        assert all(t.status == "open" for t in s.scalars(select(Task)))


def test_ack_is_logged_against_the_latest_reminded_task(chat):
    with session_scope(chat.url) as s:
        for i, (title, recipient, minutes) in enumerate([("Số hóa hồ sơ một cửa", "vhxh", 30),
                                                          ("Báo cáo chuyển đổi số", "kinh-te", 10),
                                                          ("Nhiệm vụ của đơn vị khác", "so-khcn", 50)]):
            s.add(Task(id=f"task/t/{i}", title=title, lead_units=[recipient], due=date(2026, 12, 31)))
            s.add(Delivery(key=f"task/t/{i}||before-7|{recipient}", subject_id=f"task/t/{i}", step="before-7",
                           recipient=recipient, channel="zalo", status="sent",
                           sent_at=NOW + timedelta(minutes=minutes)))
    chat.say("c1", "{code}")
    out = chat.say("c1", "ok đã nhận", 60, message_id="ack-1")
    assert out["action"] == "ack" and "«Số hóa hồ sơ một cửa»" in out["reply"]
    with session_scope(chat.url) as s:
        s.add(Delivery(key=f"task/t/1||overdue|person:{chat.an}", subject_id="task/t/1", step="overdue",
                       recipient=f"person:{chat.an}", channel="zalo", status="sent", sent_at=NOW))
    out = chat.say("c1", "đã nhận", 61)  # a message to the person beats newer ones to their units
    assert "«Báo cáo chuyển đổi số»" in out["reply"]
    with session_scope(chat.url) as s:
        acks = s.scalars(select(Event).where(Event.kind == "zalo_ack").order_by(Event.id)).all()
        assert [(a.subject_id, a.data["matched_by"], a.data["person_id"]) for a in acks] == [
            ("task/t/0", "unit", chat.an), ("task/t/1", "person", chat.an)]
        assert acks[0].key == "zalo:ack-1"
        assert {t.status for t in s.scalars(select(Task))} == {"open"}


def test_a_message_delivered_twice_is_answered_once(chat):
    assert chat.say("c1", "{code}", message_id="same")["action"] == "linked"
    assert chat.say("c1", "{code}", 1, message_id="same")["action"] == "duplicate"
    assert len(chat.replies) == 1


def test_a_new_phone_moves_the_link_and_writing_heals_a_broken_one(chat):
    chat.say("c1", "{code}", name="An cũ")
    with session_scope(chat.url) as s:
        link = s.scalars(select(ZaloLink)).one()
        link.broken, link.broken_reason = True, "zalo 400: Bad Request: chat not found"
    chat.say("c1", "trợ giúp", 1, name="An")
    with session_scope(chat.url) as s:
        link = s.scalars(select(ZaloLink)).one()
        assert (link.broken, link.broken_reason, link.display_name) == (False, "", "An")
    chat.codes["code"] = invite(chat.url, chat.an, NOW + timedelta(days=1))["code"]
    assert chat.say("c5", "{code}", 24 * 60 + 1)["action"] == "linked"
    assert chat.links() == {"c5": AN}


def test_events_without_a_chat_are_ignored_and_stickers_get_help(chat):
    assert handle_update(chat.url, {"ok": False, "error_code": 408}, NOW, lambda *a: None) is None
    sticker = {"event_name": "message.sticker.received",
               "message": {"from": {"id": "c7", "display_name": "X"}, "chat": {"id": "c7"}, "message_id": "s1"}}
    out = handle_update(chat.url, sticker, NOW, lambda *a: chat.replies.append(a), directory=chat.directory)
    assert out["action"] == "not_linked" and chat.replies == [("c7", out["reply"])]


def test_the_wrong_code_window_starts_again(chat):
    for minute in range(4):
        chat.say("c1", "DD-ZZZ222", minute)
    out = chat.say("c1", "DD-ZZZ223", 61)  # a new hour: the count starts again
    assert out["action"] == "wrong_code" and "còn 4 lần thử" in out["reply"]


# -- getUpdates long polling against the fake Bot API -------------------------------------

TOKEN = "111111:drilltoken"


def _poller(url, base, token, directory):
    stop = threading.Event()
    thread = threading.Thread(target=poll_forever, args=(url, base, token, stop),
                              kwargs={"timeout": 1, "directory": directory}, daemon=True)
    thread.start()
    return stop, thread


def test_poll_forever_signs_up_and_answers_through_the_bot_api(sqlite_url, directory):
    people = Chat(sqlite_url, directory)
    with FakeZalo(strict=True) as zalo:
        stop, thread = _poller(sqlite_url, zalo.url, TOKEN, directory)
        try:
            zalo.user_writes("chat-an", f"Mã của tôi: {people.codes['code']}", display_name="An")
            zalo.wait_for(1, timeout=10)
            zalo.user_writes("chat-an", "trợ giúp", display_name="An")
            messages = zalo.wait_for(2, timeout=10)
        finally:
            stop.set()
            thread.join(timeout=10)
        assert not thread.is_alive()
    assert [m.chat_id for m in messages] == ["chat-an", "chat-an"]
    assert f"Chào {AN}" in messages[0].text and "Phòng Kinh tế" in messages[0].text
    assert "«đã nhận»" in messages[1].text
    assert people.links() == {"chat-an": AN}


def test_poll_forever_backs_off_on_a_refused_token(sqlite_url, directory):
    with FakeZalo() as zalo, capture_logs() as logs:
        stop, thread = _poller(sqlite_url, zalo.url, "222222:wrongsecret", directory)
        threading.Event().wait(1.5)
        stop.set()
        thread.join(timeout=10)
        calls = [r for r in zalo.requests if r.method == "getUpdates"]
    assert not thread.is_alive()
    assert 1 <= len(calls) <= 2 and all(c.status == 401 for c in calls)  # 1 s, then 2 s between tries
    refused = [entry for entry in logs if entry["event"] == "zalo_poll_refused"]
    assert refused and refused[0]["error_code"] == 401 and refused[0]["retry_in"] == 1.0
    assert "wrongsecret" not in repr(logs)
