"""Message templates: every kind renders in Vietnamese, chat text stays under Zalo's
2,000 characters whatever the title, HTML escapes what documents contain."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, timezone

import pytest

from notifiers.render import CHAT_LIMIT, KINDS, REQUIRED, render, render_chat, shorten, vn_date, vn_datetime

LINK = "http://127.0.0.1:8000/c/eyJzIjoidGFzay0xIn0.c2lnbmF0dXJl"
FULL = dict(
    title="Triển khai nền tảng số dùng chung", plan="Kế hoạch 57-KH/ĐU", stt="12",
    units=["Phòng Văn hóa - Xã hội"], lead_official="Phan Viết Điện", output="Báo cáo kết quả",
    due="2026-06-30", days_left=3, days_late=4, notified=["Phòng Văn hóa - Xã hội", "Phan Viết Điện"],
    link=LINK, recipient_name="Phòng Văn hóa - Xã hội", level="unit", period="tháng 05/2026",
    result="on_time", completed_on="2026-06-29", old_due="2026-06-30", new_due="2026-07-31",
    reason="Chờ bố trí kinh phí", approved_by="Phan Viết Điện",
    detected_at="2026-06-01T01:30:00+00:00", due_at="2026-06-02T01:30:00+00:00", hours_left=12,
    hours_late=6.5, severity="cao", reported_at="2026-06-01T04:00:00Z", report_number="15/BC-CA",
    missed_recipient="Công an đặc khu", missed_level="unit", missed_subject="[Nhắc việc] Còn 3 ngày",
    errors=["zalo: error=400", "email: connection refused"],
    difficulty="Thiếu kinh phí mua máy chủ", proposal="Đề nghị bố trí kinh phí", percent=40,
)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders(kind):
    msg = render(kind, FULL)
    assert msg.subject and "\n" not in msg.subject
    shown = FULL["missed_subject"] if kind == "no_channel" else FULL["title"]
    assert shown in msg.text
    assert msg.html.startswith("<!DOCTYPE html>") and 'lang="vi"' in msg.html
    assert 0 < len(msg.chat) < 2000
    assert "None" not in msg.text and "None" not in msg.html


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_with_its_required_keys_only(kind):
    ctx = {"title": "Nhiệm vụ tối thiểu", **{k: FULL[k] for k in REQUIRED.get(kind, ())}}
    msg = render(kind, ctx)
    assert "Nhiệm vụ tối thiểu" in msg.text and len(msg.chat) < 2000
    assert "None" not in msg.text and "None" not in msg.html
    for key in REQUIRED.get(kind, ()):
        with pytest.raises(ValueError, match=key):
            render(kind, {k: v for k, v in ctx.items() if k != key})


@pytest.mark.parametrize("kind", KINDS)
def test_a_5000_character_title_keeps_zalo_under_2000_with_the_link(kind):
    title = ("Xây dựng, hoàn thiện cơ sở dữ liệu chuyên ngành và kết nối liên thông " * 80)[:5000]
    ctx = {**FULL, "title": title, "units": ["Đơn vị " + str(i) for i in range(60)], "output": "Báo cáo " * 200}

    msg = render(kind, ctx)

    assert len(msg.chat) < 2000 and len(msg.chat) <= CHAT_LIMIT
    # (review_reminder goes to the standing office, who decides on the dashboard: no link)
    if kind not in {"completed", "cancelled", "incident_reported", "no_channel", "review_reminder"}:
        assert LINK in msg.chat  # the link is never cut
    if kind != "no_channel":  # that one names the missed message, not the task
        assert "…" in msg.chat
        assert title.strip() in " ".join(msg.text.split())  # email carries the whole title
    assert len(msg.subject) < 400


def test_the_reminder_says_what_the_brief_says():
    msg = render("reminder", FULL)
    assert 'Nhiệm vụ "Triển khai nền tảng số dùng chung" hạn 30/06/2026 còn 3 ngày làm việc.' in msg.chat
    assert msg.subject == "[Nhắc việc] Còn 3 ngày làm việc: Triển khai nền tảng số dùng chung"
    assert msg.chat.rstrip().endswith(LINK)
    assert "đến hạn hôm nay" in render("reminder", {**FULL, "days_left": 0}).chat


def test_escalation_says_how_late_and_who_was_told():
    chat = render("escalation", {**FULL, "level": "supervisors", "recipient_name": "Ban Chỉ đạo"}).chat
    assert "quá hạn 4 ngày làm việc" in chat
    assert "Đã thông báo: Phòng Văn hóa - Xã hội, Phan Viết Điện." in chat
    assert "Ban Chỉ đạo" in chat


@pytest.mark.parametrize("result,label", [("early", "trước hạn"), ("on_time", "đúng hạn"), ("late", "quá hạn")])
def test_completed_names_the_result(result, label):
    msg = render("completed", {**FULL, "period": None, "result": result})
    assert f": {label}" in msg.chat and label in msg.subject


def test_incident_times_are_vietnam_time():
    chat = render("incident_alert", FULL).chat
    assert "08:30 01/06/2026" in chat and "08:30 02/06/2026" in chat and "còn 12 giờ" in chat
    assert "quá 6 giờ 30 phút" in render("incident_escalation", FULL).chat


def test_html_escapes_document_text_but_text_keeps_it():
    ctx = {**FULL, "title": 'Lắp camera <script>alert("x")</script> & cổng', "units": ["<b>Phòng</b>"]}
    msg = render("escalation", ctx)
    assert "<script>" not in msg.html and "&lt;script&gt;" in msg.html and "&lt;b&gt;Phòng" in msg.html
    assert '<script>alert("x")</script> & cổng' in msg.text


def test_html_shows_the_link_as_text_too():
    # Apprise derives the email's text part from the HTML: the URL must be visible text.
    html = render("reminder", FULL).html
    assert f'href="{LINK}"' in html and f">{LINK}</a>" in html


def test_vietnamese_arrives_as_nfc():
    nfd = unicodedata.normalize("NFD", "Chuyển đổi số")
    msg = render("reminder", {**FULL, "title": nfd})
    assert "Chuyển đổi số" in msg.chat and nfd not in msg.chat


def test_unknown_kind_and_missing_title_are_refused():
    for make in (render, render_chat):
        with pytest.raises(ValueError):
            make("birthday", FULL)
        with pytest.raises(ValueError):
            make("reminder", {"due": "2026-06-30"})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("title", ["Nhiệm vụ ngắn", "Xây dựng cơ sở dữ liệu chuyên ngành " * 150])
def test_chat_alone_is_the_chat_of_the_whole_message(kind, title):
    ctx = {**FULL, "title": title}
    assert render_chat(kind, ctx) == render(kind, ctx).chat


def test_dates():
    assert vn_date("2026-06-30") == vn_date(date(2026, 6, 30)) == "30/06/2026"
    assert vn_date(datetime(2026, 6, 30, 20, 0, tzinfo=timezone.utc)) == "01/07/2026"  # Vietnam day
    assert vn_date("Quý II/2026") == "Quý II/2026" and vn_date(None) == "chưa xác định"
    assert vn_datetime("2026-06-01T17:05:00Z") == "00:05 02/06/2026"


def test_shorten_cuts_on_words_and_never_splits_a_letter():
    text = unicodedata.normalize("NFD", "Nhiệm vụ chuyển đổi số toàn diện")
    cut = shorten(text, 14)
    assert cut.endswith("…") and len(cut) <= 14
    assert not unicodedata.combining(cut[-2])
    assert shorten("ngắn", 100) == "ngắn"
