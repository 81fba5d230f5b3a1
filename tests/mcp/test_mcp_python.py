"""`boardingpass mcp` driven by the official Python MCP SDK (`mcp` 2.3), over
stdio and over streamable HTTP, against a real emulator: the whole
lifecycle, schema-checked results, cancellation during the proof of work,
bad arguments, and a scan of every byte the client received for secrets.

Run by `make test-mcp` (the Python test venv has `mcp` and `jsonschema`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional

import anyio
import jsonschema
import mcp_types as types
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / "target" / "debug"
WORKER = {
    "src/index.js": "import { text } from './text.js'\nexport default { fetch() { return new Response(text) } }",
    "src/text.js": "export const text = 'hello from an MCP tool'",
}


class Emulator:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "boardingpass-emulator"), "--port", "0", "--rate-limit", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.proc.stdout is not None
        self.base = self.proc.stdout.readline().rsplit(" ", 1)[1].strip()
        self.origin = self.base.rsplit("/client/v4", 1)[0]

    def claim(self, claim_url: str) -> int:
        """What the owner's Claim button does."""
        token = claim_url.split("claimToken=", 1)[1].strip()
        req = urllib.request.Request(self.origin + "/x-boardingpass/claim", data=b"", method="POST", headers={"X-Claim-Token": token})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def emulator() -> Any:
    emu = Emulator("--pow-k", "20", "--pow-g", "50")
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def slow_emulator() -> Any:
    emu = Emulator("--pow-k", "1000", "--pow-g", "8000")
    yield emu
    emu.stop()


class Server:
    """One `boardingpass mcp` process; `transcript` holds every byte it sent
    the client (stdio: tee'd; HTTP: every response body)."""

    def __init__(self, tmp: Path, emu: Emulator, transport: str, elicit: bool) -> None:
        self.tmp, self.emu, self.transport, self.elicit = tmp, emu, transport, elicit
        self.link_file = tmp / "claim-link.txt"
        self.stdout_file = tmp / "server-stdout.jsonl"
        self.elicited: List[str] = []
        self.progress: List[str] = []
        (tmp / "root" / "site").mkdir(parents=True)
        (tmp / "root" / "site" / "index.html").write_text("<h1>from disk</h1>")
        self.args = [
            "mcp", "--api-base", emu.base, "--accept-terms", "--owner", "Ada Lovelace",
            "--root", str(tmp / "root"), "--claim-link-to", f"exec:cat >> {self.link_file}",
        ]
        self.env = {**os.environ, "BOARDINGPASS_WORKERD": str(REPO / "node_modules" / ".bin" / "workerd")}

    async def _elicitation(self, ctx: Any, params: Any) -> Any:
        self.elicited.append(params.url)
        return types.ElicitResult(action="accept")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[ClientSession]:
        callback = self._elicitation if self.elicit else None
        if self.transport == "stdio":
            line = " ".join(_quote(a) for a in [str(BIN / "boardingpass"), *self.args])
            params = StdioServerParameters(command="sh", args=["-c", f"{line} | tee {_quote(str(self.stdout_file))}"], env=self.env)
            async with stdio_client(params) as (r, w), ClientSession(r, w, elicitation_callback=callback) as s:
                await s.initialize()
                yield s
        else:
            proc = subprocess.Popen([str(BIN / "boardingpass"), *self.args, "--http", "0"], stderr=subprocess.PIPE, text=True, env=self.env)
            assert proc.stderr is not None
            url = ""
            while "MCP endpoint:" not in url:
                url = proc.stderr.readline()
                assert url, "the server exited before listening"
            url = url.split("MCP endpoint:", 1)[1].strip()
            try:
                async with streamable_http_client(url) as (r, w), ClientSession(r, w, elicitation_callback=callback) as s:
                    await s.initialize()
                    yield s
            finally:
                proc.terminate()
                proc.wait(timeout=10)

    def claim_link(self) -> str:
        """The owner's link: from the client's elicitation, or the operator's command."""
        if self.elicit:
            return self.elicited[-1]
        return self.link_file.read_text().splitlines()[-1]

    async def call(self, s: ClientSession, tool: str, args: Dict[str, Any], specs: Dict[str, types.Tool]) -> Dict[str, Any]:
        async def progress(done: float, total: Optional[float], message: Optional[str]) -> None:
            self.progress.append(message or "")

        result = await s.call_tool(tool, args, progress_callback=progress)
        assert not result.is_error, result.content
        out = result.structured_content
        assert out is not None
        jsonschema.validate(out, specs[tool].output_schema)
        self.seen.append(json.dumps(out) + json.dumps([c.model_dump() for c in result.content]))
        return out

    seen: List[str] = []


def _quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


async def specs_of(s: ClientSession) -> Dict[str, types.Tool]:
    tools = (await s.list_tools()).tools
    assert [t.name for t in tools] == ["provision", "deploy", "redeploy", "verify", "claim_ticket", "claim_status", "wait_for_claim", "teardown"]
    for t in tools:
        assert t.output_schema is not None and t.input_schema["type"] == "object", t.name
    return {t.name: t for t in tools}


def scan(texts: List[str], secrets: List[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"a secret reached the client: {text[:200]}"


@pytest.mark.parametrize("transport,elicit", [("stdio", True), ("stdio", False), ("http", True), ("http", False)])
def test_the_whole_lifecycle(tmp_path: Path, emulator: Emulator, transport: str, elicit: bool) -> None:
    server = Server(tmp_path, emulator, transport, elicit)
    server.seen = []

    async def run() -> None:
        async with server.session() as s:
            specs = await specs_of(s)
            deployed = await server.call(s, "deploy", {"name": "mcp-hello", "files": WORKER, "expect_body_contains": "hello from an MCP tool"}, specs)
            assert deployed["verified"] and deployed["evidence"]["status"] == 200
            assert "client" in deployed["claim_link"] if elicit else "operator" in deployed["claim_link"]
            with urllib.request.urlopen(_local(deployed["url"]), timeout=10) as resp:
                assert resp.read().decode() == "hello from an MCP tool"
            pass_id = deployed["pass_id"]
            assert (await server.call(s, "verify", {"pass_id": pass_id, "worker": "mcp-hello"}, specs))["passed"]
            site = await server.call(s, "redeploy", {"pass_id": pass_id, "name": "site", "path": "site"}, specs)
            assert site["verified"] and site["claim_link"] is None
            ticket = await server.call(s, "claim_ticket", {"pass_id": pass_id}, specs)
            assert {w["name"] for w in ticket["temporary_resource"]["workers"]} == {"mcp-hello", "site"}
            assert (await server.call(s, "claim_status", {"pass_id": pass_id}, specs))["status"] == "pending"
            link = server.claim_link()
            assert emulator.claim(link) == 200
            assert (await server.call(s, "wait_for_claim", {"pass_id": pass_id, "timeout_seconds": 30}, specs))["status"] == "claimed"
            # A claimed account is the owner's; teardown is for one nobody claimed.
            other = await server.call(s, "provision", {}, specs)
            other_link = server.claim_link()
            assert other_link != link
            teardown_site = await server.call(s, "redeploy", {"pass_id": other["pass_id"], "name": "site", "path": "site"}, specs)
            assert teardown_site["verified"]
            report = await server.call(s, "teardown", {"pass_id": other["pass_id"]}, specs)
            assert report["deleted_workers"] == ["site"]
            assert any(p.startswith("proof_of_work") for p in server.progress), server.progress[:5]
            secrets = [x for u in (link, other_link) for x in (u, u.split("claimToken=", 1)[1])]
            scan(server.seen + server.progress, secrets)
            if transport == "stdio":
                # Every message but the one that shows the user the link (URL elicitation).
                lines = server.stdout_file.read_text().splitlines()
                to_user = [m for m in lines if json.loads(m).get("method") == "elicitation/create"]
                assert len(to_user) == (2 if elicit else 0)
                scan([m for m in lines if m not in to_user], secrets)

    anyio.run(run)


def _local(url: str) -> urllib.request.Request:
    """The emulator's Worker URL (`http://name.sub.localhost:port/`) through 127.0.0.1."""
    m = re.match(r"http://([^/]+):(\d+)(/.*)", url)
    assert m, url
    return urllib.request.Request(f"http://127.0.0.1:{m.group(2)}{m.group(3)}", headers={"Host": f"{m.group(1)}:{m.group(2)}"})


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_bad_arguments_are_tool_errors_and_the_server_keeps_serving(tmp_path: Path, emulator: Emulator, transport: str) -> None:
    server = Server(tmp_path, emulator, transport, elicit=False)
    cases = [
        ({"files": WORKER}, "name"),
        ({"name": "x", "path": "../../"}, "outside"),
        ({"name": "x", "files": {f"p{i}.html": "x" for i in range(1001)}}, "at most 1000"),
        ({"name": "x", "files": {"index.js": "x" * (6 << 20)}}, "per file"),
        ({"name": "x", "files": {".env": "SECRET=1"}}, "dotfiles"),
    ]

    async def run() -> None:
        async with server.session() as s:
            for args, says in cases:
                result = await s.call_tool("deploy", args)
                assert result.is_error, args.keys()
                text = result.content[0].text  # type: ignore[union-attr]
                assert text.startswith("[invalid_input]") and says in text, text
            await specs_of(s)
        assert not server.link_file.exists(), "nothing was provisioned"

    anyio.run(run)


def test_cancelling_a_deploy_stops_the_proof_of_work(tmp_path: Path, slow_emulator: Emulator) -> None:
    server = Server(tmp_path, slow_emulator, "stdio", elicit=False)

    async def run() -> None:
        async with server.session() as s:
            started = anyio.Event()

            async def progress(done: float, total: Optional[float], message: Optional[str]) -> None:
                if message and message.startswith("proof_of_work"):
                    started.set()

            async with anyio.create_task_group() as tg:
                async def deploy() -> None:
                    await s.call_tool("deploy", {"name": "x", "files": WORKER}, progress_callback=progress)
                tg.start_soon(deploy)
                await started.wait()
                tg.cancel_scope.cancel()
            # The server still serves; a second deploy, started after the first
            # was cancelled, ends after the first would have: one account only.
            result = await s.call_tool("deploy", {"name": "y", "files": WORKER})
            assert not result.is_error, result.content
        assert len(server.link_file.read_text().splitlines()) == 1

    anyio.run(run)
