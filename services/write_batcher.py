"""Concurrent small writes grouped into one transaction (group commit).

The import starts sixteen tasks at a time (services/importer.py), and each start first
writes its task row (services/tasks.start_or_amend). As one transaction each, those
writes queued on SQLite's lock behind each other and behind the worker's, polling
SQLite's busy handler -- the import started tasks at about half the rate bare Temporal
starts workflows (`dondoc bench`, start_rate_ratio). Here a write that arrives while
another batch is being written waits for it and goes with the next batch: one
transaction for every row that arrived meanwhile, each caller getting its own answer.
A batch that fails is written again row by row, so one bad row fails only its caller.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WriteBatcher(Generic[T, R]):
    """``await batcher.write(url, item)``: ``write_many(url, items)`` for the items that
    gathered, or ``write_one(url, item)`` for each when the batch failed."""

    def __init__(self, write_many: Callable[[str, list[T]], list[R]], write_one: Callable[[str, T], R]) -> None:
        self.write_many = write_many
        self.write_one = write_one
        # Per event loop and database: the items waiting, and whether a batch is in flight.
        self._waiting: dict[tuple[int, str], list[tuple[T, asyncio.Future]]] = {}
        self._busy: set[tuple[int, str]] = set()

    async def write(self, url: str, item: T) -> R:
        loop = asyncio.get_running_loop()
        key = (id(loop), url)
        future = loop.create_future()
        self._waiting.setdefault(key, []).append((item, future))
        if key not in self._busy:
            self._busy.add(key)
            loop.create_task(self._drain(key, url))
        return await future

    async def _drain(self, key: tuple[int, str], url: str) -> None:
        try:
            await asyncio.sleep(0)  # the other writers of this moment join the first batch
            while self._waiting.get(key):
                batch = self._waiting.pop(key)
                await self._write_batch(url, batch)
        finally:
            self._busy.discard(key)
            for _, future in self._waiting.pop(key, []):  # only if the drain itself was cancelled
                _settle(future, exc=RuntimeError("the write was not made"))

    async def _write_batch(self, url: str, batch: list[tuple[T, asyncio.Future]]) -> None:
        try:
            results: list[Any] = await asyncio.to_thread(self.write_many, url, [item for item, _ in batch])
        except Exception:  # noqa: BLE001 - written again one by one: each caller gets its own error
            for item, future in batch:
                try:
                    result = await asyncio.to_thread(self.write_one, url, item)
                except Exception as exc:  # noqa: BLE001
                    _settle(future, exc=exc)
                else:
                    _settle(future, result)
            return
        for (_, future), result in zip(batch, results):
            _settle(future, result)


def _settle(future: asyncio.Future, result: Any = None, exc: BaseException | None = None) -> None:
    if future.done():  # the caller was cancelled
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
