"""A user's own tests, with boardingpass-sdk installed from the wheel only:
the pytest plugin's emulator (the binary shipped in the wheel) serves the
quickstart, and the fixture's claim is seen by the pass."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import boardingpass

HERE = Path(__file__).parent


def test_installed_from_the_wheel_not_the_repository() -> None:
    native = Path(boardingpass._native.__file__)
    assert "site-packages" in native.parts, native
    assert (native.parent / "boardingpass-emulator").is_file()


def test_quickstart_against_the_fixture(boardingpass_emulator) -> None:
    env = {**os.environ, "CLOUDFLARE_API_BASE_URL": boardingpass_emulator.api_base}
    done = subprocess.run([sys.executable, str(HERE / "quickstart.py"), str(HERE / "worker.js"), "Ada Lovelace"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "live at http://" in done.stdout and "Ada Lovelace" in done.stdout


@pytest.mark.boardingpass_emulator(lifetime=30, pow_k=10, pow_g=10)
def test_claim_with_marker_options(boardingpass_emulator) -> None:
    with boardingpass.Client(boardingpass_emulator.api_base, accept_terms=True) as client:
        bpass = client.provision_sync(owner="Ada Lovelace")
        deployment = bpass.deploy_sync(boardingpass.Worker.from_source("hello", "export default { fetch() { return new Response('hi') } }"))
        bpass.verify_sync(deployment, expect_body_contains="hi")
        boardingpass_emulator.claim(bpass)
        assert bpass.wait_for_claim_sync(timeout=20).status == "claimed"


def test_missing_workerd_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BOARDINGPASS_WORKERD", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(boardingpass.IoError, match="npm install --save-dev workerd"):
        boardingpass.testing.Emulator.start()
