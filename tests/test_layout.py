"""The code base's shape: no import circle between folders, layers pointing one way
(tools/layout_check.py), and the check itself able to see a circle."""
from __future__ import annotations

from tools.layout_check import find_cycle, problems, report, survey


def test_layers_point_one_way_and_no_circle():
    s = survey()
    print(report(s))
    assert problems(s) == []


def test_the_check_sees_a_circle_and_an_upward_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    fake = {"graph": {"domain": {"web"}, "web": {"domain"}},
            "edges": {("domain", "web"): ["domain/x.py"], ("web", "domain"): ["web/y.py"]}}
    found = problems(fake)
    assert any("circle" in p for p in found) and any("domain imports web" in p for p in found)


def test_workflows_import_only_contracts_and_domain():
    s = survey()
    assert s["graph"]["workflows"] <= {"contracts", "domain"}
