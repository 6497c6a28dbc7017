"""The command line's help and its errors are Vietnamese: every parser's help (the
root, each command, each subcommand) and the message of bad invocations carry none of
argparse's English words, and every option, argument and command explains itself."""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.argparse_vi import METAVARS
from cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
# argparse's own words (Python 3.11/3.12), as a person would meet them in help or an error.
ENGLISH = re.compile(r"usage|options|optional arguments|positional arguments|show this help|required|"
                     r"invalid choice|error:|expected (one|at least|at most)|unrecognized|not allowed|"
                     r"ambiguous|subcommands|argument", re.I)


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, parser) for the root and every command under it, depth first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, path + (name,))


ALL = list(parsers(build_parser()))


def test_every_command_is_walked():
    names = {" ".join(p) for p, _ in ALL}
    assert {"", "task", "task list", "report period", "users add", "people invite", "incident report",
            "zalo poll", "config check"} <= names
    assert len(ALL) > 30


@pytest.mark.parametrize("path,parser", ALL, ids=[" ".join(p) or "dondoc" for p, _ in ALL])
def test_help_is_vietnamese(path, parser):
    text = parser.format_help()
    assert not ENGLISH.search(text), f"English in `dondoc {' '.join(path)} --help`:\n{text}"
    assert text.startswith("Cách dùng: dondoc")
    if parser.add_help:
        assert "in hướng dẫn này rồi thoát" in text
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            assert action.metavar and action.metavar.upper() == action.metavar, action.metavar
            for choice in action._choices_actions:  # every command says what it does
                assert choice.help, f"`dondoc {' '.join(path)} {choice.dest}` has no help"
            continue
        if action.help == argparse.SUPPRESS:  # an internal option, never shown
            continue
        assert action.help, f"`dondoc {' '.join(path)}` {action.option_strings or action.dest} has no help"
        if action.metavar is None and action.nargs != 0 and not action.choices:
            assert action.dest in METAVARS, f"{action.dest}: no Vietnamese placeholder (add one to METAVARS)"


def test_help_groups_use_vietnamese_titles():
    text = build_parser().format_help()
    assert "tùy chọn:" in text and "các lệnh:" in text
    task_add = dict(ALL)[("task", "add")].format_help()
    assert "--title TÊN" in task_add and "--unit ĐƠN_VỊ" in task_add


BAD = [
    (["task", "add", "--title", "x"], "thiếu tham số bắt buộc"),               # required
    (["incident", "list", "--status", "xong"], "lựa chọn không hợp lệ"),        # invalid choice
    (["khong-co-lenh"], "lựa chọn không hợp lệ"),                              # unknown command
    (["task", "list", "--bogus"], "tham số không nhận ra"),                     # unrecognized
    (["people", "invite", "một"], "giá trị không hợp lệ"),                      # bad int
    (["task", "add", "--title", "x", "--unit", "vhxh", "--due", "2026-01-01", "--deadline", "Quý I/2026"],
     "không dùng cùng với"),                                                   # mutually exclusive
    (["task", "list", "--status", "xong"], "trạng thái 'xong' không hợp lệ"),   # the command's own check
    (["report", "period", "--quarter"], "cần đúng một giá trị"),                # option without value
]


@pytest.mark.parametrize("argv,words", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_invocations_explain_in_vietnamese(argv, words, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert words in err, err
    assert "lỗi:" in err and err.lstrip().startswith("Cách dùng: dondoc")
    assert not ENGLISH.search(err), f"English in the error of {argv}:\n{err}"


def test_the_real_command_prints_vietnamese_help():
    """As the office runs it: the console script, a fresh process, an English locale."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "en_US.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(ROOT)}
    shown = subprocess.run([sys.executable, "-m", "cli.main", "task", "list", "--help"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "Cách dùng: dondoc task list" in shown.stdout, shown.stderr
    assert not ENGLISH.search(shown.stdout)
    wrong = subprocess.run([sys.executable, "-m", "cli.main", "task", "show"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "thiếu tham số bắt buộc: MÃ" in wrong.stderr, wrong.stderr
    assert not ENGLISH.search(wrong.stderr)
