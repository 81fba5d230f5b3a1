#!/usr/bin/env python3
"""Provision + deploy + live, boardingpass vs wrangler 4.164, side by side in one run.

Same emulator, same proof-of-work difficulty (k=1000, g=2000) for both tools.
Scenarios: examples/hello-worker (Worker + 4 assets) and a generated
1,000-file static site (~10 MB). Each command is timed whole (wall time and
peak RSS from /usr/bin/time), and "live" means the URL answered 200.

Then the overlap figure, at Cloudflare's production difficulty (k=8000,
g=2000) on a second emulator: the 1,000-file deploy (provision + deploy +
verified live) next to `boardingpass provision` (the bare proof of work +
the server's verification of it), runs interleaved. The project is hashed
during the proof of work, so the difference is what the deploy adds after
the account exists.

    make bench-deploy        # or: python3 tests/bench/deploy_vs_wrangler.py [RUNS]

Needs: target/release/boardingpass, node_modules (make setup). Only loopback.
"""
import json, os, random, re, shutil, statistics, string, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_emulator import BP, NODE, ROOT, WRANGLER, emulator, require_tools  # noqa: E402


def timed(cmd, **kw):
    """(wall seconds, peak RSS MiB, stdout) of one command."""
    out = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", *cmd], capture_output=True, text=True, **kw)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    m = re.search(r"TIME ([\d.]+) (\d+)", out.stderr)
    return float(m.group(1)), int(m.group(2)) / 1024, out.stdout


def live(port, host, path="/"):
    """Polls until the Worker answers 200 (what "live" means for wrangler)."""
    for _ in range(200):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
        try:
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.05)
    sys.exit(f"{host} never answered")


def ours(project, base, port):
    t0 = time.monotonic()
    wall, rss, out = timed([BP, "deploy", project, "--api-base", base, "--accept-terms", "--owner", "Bench", "--no-serve", "--json"])
    result = json.loads(out.strip().splitlines()[-1])
    assert result["evidence"]["passed"], result  # verified live inside the command
    return time.monotonic() - t0, rss


def wrangler(project, base, port):
    home = tempfile.mkdtemp(prefix="bench-home-")
    env = {"PATH": os.environ["PATH"], "HOME": home, "CLOUDFLARE_API_BASE_URL": base, "WRANGLER_SEND_METRICS": "false"}
    t0 = time.monotonic()
    wall, rss, out = timed([NODE, WRANGLER, "deploy", "--temporary"], cwd=project, env=env, stdin=subprocess.DEVNULL)
    host = re.search(r"https://([a-z0-9.-]+\.workers\.dev)", out).group(1)
    live(port, host)
    elapsed = time.monotonic() - t0
    shutil.rmtree(home, ignore_errors=True)
    return elapsed, rss


def big_site(dir):
    os.makedirs(os.path.join(dir, "public"))
    with open(os.path.join(dir, "wrangler.toml"), "w") as f:
        f.write('name = "big-site"\ncompatibility_date = "2026-06-01"\n\n[assets]\ndirectory = "./public"\n')
    rnd = random.Random(7)
    for i in range(999):  # plus index.html: 1,000 files, the per-deployment limit
        sub = os.path.join(dir, "public", f"d{i % 20}")
        os.makedirs(sub, exist_ok=True)
        ext = ["html", "css", "js", "txt"][i % 4]
        with open(os.path.join(sub, f"f{i}.{ext}"), "w") as f:
            f.write("".join(rnd.choices(string.ascii_letters + string.digits, k=10_000)))
    with open(os.path.join(dir, "public", "index.html"), "w") as f:
        f.write("<h1>big</h1>")


def overlap(site, runs):
    """Median wall time of the 1,000-file deploy and of a bare provision at k=8000 g=2000."""
    with emulator(pow_k=8000) as (base, port):
        bare_cmd = [BP, "provision", "--api-base", base, "--accept-terms", "--owner", "Bench", "--json"]
        deploys, bares = [], []
        for _ in range(runs):
            deploys.append(ours(site, base, port)[0])
            t0 = time.monotonic()
            timed(bare_cmd)
            bares.append(time.monotonic() - t0)
        d, b = statistics.median(deploys), statistics.median(bares)
        print(f"1,000-file deploy at k=8000 g=2000, {runs} run(s) each, median: deploy + verified live {d:.3f} s | "
              f"bare proof of work + server verification (`provision`) {b:.3f} s | difference {d - b:+.3f} s (target <= 0.1 s)")


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    require_tools()
    with emulator() as (base, port):
        work = tempfile.mkdtemp(prefix="bench-")
        hello = os.path.join(work, "hello")
        shutil.copytree(os.path.join(ROOT, "examples/hello-worker"), hello)
        site = os.path.join(work, "site")
        big_site(site)
        print(f"emulator {base}, k=1000 g=2000, {runs} run(s) each, median shown")
        for name, project in (("hello-worker", hello), ("1,000-file site (~10 MB)", site)):
            rows = {}
            for tool, fn in (("boardingpass", ours), ("wrangler", wrangler)):
                samples = [fn(project, base, port) for _ in range(runs)]
                rows[tool] = (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples))
            (bt, bm), (wt, wm) = rows["boardingpass"], rows["wrangler"]
            print(f"{name}: boardingpass {bt:.2f} s, {bm:.0f} MiB | wrangler {wt:.2f} s, {wm:.0f} MiB | "
                  f"{wt / bt:.1f}x faster, {wm / bm:.1f}x less memory")
    overlap(site, max(runs, 5))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
