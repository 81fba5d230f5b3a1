"""tests/fixtures/client-config-cases.json through Python's option names:
core validates, so Python refuses exactly what Node and Rust refuse."""

import json
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

import boardingpass as bp

CASES = json.loads((Path(__file__).parents[2] / "tests" / "fixtures" / "client-config-cases.json").read_text())["cases"]
BASE = "http://127.0.0.1:1/client/v4"


def client(**options: Any) -> None:
    with bp.Client(BASE, **options):
        pass


APPLY: Dict[str, Callable[[Any], None]] = {
    "max_attempts": lambda v: client(max_attempts=v),
    "pow_work_cap": lambda v: client(pow_work_cap=v),
    "timeout": lambda v: client(timeout=v),
    "connect_timeout": lambda v: client(connect_timeout=v),
    "expiry_margin": lambda v: client(expiry_margin=v),
    "max_script_size": lambda v: bp.Worker.from_source("w", "export default {}").validate(max_script_size=v),
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['option']}={c['value']}")
def test_shared_config_case(case: Dict[str, Any]) -> None:
    assert case["option"] in APPLY, f"Python has no option for {case['option']}"
    run = APPLY[case["option"]]
    if case["valid"]:
        run(case["value"])
    else:
        with pytest.raises(bp.InvalidInputError) as e:
            run(case["value"])
        assert e.value.field == case["field"] and e.value.code == "invalid_input"
