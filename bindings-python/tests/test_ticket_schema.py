"""The ticket a Python caller gets matches the cross-language schema in
tests/fixtures/ticket-schema.json (the same file core and Node check)."""

from __future__ import annotations

import json
from typing import Any, List

import boardingpass as bp
from conftest import REPO, Emulator

SCHEMA = json.loads((REPO / "tests" / "fixtures" / "ticket-schema.json").read_text())
_ABSENT = object()


def _type_name(value: Any) -> str:
    if value is _ABSENT:
        return "absent"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "string[]" if all(isinstance(v, str) for v in value) else "array"
    return "object"


def check(spec: Any, value: Any, at: str, errors: List[str]) -> None:
    if isinstance(spec, str) or (isinstance(spec, list) and all(isinstance(s, str) for s in spec)):
        allowed = [spec] if isinstance(spec, str) else spec
        if _type_name(value) not in allowed:
            errors.append(f"{at}: {_type_name(value)}, expected {allowed}")
    elif isinstance(spec, list):
        if not isinstance(value, list):
            errors.append(f"{at}: expected an array")
            return
        for i, item in enumerate(value):
            check(spec[0], item, f"{at}[{i}]", errors)
    else:
        if not isinstance(value, dict):
            errors.append(f"{at}: expected an object")
            return
        for key, sub in spec.items():
            check(sub, value.get(key, _ABSENT), f"{at}.{key}", errors)
        errors.extend(f"{at}.{key}: not in the schema" for key in value if key not in spec)


async def test_both_renderings_match_the_shared_schema(emulator: Emulator, hello: bp.Worker) -> None:
    async with emulator.client(job_id="schema-check") as client:
        bpass = await client.provision(owner="Ada Lovelace")
        await bpass.verify(await bpass.deploy(hello))
        for ticket in (bpass.ticket(), bpass.ticket(include_claim_url=True)):
            doc = ticket.to_dict()
            assert doc["schema"] == SCHEMA["schema_id"]
            errors: List[str] = []
            check(SCHEMA["spec"], doc, "ticket", errors)
            assert not errors, errors
        assert "url" not in bpass.ticket().to_dict()["claim"]


def test_the_checker_reports_drift() -> None:
    errors: List[str] = []
    check(SCHEMA["spec"], {"schema": "x", "extra": 1, "evidence": [{"status": "200"}]}, "ticket", errors)
    assert "ticket.extra: not in the schema" in errors
    assert any(e.startswith("ticket.evidence[0].status: string") for e in errors)
