"""What every command shares: settings, configuration, the Temporal client, JSON output."""
from __future__ import annotations

import json
import os
import sys
from typing import Any

from config.loader import Config, ConfigError, load_config
from config.settings import Settings, load_settings, secret_key_problem

# Bounded so a command never hangs when Temporal is away; it says so plainly instead.
CONNECT_TIMEOUT_S = 10


def settings_for(args) -> Settings:
    if getattr(args, "config", None):
        os.environ["DONDOC_CONFIG"] = args.config
    return load_settings()


def require_secret_key() -> None:
    """Refuse to start (exit 2) with a DONDOC_SECRET_KEY too short to keep sessions and links safe."""
    problem = secret_key_problem()
    if problem:
        fail(problem, code=2)


def migrated_database(args) -> str:
    """The store's URL, its schema brought to the latest migration first (commands that
    write people, accounts or bot messages may run before `up` ever did)."""
    from store.migrate import upgrade

    settings = settings_for(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
    upgrade(settings.database_url)
    return settings.database_url


def config_for(args) -> Config:
    try:
        return load_config(getattr(args, "config", None))
    except ConfigError as exc:
        fail("Cấu hình có lỗi:\n  " + "\n  ".join(exc.errors), code=2)


async def connect(settings: Settings):
    """A Temporal client, or a clear error naming the address."""
    import asyncio

    from services.temporal_client import connect as connect_client

    try:
        return await asyncio.wait_for(
            connect_client(settings), CONNECT_TIMEOUT_S
        )
    except Exception as exc:  # noqa: BLE001 - any connection failure gets the same plain answer
        fail(
            f"Không kết nối được Temporal tại {settings.temporal_address} ({exc.__class__.__name__}). "
            "Hãy chạy './dondoc up' hoặc đặt DONDOC_TEMPORAL_ADDRESS.",
            code=2,
        )


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    raise SystemExit(code)


def hard_exit(code: int) -> None:
    """Leave without running interpreter teardown: temporalio's Rust bridge can crash
    there (sdk-python #300) and turn a good exit code into 134/139."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
