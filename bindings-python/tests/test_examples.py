"""The examples in `examples/python` run against the emulator, as a user
would run them (CLOUDFLARE_API_BASE_URL pointing at it)."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import subprocess
import sys

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


def test_the_agent_tool_returns_json_with_url_ticket_and_status(emulator: Emulator) -> None:
    done = run(emulator, "agent_tool.py")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "verified" and result["error"] is None
    assert result["url"].startswith("http://agent-demo.")
    assert result["ticket"]["schema"] == "boardingpass.claim-ticket/v1"
    assert result["ticket"]["claim"]["owner"] == "Ada Lovelace" and "url" not in result["ticket"]["claim"]
    assert "claimToken" not in done.stdout and "claimToken=" in done.stderr, "the claim link goes to the owner only"


def test_the_agent_tool_is_shaped_for_tool_registration() -> None:
    spec = importlib.util.spec_from_file_location("agent_tool", EXAMPLES / "agent_tool.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tool = module.deploy_and_verify
    assert inspect.iscoroutinefunction(tool)
    params = inspect.signature(tool).parameters
    assert list(params) == ["source", "name", "owner", "expect_text"]
    assert all(p.annotation is not inspect.Parameter.empty for p in params.values())
    doc = inspect.getdoc(tool) or ""
    assert all(f"{name}:" in doc for name in params), "every parameter is documented for the model"
