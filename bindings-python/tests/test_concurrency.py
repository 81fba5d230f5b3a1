"""Concurrency: many deploys from one event loop, the loop and other threads
keep running during a proof of work (the GIL is released), and the
package works in a forked child."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from typing import List

import boardingpass as bp
from conftest import HELLO, Emulator


async def test_twenty_deploys_at_once_from_one_event_loop(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        workers = [bp.Worker.from_source(f"w-{i}", HELLO).var("WHO", f"number {i}") for i in range(20)]
        deployments = await asyncio.gather(*(bpass.deploy(w) for w in workers))
        assert sorted(d.worker_name for d in deployments) == sorted(w.name for w in workers)
        assert len({d.url for d in deployments}) == 20
        evidence = await asyncio.gather(
            *(bpass.verify(d, expect_body_contains=f"hello number {d.worker_name[2:]}") for d in deployments)
        )
        assert all(e.passed for e in evidence)
        assert sorted(bpass.live_workers) == sorted(w.name for w in workers)


async def test_the_event_loop_keeps_running_during_a_proof_of_work(medium_pow: Emulator) -> None:
    ticks = 0
    at_progress: List[int] = []

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    def on_progress(event: bp.ProgressEvent) -> None:
        if event.phase == "proof_of_work":
            at_progress.append(ticks)

    running = asyncio.create_task(ticker())
    async with medium_pow.client() as client:
        await client.provision(owner="Ada Lovelace", progress=on_progress)
    running.cancel()
    assert len(at_progress) > 2
    assert at_progress[-1] - at_progress[0] > 5, f"the loop ticked during the solve: {at_progress}"


def test_another_thread_runs_during_a_sync_proof_of_work(medium_pow: Emulator) -> None:
    counter = 0
    stop = threading.Event()
    at_progress: List[int] = []

    def count() -> None:
        nonlocal counter
        while not stop.is_set():
            counter += 1

    def on_progress(event: bp.ProgressEvent) -> None:
        if event.phase == "proof_of_work":
            at_progress.append(counter)

    thread = threading.Thread(target=count)
    thread.start()
    try:
        with medium_pow.client() as client:
            client.provision_sync(owner="Ada Lovelace", progress=on_progress)
    finally:
        stop.set()
        thread.join()
    assert len(at_progress) > 2
    assert at_progress[-1] - at_progress[0] > 10_000, f"the counting thread ran while Rust solved: {at_progress}"


def test_a_forked_child_uses_inherited_clients_and_passes(emulator: Emulator) -> None:
    inherited = emulator.client()
    parent_pass = inherited.provision_sync(owner="Ada Lovelace")
    parent_pass.deploy_sync(bp.Worker.from_source("before-fork", HELLO))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, never return into pytest
        code = 1
        try:
            a = inherited.provision_sync(owner="Grace Hopper")
            b = emulator.client().provision_sync(owner="Grace Hopper")
            d = b.deploy_sync(bp.Worker.from_source("forked", HELLO))
            b.verify_sync(d, expect_body_contains="hello world")
            in_child = parent_pass.deploy_sync(bp.Worker.from_source("in-child", HELLO))
            parent_pass.verify_sync(in_child, expect_body_contains="hello world")
            report = {"ids": [a.account_id, b.account_id], "run_ids": [inherited.run_id], "child_workers": parent_pass.live_workers}
            os.write(write, json.dumps(report).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        report = json.load(pipe)
    assert os.waitstatus_to_exitcode(status) == 0
    assert len(set(report["ids"]) | {parent_pass.account_id}) == 3
    assert report["run_ids"][0] != inherited.run_id, "the child's audit run is its own"
    assert report["child_workers"] == ["before-fork", "in-child"], "the child used the pass it inherited"
    # The parent's client and pass still work after the fork, with their own history.
    assert inherited.provision_sync(owner="Ada Lovelace").account_id not in report["ids"]
    assert parent_pass.deploy_sync(bp.Worker.from_source("after-fork", HELLO)).redeploy is False
    assert parent_pass.live_workers == ["before-fork", "after-fork"]
