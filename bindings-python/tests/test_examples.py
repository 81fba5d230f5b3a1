"""The examples in `examples/python` run against the emulator, as a user
would run them (CLOUDFLARE_API_BASE_URL pointing at it)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import boardingpass as bp
from conftest import REPO, Emulator

EXAMPLES = REPO / "examples" / "python"


def run(emulator: Emulator, script: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLOUDFLARE_API_BASE_URL": emulator.base}
    return subprocess.run([sys.executable, str(EXAMPLES / script)], env=env, capture_output=True, text=True, timeout=120)


def test_quickstart_prints_a_live_url_and_a_ticket(emulator: Emulator) -> None:
    done = run(emulator, "quickstart.py")
    assert done.returncode == 0, done.stderr
    first, _, ticket = done.stdout.partition("\n\n")
    assert first.startswith("live at http://worker.") and ".localhost:" in first
    assert ticket.startswith("# Claim ticket: ") and "(pending)" in ticket and "Ada Lovelace" in ticket
    assert "claimToken" not in done.stdout


def test_the_langchain_tools_deploy_verify_and_keep_the_claim_link_away_from_the_model(emulator: Emulator) -> None:
    done = run(emulator, "langchain_tools.py")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["verified"] is True and result["evidence"]["status"] == 200
    assert result["url"].startswith("http://agent-demo.")
    assert result["claim_link"] == "sent to Ada Lovelace out of band"
    assert "claimToken" not in done.stdout and "claimToken=" in done.stderr, "the claim link goes to the owner only"


def test_the_example_tools_are_core_tools_in_langchain(emulator: Emulator) -> None:
    spec = importlib.util.spec_from_file_location("langchain_tools", EXAMPLES / "langchain_tools.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tools = module.deploy_tools(emulator.client(), "Ada Lovelace")
    specs = bp.Toolbox(emulator.client()).tool_specs()
    assert [(t.name, t.description, t.args_schema) for t in tools] == [(s["name"], s["description"], s["input_schema"]) for s in specs]
