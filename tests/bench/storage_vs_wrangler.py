#!/usr/bin/env python3
"""D1 on the temporary account, boardingpass vs wrangler 4.164, side by side in one run.

One emulator (k=1000, g=2000). Both tools get the same files: 20 migrations
(`migrations/NNNN_name.sql`) and `rows.sql` with 1,000 INSERTs. Each run
starts from a fresh account and database (a temporary account has one).

- boardingpass: `d1_apply_migrations` + `d1_query(rows.sql)` through the Rust
  API (core/benches/storage.rs), timed from call to answer.
- wrangler: `d1 migrations apply --remote` + `d1 execute --remote --file`,
  each command timed whole (what a user or an agent waits for: Node's start,
  wrangler's account and database look-ups, then the calls).

Then a Worker's D1 round trip in the emulator: sequential GETs of a Worker
whose handler runs one bound SELECT through env.DB (p50/p99).

    make bench-storage       # or: python3 tests/bench/storage_vs_wrangler.py [RUNS]

Needs: target/release/boardingpass, node_modules (make setup). Only loopback.
"""
import json, os, re, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_emulator import NODE, ROOT, WRANGLER, emulator, require_tools  # noqa: E402


def project(dir):
    os.makedirs(os.path.join(dir, "migrations"))
    for i in range(1, 21):
        sql = "CREATE TABLE rows (k TEXT PRIMARY KEY, v TEXT);\n" if i == 1 else f"CREATE TABLE extra_{i} (id INTEGER PRIMARY KEY, note TEXT);\nCREATE INDEX extra_{i}_note ON extra_{i} (note);\n"
        with open(os.path.join(dir, "migrations", f"{i:04d}_step_{i}.sql"), "w") as f:
            f.write(sql)
    with open(os.path.join(dir, "rows.sql"), "w") as f:
        f.writelines(f"INSERT INTO rows (k, v) VALUES ('k{i}', 'v{i}');\n" for i in range(1000))
    with open(os.path.join(dir, "index.js"), "w") as f:
        f.write("export default { fetch() { return new Response('x') } }\n")


def wrangler_run(dir, base):
    """(migrations apply s, execute --file s) on a fresh account and database."""
    home = tempfile.mkdtemp(prefix="bench-home-")
    env = {"PATH": os.environ["PATH"], "HOME": home, "CLOUDFLARE_API_BASE_URL": base, "WRANGLER_SEND_METRICS": "false"}

    def run(*args):
        out = subprocess.run([NODE, WRANGLER, *args], cwd=dir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"wrangler {args} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    with open(os.path.join(dir, "wrangler.toml"), "w") as f:
        f.write('name = "bench"\nmain = "index.js"\ncompatibility_date = "2026-06-01"\n')
    uuid = re.search(r'database_id = "([0-9a-f-]{36})"', run("d1", "create", "bench", "--temporary")).group(1)
    with open(os.path.join(dir, "wrangler.toml"), "a") as f:
        f.write(f'\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "bench"\ndatabase_id = "{uuid}"\n')
    t0 = time.monotonic()
    applied = run("d1", "migrations", "apply", "DB", "--remote", "--temporary")
    t1 = time.monotonic()
    run("d1", "execute", "DB", "--remote", "--temporary", "--file", "rows.sql")
    t2 = time.monotonic()
    assert "0020_step_20.sql" in applied, applied
    shutil.rmtree(home, ignore_errors=True)
    return t1 - t0, t2 - t1


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    require_tools()
    work = tempfile.mkdtemp(prefix="bench-storage-")
    project(work)
    with emulator() as (base, port):
        env = {**os.environ, "BENCH_API_BASE": base, "BENCH_PROJECT": work, "BENCH_RUNS": str(runs)}
        cargo = os.environ.get("CARGO", "cargo")
        out = subprocess.run([cargo, "bench", "-q", "-p", "boardingpass", "--bench", "storage"], cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"core/benches/storage.rs failed:\n{out.stdout}\n{out.stderr}")
        ours = json.loads(out.stdout.strip().splitlines()[-1])
        theirs = [wrangler_run(work, base) for _ in range(runs)]
    shutil.rmtree(work, ignore_errors=True)
    ba, bi = statistics.median(ours["apply_ms"]) / 1000, statistics.median(ours["insert_ms"]) / 1000
    wa, wi = statistics.median(t[0] for t in theirs), statistics.median(t[1] for t in theirs)
    print(f"emulator {base}, k=1000 g=2000, {runs} run(s) each, median shown")
    print(f"20 migrations: boardingpass {ba * 1000:.1f} ms | wrangler d1 migrations apply --remote {wa:.2f} s | {wa / ba:.0f}x faster")
    print(f"1,000 rows: boardingpass {bi * 1000:.1f} ms | wrangler d1 execute --remote --file {wi:.2f} s | {wi / bi:.0f}x faster")
    print(f"both: boardingpass {(ba + bi) * 1000:.1f} ms | wrangler {wa + wi:.2f} s | {(wa + wi) / (ba + bi):.0f}x faster (goal >= 10x)")
    print(f"Worker D1 round trip ({ours['requests']} sequential requests): p50 {ours['rtt_p50_ms']:.2f} ms, p99 {ours['rtt_p99_ms']:.2f} ms")
    print(json.dumps({"boardingpass": ours, "wrangler_s": theirs}))


if __name__ == "__main__":
    main()
