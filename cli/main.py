"""The `dondoc` command line. Each module in cli/ with a `register(subparsers)`
function adds its commands, so a new command is one new file."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

# A worker process of the pool (`worker --one`) prints no tables and no coloured
# tracebacks: httpx and structlog would still import rich, click and pygments because
# they are installed (for the command line's tables) -- 5.7 MiB in each worker process.
if sys.argv[1:3] == ["worker", "--one"]:
    for _unused in ("rich", "click", "pygments"):
        sys.modules.setdefault(_unused, None)

import cli
from cli.argparse_vi import METAVARS, ViHelpFormatter, install as install_vietnamese
from cli.common import hard_exit
from config.logging import configure_logging

SKIP = {"main", "common", "argparse_vi"}
CONFIG_HELP = "tệp cấu hình TOML (mặc định: DONDOC_CONFIG hoặc config/examples/default.toml)"


class Parser(argparse.ArgumentParser):
    """argparse's parser with the Vietnamese formatter; subcommands inherit the class."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", ViHelpFormatter)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        if not action.option_strings and action.metavar is None and action.dest in METAVARS:
            action.metavar = METAVARS[action.dest]  # errors name a positional by it too ("thiếu ...: MÃ")
        return action


def build_parser() -> argparse.ArgumentParser:
    install_vietnamese()  # argparse's own words, before any parser is made (cli/argparse_vi.py)
    parser = Parser(
        prog="dondoc",
        description="dondoc — đôn đốc nhiệm vụ: hạn, nhắc việc, leo thang, báo cáo (Temporal).",
    )
    parser.add_argument("--config", help=CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", title="các lệnh")
    for info in sorted(pkgutil.iter_modules(cli.__path__), key=lambda m: m.name):
        if info.name in SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"cli.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    _accept_config_everywhere(parser)
    return parser


def _accept_config_everywhere(parser: argparse.ArgumentParser) -> None:
    """`--config` before or after the command, at any depth (`dondoc up --config F`
    and `dondoc --config F up` mean the same). SUPPRESS keeps a value given before
    the command from being reset by the subcommand's default."""
    for action in parser._actions:  # argparse has no public walk over subparsers
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for child in set(action.choices.values()):
            if not any("--config" in a.option_strings for a in child._actions):
                child.add_argument("--config", default=argparse.SUPPRESS, help=CONFIG_HELP)
            _accept_config_everywhere(child)


def main(argv: list[str] | None = None) -> None:
    configure_logging()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:
        # pytest's own options (-k, -x, -q) pass through untouched.
        from cli.test_cmd import exec_pytest

        exec_pytest(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        raise SystemExit(2)
    try:
        code = args.func(args) or 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code not in (None, 0) and not isinstance(exc.code, int):
            sys.stderr.write(f"{exc.code}\n")
    except KeyboardInterrupt:
        code = 130
    # Commands that touched Temporal leave through os._exit (sdk-python #300).
    hard_exit(int(code))


if __name__ == "__main__":
    main()
