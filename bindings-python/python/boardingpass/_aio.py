"""Turns native operations into real coroutines: the Rust work starts when
the coroutine is first awaited (so ``asyncio.run(client.provision())`` and
``asyncio.create_task(...)`` work), and cancelling the task drops it; and
runs the callables the native side hands back to the caller's event loop."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Awaitable, Callable, TypeVar

    _T = TypeVar("_T")


async def run(start: Callable[[], Awaitable[_T]]) -> _T:
    return await start()


async def deliver(callback: Callable[[Any], object], link: Any) -> object:
    """Calls an ``on_claim_link`` callable, awaiting it when it is async."""
    import inspect  # here: `run` serves every call and stays import-light

    sentence = callback(link)
    if inspect.isawaitable(sentence):
        sentence = await sentence
    return sentence
