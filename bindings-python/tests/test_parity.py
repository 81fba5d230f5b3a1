"""tests/fixtures/parity.json through Python's names: every option and
operation the bindings share exists here, the Worker builder is immutable,
and closing a claim watcher ends the iteration. The same file drives Node's
parity test, so an option one language lacks fails in that language."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any, Callable, Dict, List, Optional

import pytest
from conftest import REPO, Emulator

import boardingpass as bp

PARITY: Dict[str, Any] = json.loads((REPO / "tests" / "fixtures" / "parity.json").read_text())


def python_name(concept: str) -> Optional[str]:
    """The keyword Python uses for `concept` (None: offered otherwise)."""
    renamed = PARITY["renamed"].get(concept, {})
    name = renamed.get("python", concept) if "python" in renamed else concept
    return None if name is None else name.split(".")[-1]


def keywords(fn: Callable[..., Any]) -> List[str]:
    return list(inspect.signature(fn).parameters)


@pytest.mark.parametrize(
    "group, fn",
    [
        ("client_options", bp.Client),
        ("provision_options", bp.Client.provision),
        ("deploy_options", bp.BoardingPass.deploy),
        ("verify_options", bp.BoardingPass.verify),
        ("claim_wait_options", bp.BoardingPass.wait_for_claim),
        ("claim_wait_options", bp.BoardingPass.watch_claim),
        ("ticket_options", bp.BoardingPass.ticket),
        ("kv_list_options", bp.BoardingPass.kv_list),
    ],
)
def test_every_shared_option_is_a_keyword(group: str, fn: Callable[..., Any]) -> None:
    wanted = [n for n in map(python_name, PARITY[group]) if n is not None]
    missing = [n for n in wanted if n not in keywords(fn)]
    assert not missing, f"{fn.__qualname__} lacks {missing} (tests/fixtures/parity.json {group})"


def test_every_shared_operation_and_property_exists() -> None:
    groups = [
        (bp.BoardingPass, PARITY["pass_operations"] + PARITY["pass_properties"]),
        (bp.Policy, PARITY["policy_factories"]),
        (bp.Worker, PARITY["worker"]["factories"] + PARITY["worker"]["builder_methods"]),
    ]
    missing = [f"{cls.__name__}.{name}" for cls, names in groups for name in names if not hasattr(cls, name)]
    assert not missing, missing


def test_the_worker_builder_is_immutable() -> None:
    assert PARITY["worker"]["immutable"] is True
    base = bp.Worker.from_source("parity", "export default { fetch() { return new Response('x') } }")
    with_var = base.var("GREETING", "hi")
    with_module = base.module("extra.txt", "text", kind="text")
    assert with_var is not base and with_module is not base
    assert (len(base.bindings), len(base.modules)) == (0, 1), "the builder changed the Worker it was called on"
    assert (len(with_var.bindings), len(with_module.modules)) == (1, 2)


async def test_closing_a_watcher_ends_the_iteration(emulator: Emulator) -> None:
    assert PARITY["watcher"]["close"] == "ends_iteration"
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        watcher = bpass.watch_claim(30)
        seen: List[str] = []

        async def watch() -> None:
            async for outcome in watcher:
                seen.append(outcome.status)

        task = asyncio.create_task(watch())
        while not seen:
            await asyncio.sleep(0.05)
        # The next status change is being awaited now: closing ends the loop without an error.
        watcher.close()
        await asyncio.wait_for(task, 5)
        assert seen == ["pending"] and watcher.closed
