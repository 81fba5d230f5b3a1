"""Emulators for the tests: real `boardingpass-emulator` processes (the one
`cargo build -p boardingpass-emulator` makes), each on its own port, with
scripted faults enabled. Started once per session per configuration."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

import boardingpass as bp

REPO = Path(__file__).resolve().parents[2]
HELLO = "export default { async fetch(request, env) { return new Response('hello ' + (env.WHO ?? 'world')) } }"


class Emulator:
    def __init__(self, args: List[str]) -> None:
        binary = os.environ.get("BOARDINGPASS_EMULATOR", str(REPO / "target" / "debug" / "boardingpass-emulator"))
        if not Path(binary).is_file():
            raise RuntimeError(f"{binary} is missing: run `cargo build -p boardingpass-emulator` (make test-python does)")
        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--test-control", "--rate-limit", "0", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.proc.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.base = line.rsplit(" ", 1)[1].strip()
        self.origin = self.base.rsplit("/client/v4", 1)[0]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def post(self, path: str, body: Optional[Dict[str, object]] = None, headers: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
        data = json.dumps(body).encode() if body is not None else b""
        req = urllib.request.Request(self.origin + path, data=data, method="POST", headers={"content-type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def claim(self, bpass: bp.BoardingPass) -> int:
        """What the owner's Claim button does."""
        token = bpass.claim_url.expose().split("claimToken=", 1)[1]
        return self.post("/x-boardingpass/claim", headers={"X-Claim-Token": token})[0]

    def fault(self, path_contains: str, kind: str, **extra: object) -> None:
        status, text = self.post("/x-boardingpass/test/faults", {"path_contains": path_contains, "kind": kind, **extra})
        assert status == 204, text

    def client(self, **options: object) -> bp.Client:
        options.setdefault("accept_terms", True)
        return bp.Client(self.base, **options)  # type: ignore[arg-type]


_running: Dict[Tuple[str, ...], Emulator] = {}


def _emulator(*args: str) -> Emulator:
    if args not in _running:
        _running[args] = Emulator(list(args))
    return _running[args]


@pytest.fixture(scope="session", autouse=True)
def _stop_emulators() -> Iterator[None]:
    yield
    for emu in _running.values():
        emu.stop()


@pytest.fixture
def emulator() -> Emulator:
    """Fast proof of work (k=20, g=50)."""
    return _emulator("--pow-k", "20", "--pow-g", "50")


@pytest.fixture
def short_lived() -> Emulator:
    """Passes expire after 3 seconds."""
    return _emulator("--pow-k", "20", "--pow-g", "50", "--lifetime", "3")


@pytest.fixture
def slow_pow() -> Emulator:
    """A proof of work of 16 M hashes: seconds of CPU in a debug build."""
    return _emulator("--pow-k", "4000", "--pow-g", "4000")


@pytest.fixture
def medium_pow() -> Emulator:
    """A proof of work of 1 M hashes: a noticeable but short solve."""
    return _emulator("--pow-k", "500", "--pow-g", "2000")


@pytest.fixture
def hello() -> bp.Worker:
    return bp.Worker.from_source("hello", HELLO)
