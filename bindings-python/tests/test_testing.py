"""The pytest plugin `boardingpass.testing`, loaded through its entry point
(this venv installed the wheel): the fixture's emulator provisions and
deploys, `claim` is the owner's click, the marker's options reach it, and a
missing workerd is an IoError that says how to install it."""

from __future__ import annotations

import datetime
import socket
import subprocess
import sys

import pytest

import boardingpass as bp
from boardingpass.testing import Emulator

HELLO = "export default { fetch() { return new Response('hi') } }"


def test_the_plugin_is_registered(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("boardingpass")


def test_fixture_provisions_deploys_and_claims(boardingpass_emulator: Emulator) -> None:
    assert boardingpass_emulator.api_base.startswith("http://127.0.0.1:")
    with bp.Client(boardingpass_emulator.api_base, accept_terms=True) as client:
        bpass = client.provision_sync(owner="Ada Lovelace")
        deployment = bpass.deploy_sync(bp.Worker.from_source("hello", HELLO))
        bpass.verify_sync(deployment, expect_body_contains="hi")
        boardingpass_emulator.claim(bpass)
        assert bpass.wait_for_claim_sync(timeout=20).status == "claimed"
        with pytest.raises(bp.ProtocolError) as refused:
            boardingpass_emulator.claim(bpass)
        assert bpass.claim_url.expose() not in str(refused.value)


@pytest.mark.boardingpass_emulator(lifetime=2, pow_k=7, pow_g=9)
def test_marker_options_reach_the_emulator(boardingpass_emulator: Emulator) -> None:
    with bp.Client(boardingpass_emulator.api_base, accept_terms=True) as client:
        bpass = client.provision_sync(owner="Ada")
        left = bpass.expires_at - datetime.datetime.now(datetime.timezone.utc)
        assert left <= datetime.timedelta(seconds=3)


def test_stop_frees_the_port() -> None:
    with Emulator.start() as emulator:
        host, port = emulator.api_base.split("/")[2].split(":")
        assert repr(emulator) == f"Emulator(api_base='{emulator.api_base}')"
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=2)
    emulator.stop()  # twice is harmless


def test_missing_workerd_says_how_to_install_it(tmp_path: object) -> None:
    with pytest.raises(bp.IoError, match="npm install --save-dev workerd"):
        Emulator.start(workerd="/nonexistent/workerd")
    with pytest.raises(bp.InvalidInputError):
        Emulator.start(pow_k=0)


def test_the_module_imports_without_pytest() -> None:
    code = "import sys; sys.modules['pytest'] = None; import boardingpass.testing as t; print(t.__all__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['Emulator']"
