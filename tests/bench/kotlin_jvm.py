"""Kotlin/JVM figures, each run in a fresh JVM against the release emulator
at production difficulty (k=1000 g=2000):

- JVM start -> first deploy verified live (spawn to `live`, and the phases the
  child reports: JVM start -> main, client, provision, deploy, verify);
- JNA call overhead per operation, by call shape.

    make bench-kotlin     # release cdylib + emulator, then this script
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMULATOR = os.path.join(ROOT, "target", "release", "boardingpass-emulator")
LIB_DIR = os.path.join(ROOT, "target", "release")
CLASSPATH_FILE = os.path.join(ROOT, "bindings-uniffi", "kotlin", "target", "bench-classpath.txt")
TEST_CLASSES = os.path.join(ROOT, "bindings-uniffi", "kotlin", "target")


def java(main: str, base: str) -> tuple[float, dict]:
    with open(CLASSPATH_FILE) as f:
        cp = ":".join([os.path.join(TEST_CLASSES, "test-classes"), os.path.join(TEST_CLASSES, "classes"), f.read().strip()])
    t0 = time.monotonic()
    out = subprocess.run(["java", "-cp", cp, f"-Djna.library.path={LIB_DIR}", main, base], capture_output=True, text=True, check=True).stdout
    return time.monotonic() - t0, json.loads(out.strip().splitlines()[-1])


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    emu = subprocess.Popen([EMULATOR, "--port", "0", "--pow-k", "1000", "--pow-g", "2000", "--rate-limit", "0"], stdout=subprocess.PIPE, text=True)
    try:
        base = re.search(r"(http://\S+/client/v4)", emu.stdout.readline()).group(1)
        print(f"emulator {base}, k=1000 g=2000, {runs} fresh JVM(s) each, median shown")
        walls, phases = [], []
        for _ in range(runs):
            wall, report = java("dev.boardingpass.bench.FirstDeploy", base)
            walls.append(wall)
            phases.append(report)
        med = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
        print(f"JVM spawn -> first deploy live: {statistics.median(walls):.2f} s wall "
              f"(JVM start -> live {med['live_ms'] / 1000:.2f} s: main {med['main_ms']:.0f} ms, client + library load {med['client_ms']:.0f} ms, "
              f"provision {med['provision_ms']:.0f} ms, deploy {med['deploy_ms']:.0f} ms, verify {med['verify_ms']:.0f} ms)")
        overhead = [java("dev.boardingpass.bench.CallOverhead", base)[1] for _ in range(min(runs, 3))]
        o = {k: statistics.median(r[k] for r in overhead) for k in overhead[0]}
        print(f"JNA call overhead per operation: u64 return {o['u64_ns'] / 1000:.2f} us | String return {o['string_ns'] / 1000:.2f} us | "
              f"list of records {o['records_ns'] / 1000:.2f} us | object handle create + close {o['object_ns'] / 1000:.2f} us | "
              f"suspend call (ready future) {o['async_ns'] / 1000:.2f} us")
    finally:
        emu.terminate()


if __name__ == "__main__":
    main()
