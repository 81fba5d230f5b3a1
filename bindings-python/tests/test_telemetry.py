"""OTLP export from Python: a client's `otlp_endpoint` (or
OTEL_EXPORTER_OTLP_ENDPOINT) sends the spans and audit events of a whole
flow to a collector, flushed when the interpreter exits, with no credential
in what the collector received. The flow runs in a child interpreter: the
exporter is installed once per process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from conftest import Emulator

import boardingpass as bp

CHILD = """
import asyncio, os, sys
import boardingpass as bp

async def main():
    options = {} if os.environ.get("VIA_ENV") else {"otlp_endpoint": os.environ["COLLECTOR"]}
    async with bp.Client(os.environ["API_BASE"], accept_terms=True, job_id="job-otlp", **options) as client:
        bpass = await client.provision(owner="Ada Lovelace")
        worker = bp.Worker.from_source("traced", "export default { fetch() { return new Response('traced') } }")
        await bpass.verify(await bpass.deploy(worker))
        with open(os.environ["SECRETS"], "w") as f:
            f.write(bpass.api_token.expose() + "\\n" + bpass.claim_url.expose() + "\\n")

asyncio.run(main())
"""


@pytest.fixture
def collector() -> Iterator[Tuple[str, List[bytes]]]:
    """A loopback OTLP/HTTP collector keeping every request body."""
    bodies: List[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = min(int(self.headers.get("content-length", "0")), 16 << 20)
            bodies.append(self.rfile.read(length))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", bodies
    server.shutdown()


@pytest.mark.parametrize("via_env", [False, True], ids=["option", "environment"])
def test_a_flow_reaches_the_collector_without_secrets(emulator: Emulator, collector: Tuple[str, List[bytes]], tmp_path: Path, via_env: bool) -> None:
    url, bodies = collector
    secrets_file = tmp_path / "secrets"
    env = {**os.environ, "API_BASE": emulator.base, "COLLECTOR": url, "SECRETS": str(secrets_file)}
    if via_env:
        env.update(VIA_ENV="1", OTEL_EXPORTER_OTLP_ENDPOINT=url)
    subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, timeout=120)

    received = b"".join(bodies)
    # Span names and audit event names travel as plain strings in the protobuf.
    for name in [b"provision", b"proof_of_work", b"deploy", b"verify", b"provisioned", b"deploy_finished", b"verified", b"job-otlp"]:
        assert name in received, f"{name!r} did not reach the collector"
    token, claim_url = secrets_file.read_text().split()
    for secret in [token, claim_url, claim_url.split("claimToken=", 1)[1]]:
        assert secret.encode() not in received, "a secret reached the collector"


def test_a_second_collector_in_one_process_is_refused(emulator: Emulator) -> None:
    # Run in a child too: installing is for the whole process.
    code = (
        "import boardingpass as bp\n"
        f"bp.Client({emulator.base!r}, otlp_endpoint='http://127.0.0.1:9').close()\n"
        f"bp.Client({emulator.base!r}, otlp_endpoint='http://127.0.0.1:9').close()\n"
        "try:\n"
        f"    bp.Client({emulator.base!r}, otlp_endpoint='http://127.0.0.1:10')\n"
        "except bp.InvalidInputError as e:\n"
        "    assert e.field == 'otlp_endpoint' and '127.0.0.1:9' in str(e), e\n"
        "else:\n"
        "    raise SystemExit('a second collector was accepted')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("bad", ["not a url", "ftp://127.0.0.1:4318"])
def test_a_bad_endpoint_is_refused_before_anything_happens(emulator: Emulator, bad: str) -> None:
    with pytest.raises(bp.InvalidInputError) as e:
        bp.Client(emulator.base, otlp_endpoint=bad)
    assert e.value.field == "otlp_endpoint" and "http" in str(e.value)
