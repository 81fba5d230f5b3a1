"""Writes the parts of python/boardingpass/_native.pyi that come from core:
the name lists (claim statuses, progress phases, module kinds) and the
Policy keyword arguments (names and defaults from ``Policy()``, value types
from core's example policy, which sets every field). Run against the built
module: ``python stubgen.py`` rewrites the stub, ``--check`` fails when the
committed stub is stale (tests/test_typing.py runs it)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from boardingpass import _native

STUB = Path(__file__).parent / "python" / "boardingpass" / "_native.pyi"


def literal(alias: str, names: list[str]) -> str:
    return f"{alias} = Literal[\n" + "".join(f'    "{n}",\n' for n in names) + "]\n"


def python_type(example: object) -> str:
    if isinstance(example, bool):
        return "bool"
    if isinstance(example, int):
        return "int"
    if isinstance(example, str):
        return "str"
    if isinstance(example, list) and all(isinstance(v, str) for v in example):
        return "Sequence[str]"
    raise SystemExit(f"stubgen: no Python type for the example value {example!r}")


def policy_new() -> str:
    example, defaults = _native.Policy.example().to_dict(), _native.Policy().to_dict()
    params = []
    for name, default in defaults.items():
        kind = python_type(example[name])
        params.append(f"        {name}: Optional[{kind}] = None,\n" if default is None else f"        {name}: {kind} = {default!r},\n")
    return "    def __new__(\n        cls,\n        *,\n" + "".join(params) + "    ) -> Policy: ...\n"


def generated() -> dict[str, str]:
    return {
        "names": literal("_ClaimStatusName", _native.CLAIM_STATUSES)
        + literal("_PhaseName", _native.PHASES)
        + literal("_ModuleKindName", _native.MODULE_KINDS),
        "policy": policy_new(),
    }


def render(stub: str) -> str:
    for part, text in generated().items():
        block = re.compile(rf"(?ms)^( *# BEGIN stubgen {part}\n).*?^( *# END stubgen {part}\n)")
        if not block.search(stub):
            raise SystemExit(f"stubgen: no '# BEGIN stubgen {part}' block in {STUB}")
        stub = block.sub(lambda m: m.group(1) + text + m.group(2), stub)
    return stub


def main() -> None:
    current = STUB.read_text()
    fresh = render(current)
    if "--check" in sys.argv:
        if fresh != current:
            raise SystemExit(f"{STUB} is stale: run `make python-stubs` and commit it")
        return
    STUB.write_text(fresh)


if __name__ == "__main__":
    main()
