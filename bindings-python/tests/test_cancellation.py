"""Cancelling the asyncio task (or Ctrl-C in a `*_sync` call) drops the
Rust future: the long poll ends and the proof-of-work solver stops using CPU."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time
from typing import Callable

import pytest

import boardingpass as bp
from boardingpass._native import operations_in_flight
from conftest import Emulator


async def settles(predicate: Callable[[], bool], within: float = 5.0) -> bool:
    """Polls `predicate` (bounded) while the event loop keeps running."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()


def cpu_busy_fraction(window: float) -> float:
    """Process CPU time over `window` seconds of wall time (1.0 = one core)."""
    start_cpu, start = time.process_time(), time.monotonic()
    time.sleep(window)
    return (time.process_time() - start_cpu) / (time.monotonic() - start)


async def test_cancelling_a_long_wait_drops_the_rust_future(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        before = operations_in_flight()
        task = asyncio.create_task(bpass.wait_for_claim(600))
        assert await settles(lambda: operations_in_flight() == before + 1)
        await asyncio.sleep(0.3)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await settles(lambda: operations_in_flight() == before), "the Rust future was dropped"
        # The pass is untouched: a new wait sees the claim at once.
        assert await asyncio.to_thread(emulator.claim, bpass) == 200
        assert (await asyncio.wait_for(bpass.wait_for_claim(30), 10)).status == "claimed"


async def test_cancelling_provisioning_stops_the_proof_of_work(slow_pow: Emulator) -> None:
    solving = asyncio.Event()

    def on_progress(event: bp.ProgressEvent) -> None:
        if event.phase == "proof_of_work":
            solving.set()

    async with slow_pow.client() as client:
        task = asyncio.create_task(client.provision(owner="Ada Lovelace", progress=on_progress))
        await asyncio.wait_for(solving.wait(), 10)
        busy = await asyncio.to_thread(cpu_busy_fraction, 0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await settles(lambda: operations_in_flight() == 0)
        await asyncio.sleep(0.2)
        idle = await asyncio.to_thread(cpu_busy_fraction, 0.5)
    assert busy > 0.25, f"the solver was running ({busy:.2f} of a core)"
    assert idle < busy / 3, f"the solver stopped when the task was cancelled ({busy:.2f} -> {idle:.2f})"


def test_ctrl_c_interrupts_a_sync_call_and_stops_its_work(slow_pow: Emulator) -> None:
    solving = threading.Event()

    def on_progress(event: bp.ProgressEvent) -> None:
        if event.phase == "proof_of_work":
            solving.set()

    def interrupt_once_solving() -> None:
        solving.wait(10)
        time.sleep(0.2)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_once_solving, daemon=True).start()
    with slow_pow.client() as client:
        with pytest.raises(KeyboardInterrupt):
            client.provision_sync(owner="Ada Lovelace", progress=on_progress)
    assert solving.is_set()
    assert operations_in_flight() == 0
    time.sleep(0.2)
    assert cpu_busy_fraction(0.5) < 0.2, "no solver thread is left running"
