"""A clone is all anyone needs: the README's command lines parse as written, and
nothing under tests/ or bench/ reaches for a file outside the repository."""
from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def readme_command_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in FENCE.findall(text):
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("./dondoc"):
                lines.append(line)
    return lines


def words_of(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)[1:]


def test_the_readme_shows_command_lines():
    lines = readme_command_lines()
    assert len(lines) >= 20 and any("--config" in line for line in lines)


@pytest.mark.parametrize("line", readme_command_lines())
def test_every_readme_command_line_parses(line, capsys):
    argv = words_of(line)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{line!r} is refused ({exc.code}): {capsys.readouterr().err}")
    assert args.command == argv[0] if argv else args.command is None
    assert getattr(args, "func", None), f"{line!r} names no runnable command"
    if "--config" in argv:
        assert args.config == argv[argv.index("--config") + 1]


@pytest.mark.parametrize("argv", [
    ["--config", "x.toml", "up"], ["up", "--config", "x.toml"],
    ["task", "list", "--config", "x.toml"], ["report", "daily", "--config", "x.toml", "--json"],
])
def test_config_before_or_after_the_command(argv):
    assert build_parser().parse_args(argv).config == "x.toml"


def test_config_absent_is_none():
    assert build_parser().parse_args(["task", "list"]).config is None


# -- nothing outside the repository -----------------------------------------------

# Spelled in pieces so that this file itself names no folder outside the repository.
_UP, _SOURCES = r"\.\." + "/", "shared" + "/" + "seeds"
OUTSIDE = re.compile(r"(^|/)" + _UP + r"|^/(work|home|root|opt|mnt|srv)/|" + _SOURCES)


def outside_references(path: Path, depth: int | None = None) -> list[str]:
    """String constants naming a path outside the repository, and
    `Path(__file__).parents[N]` reaching above its root."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    if depth is None:  # parents[depth] is the root
        depth = len(path.relative_to(ROOT).parts) - 1
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and OUTSIDE.search(node.value):
            found.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "parents" and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, int) and node.slice.value > depth):
            found.append(f"{path.name}:{node.lineno}: parents[{node.slice.value}] leaves the repository")
    return found


def test_tests_and_bench_read_nothing_outside_the_repository():
    files = [p for d in ("tests", "bench", "tools") if (ROOT / d).exists() for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 40
    problems = [hit for p in files for hit in outside_references(p)]
    assert problems == []


def test_the_check_sees_an_outside_path(tmp_path):
    probe = tmp_path / "probe.py"  # as if it were tests/probe.py
    probe.write_text('from pathlib import Path\nA = Path(__file__).parents[2] / "x"\n'
                     'B = "' + "/".join(["..", "shared", "seeds", "a.txt"]) + '"\n'
                     'C = Path(__file__).parents[1] / "fixtures"\n')
    assert len(outside_references(probe, depth=1)) == 2
