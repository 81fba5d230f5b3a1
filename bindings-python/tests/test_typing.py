"""The stubs match the native module (mypy stubtest: names, parameters,
defaults) and type-check the package, the examples and a typed usage file
under mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO

HERE = Path(__file__).parent


def mypy(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_stub_matches_the_native_module(tmp_path: Path) -> None:
    done = mypy("mypy.stubtest", "boardingpass", "--mypy-config-file", str(HERE / "mypy.ini"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_package_examples_and_usage_type_check_strictly(tmp_path: Path) -> None:
    files = [str(HERE / "typed_usage.py"), *map(str, sorted((REPO / "examples" / "python").glob("*.py")))]
    for targets in [["-p", "boardingpass"], files]:
        done = mypy("mypy", "--strict", "--config-file", str(HERE / "mypy.ini"), *targets, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_stub_parts_from_core_are_current(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(HERE.parent / "stubgen.py"), "--check"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
