"""Progress of proof of work, hashing and uploads reaches a plain callable
(on the event loop thread for async calls) or a `ProgressStream`, in
order, before the operation's result."""

from __future__ import annotations

import asyncio
import threading
from typing import List

import pytest

import boardingpass as bp
from conftest import REPO, Emulator

EXAMPLE = REPO / "examples" / "hello-worker"


def check_phase(events: List[bp.ProgressEvent], phase: str) -> List[bp.ProgressEvent]:
    of_phase = [e for e in events if e.phase == phase]
    assert of_phase, f"no {phase} events in {events}"
    done = [e.done for e in of_phase]
    assert done == sorted(done) and done[0] == 0 and done[-1] == of_phase[-1].total, done
    return of_phase


async def test_a_callable_gets_every_event_on_the_loop_thread(emulator: Emulator) -> None:
    events: List[bp.ProgressEvent] = []
    threads = set()

    def on_progress(event: bp.ProgressEvent) -> None:
        events.append(event)
        threads.add(threading.get_ident())

    async with emulator.client() as client:
        await client.provision(owner="Ada Lovelace", progress=on_progress)
        assert [e.phase for e in events][:2] == ["challenge", "challenge"]
        pow_events = check_phase(events, "proof_of_work")
        assert pow_events[-1].total == 20
        assert (events[-1].phase, events[-1].done, events[-1].total) == ("create_account", 1, 1), "all delivered before the result"
        assert threads == {threading.get_ident()}
        assert repr(events[0]) == "ProgressEvent(phase='challenge', done=0, total=1)"


async def test_a_progress_stream_is_an_async_iterator(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        stream = bp.ProgressStream()

        async def collect() -> List[bp.ProgressEvent]:
            return [e async for e in stream]

        deployment, events = await asyncio.gather(bpass.deploy(EXAMPLE, progress=stream), collect())
        assert deployment.assets_uploaded == 4
        assert len(check_phase(events, "hashing")) >= 2 and check_phase(events, "hashing")[-1].total == 4
        assert check_phase(events, "uploading")[-1].total > 0
        phases = [e.phase for e in events]
        assert phases.index("hashing") < phases.index("uploading") < phases.index("upload_script") < phases.index("enable_subdomain")
        with pytest.raises(bp.InvalidInputError, match="one per operation"):
            await bpass.deploy(EXAMPLE, progress=stream)


def test_a_callable_gets_every_event_in_a_sync_call(emulator: Emulator) -> None:
    events: List[bp.ProgressEvent] = []
    with emulator.client() as client:
        bpass = client.provision_sync(owner="Ada Lovelace", progress=events.append)
        check_phase(events, "proof_of_work")
        before_verify = len(events)
        deployment = bpass.deploy_sync(EXAMPLE, progress=events.append)
        check_phase(events[before_verify:], "hashing")
        bpass.verify_sync(deployment, progress=events.append)
        assert [(e.phase, e.done) for e in events[-2:]] == [("verifying", 0), ("verifying", 1)]


async def test_a_failing_callback_does_not_break_the_operation(emulator: Emulator) -> None:
    seen: List[str] = []
    loop_errors: List[str] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: loop_errors.append(str(ctx.get("exception"))))

    def explode(event: bp.ProgressEvent) -> None:
        seen.append(event.phase)
        raise RuntimeError("callback bug")

    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace", progress=explode)
        with pytest.raises(bp.InvalidInputError, match="callable"):
            await client.provision(owner="Ada Lovelace", progress=42)  # type: ignore[arg-type]
    assert bpass.account_id and seen and len(loop_errors) == len(seen)
