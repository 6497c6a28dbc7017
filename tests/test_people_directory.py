"""The directory with the people's channels (store/people_channels.py), as every step
of every reminder reads it: the active people only, their units in the office's order,
their Zalo chat first unless Zalo refused it, then their email -- read with one
statement however many people there are (SQLite and PostgreSQL)."""
from __future__ import annotations

from sqlalchemy import event

from domain.directory import Directory, Unit
from store.db import session_factory, session_scope
from store.models import Person, PersonUnit, ZaloLink
from store.people_channels import directory_with_people

TOKEN, EMAIL = "111111:tok", "mailtos://u:p@smtp.example.vn"
DIRECTORY = Directory(units=(Unit("vhxh", "Phòng Văn hóa - Xã hội"), Unit("ca", "Công an đặc khu")), officials=(),
                      supervisors=(), supervisors_name="Ban Chỉ đạo", standing_office="vhxh")


def _person(name, units, *, chat=None, broken=False, email=None, active=True, role="officer"):
    p = Person(name=name, role=role, email=email, active=active)
    p.units = [PersonUnit(unit_key=u, position=i) for i, u in enumerate(units)]
    if chat:
        p.zalo = ZaloLink(chat_id=chat, broken=broken)
    return p


def _add(url, people):
    with session_scope(url) as s:
        s.add_all(people)


def _statements(url, call):
    seen: list[str] = []
    engine = session_factory(url).kw["bind"]

    def count(*_args):
        seen.append("x")

    event.listen(engine, "before_cursor_execute", count)
    try:
        return call(), len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_each_person_with_units_in_order_and_channels_zalo_first(db_url):
    _add(db_url, [
        _person("Nguyễn Thị Lan", ["ca", "vhxh"], chat="chat-lan", email="lan@example.vn", role="lead"),
        _person("Trần Văn Bình", ["vhxh"], chat="chat-binh", broken=True, email="binh@example.vn"),
        _person("Lê Minh", ["vhxh"]),
        _person("Phạm Hà", ["ca"], chat="chat-ha", active=False),
        _person("Đỗ An", [], email="an@example.vn"),
    ])
    people = directory_with_people(db_url, DIRECTORY, TOKEN, EMAIL).people
    assert [(m.name, m.role, m.units, m.targets) for m in people] == [
        ("Nguyễn Thị Lan", "lead", ("ca", "vhxh"), (f"zalo://{TOKEN}/chat-lan", f"{EMAIL}?to=lan@example.vn")),
        ("Trần Văn Bình", "officer", ("vhxh",), (f"{EMAIL}?to=binh@example.vn",)),  # Zalo refused: email only
        ("Lê Minh", "officer", ("vhxh",), ()),
        ("Đỗ An", "officer", (), (f"{EMAIL}?to=an@example.vn",)),
    ]
    assert all(m.key.startswith("person:") for m in people)
    # no bot token, no mail server: no channel of that kind
    bare = directory_with_people(db_url, DIRECTORY).people
    assert [m.targets for m in bare] == [(), (), (), ()]


def test_no_people_leaves_the_directory_as_configured(db_url):
    assert directory_with_people(db_url, DIRECTORY, TOKEN, EMAIL) is DIRECTORY


def test_one_statement_for_three_people_or_sixty(db_url):
    _add(db_url, [_person(f"Cán bộ {i}", ["vhxh", "ca"], chat=f"c{i}", email=f"p{i}@example.vn") for i in range(3)])
    few, few_statements = _statements(db_url, lambda: directory_with_people(db_url, DIRECTORY, TOKEN, EMAIL))
    _add(db_url, [_person(f"Cán bộ {i}", ["ca"], chat=f"c{i}") for i in range(3, 60)])
    many, many_statements = _statements(db_url, lambda: directory_with_people(db_url, DIRECTORY, TOKEN, EMAIL))
    assert len(few.people) == 3 and len(many.people) == 60
    assert few_statements == many_statements == 1
