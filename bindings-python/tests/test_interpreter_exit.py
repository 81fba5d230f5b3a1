"""The interpreter exits cleanly right after the library was used: our
threads are stopped at `atexit`, before finalization, so none of them can
reach for the GIL while CPython tears down (which aborted ~5 % of runs)."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import Emulator

SCRIPT = """
import asyncio, boardingpass

async def main():
    async with boardingpass.Client(accept_terms=True) as client:
        bpass = await client.provision(owner="Ada")
        worker = boardingpass.Worker.from_source("exit-check", "export default { fetch() { return new Response('ok') } }")
        d = await bpass.deploy(worker)
        await bpass.verify(d)
        bpass.ticket()

asyncio.run(main())
"""

RUNS = 20


def test_repeated_runs_all_exit_cleanly(emulator: Emulator) -> None:
    env = {**os.environ, "CLOUDFLARE_API_BASE_URL": emulator.base}
    failures = []
    for _ in range(RUNS):
        done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            failures.append((done.returncode, done.stderr[-400:]))
    assert not failures, f"{len(failures)}/{RUNS} runs did not exit cleanly: {failures[:2]}"


def test_the_library_still_works_after_its_exit_hook(emulator: Emulator) -> None:
    # atexit runs hooks last-in first-out: `late` is registered before the
    # library registers its own, so it runs after the runtime was stopped.
    script = (
        "import atexit\n"
        "def late():\n"
        "    import boardingpass\n"
        "    c = boardingpass.Client(accept_terms=True)\n"
        "    print(c.provision_sync(owner='Ada').account_id)\n"
        "atexit.register(late)\n"
        "import boardingpass\n"
        "boardingpass.Client(accept_terms=True).provision_sync(owner='Ada')\n"
    )
    env = {**os.environ, "CLOUDFLARE_API_BASE_URL": emulator.base}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) == 32, "a fresh runtime served the late call"
