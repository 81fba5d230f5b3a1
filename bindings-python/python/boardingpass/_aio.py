"""Turns native operations into real coroutines: the Rust work starts when
the coroutine is first awaited (so ``asyncio.run(client.provision())`` and
``asyncio.create_task(...)`` work), and cancelling the task drops it."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Awaitable, Callable, TypeVar

    _T = TypeVar("_T")


async def run(start: Callable[[], Awaitable[_T]]) -> _T:
    return await start()
