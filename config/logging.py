"""structlog set-up: readable on a terminal, JSON lines with DONDOC_LOG_FORMAT=json.
Bind task_id / workflow_id / unit on the logger where a line concerns them."""
from __future__ import annotations

import logging
import os
import sys

import structlog


def configure_logging(fmt: str | None = None, level: str | None = None) -> None:
    fmt = fmt or os.environ.get("DONDOC_LOG_FORMAT", "console")
    level_no = getattr(logging, (level or os.environ.get("DONDOC_LOG_LEVEL", "INFO")).upper(), logging.INFO)
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level_no),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries (temporalio, uvicorn, apprise) log through stdlib logging: keep them quiet but visible.
    logging.basicConfig(level=max(level_no, logging.WARNING), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")


def get_logger(**bound):
    return structlog.get_logger("dondoc").bind(**bound)
