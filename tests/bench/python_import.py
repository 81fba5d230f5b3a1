"""`import boardingpass` vs `import cloudflare` (5.9.0), each in a fresh
interpreter, interleaved, many runs; prints median and ratio side by side.

    make bench-python     # builds the release wheel into .venv-python-bench
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys

RUNS = 40
PROBE = """
import sys, time
before = set(sys.modules)
start = time.perf_counter()
import {module} as m
elapsed = time.perf_counter() - start
loaded = len(set(sys.modules) - before)
import json
print(json.dumps({{"ms": elapsed * 1000, "version": getattr(m, "__version__", "?"), "modules": loaded}}))
"""


def once(module: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main() -> None:
    samples: dict = {"boardingpass": [], "cloudflare": []}
    info: dict = {}
    for _ in range(RUNS):
        for module in samples:
            result = once(module)
            samples[module].append(result["ms"])
            info[module] = result
    median = {m: statistics.median(v) for m, v in samples.items()}
    print(f"Python {platform.python_version()} on {platform.machine()}, {RUNS} fresh interpreters per module, interleaved\n")
    print("| module | version | modules loaded | median | min | max |")
    print("|---|---|---|---|---|---|")
    for m, v in samples.items():
        print(f"| `import {m}` | {info[m]['version']} | {info[m]['modules']} | {median[m]:.1f} ms | {min(v):.1f} ms | {max(v):.1f} ms |")
    ratio = median["cloudflare"] / median["boardingpass"]
    print(f"\nboardingpass imports {ratio:.1f}x faster than cloudflare (median)")
    print(json.dumps({"median_ms": median, "ratio": round(ratio, 1)}))


if __name__ == "__main__":
    main()
