#!/usr/bin/env python3
"""Provision + bundle + deploy + live of tests/fixtures/projects/2-hono-tsx
(TypeScript, TSX, hono from npm), boardingpass vs `wrangler deploy
--temporary` 4.164, side by side in one run on one emulator at k=1000
g=2000. Each command is timed whole (wall time and peak RSS from
/usr/bin/time); boardingpass verifies the URL itself, wrangler's is polled
until it answers 200. Runs alternate; medians.

    make bench-bundle        # or: python3 tests/bench/bundle_vs_wrangler.py [RUNS]

Needs: target/release/boardingpass, `make setup`. Only loopback.
"""
import os, re, shutil, statistics, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploy_vs_wrangler import BP, NODE, ROOT, WRANGLER, ours, wrangler  # noqa: E402

PROJECT = os.path.join(ROOT, "tests/fixtures/projects/2-hono-tsx")


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for p in (BP, NODE, WRANGLER, os.path.join(PROJECT, "node_modules/hono")):
        if not os.path.exists(p):
            sys.exit(f"{p} missing: run `make setup` and `cargo build --release -p boardingpass-cli`")
    # The copy lies outside the repository, whose node_modules holds the esbuild binary.
    os.environ.setdefault("BOARDINGPASS_ESBUILD", os.path.join(ROOT, "node_modules/@esbuild/linux-x64/bin/esbuild"))
    # wrangler writes .wrangler/ into the project: both tools get the same copy.
    work = tempfile.mkdtemp(prefix="bench-bundle-")
    project = os.path.join(work, "2-hono-tsx")
    shutil.copytree(PROJECT, project)
    emu = subprocess.Popen([BP, "serve", "--pow-k", "1000", "--pow-g", "2000", "--rate-limit", "1000"], stdout=subprocess.PIPE, text=True)
    try:
        base = re.search(r"(http://\S+/client/v4)", emu.stdout.readline()).group(1)
        port = int(re.search(r":(\d+)/", base).group(1))
        samples = {"boardingpass": [], "wrangler": []}
        for _ in range(runs):
            samples["boardingpass"].append(ours(project, base, port))
            samples["wrangler"].append(wrangler(project, base, port))
        (bt, bm), (wt, wm) = ((statistics.median(s[0] for s in v), statistics.median(s[1] for s in v)) for v in samples.values())
        print(f"emulator {base}, k=1000 g=2000, {runs} alternating run(s) each, median shown")
        print(f"2-hono-tsx provision + bundle + deploy + live: boardingpass {bt:.2f} s, {bm:.0f} MiB | "
              f"wrangler {wt:.2f} s, {wm:.0f} MiB | {wt / bt:.1f}x faster (goal >= 15), "
              f"{wm / bm:.1f}x less peak memory (goal >= 10)")
    finally:
        emu.terminate()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
