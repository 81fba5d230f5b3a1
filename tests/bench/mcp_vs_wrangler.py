#!/usr/bin/env python3
"""One MCP `deploy` tool call vs shelling out to `wrangler deploy --temporary`,
side by side in one run, same emulator, k=1000 g=2000.

An agent skill that deploys with wrangler writes the files, runs the command
and waits for the URL; through `boardingpass mcp` the agent sends the files
in one tool call that returns once the URL answered (verified). Both are
timed from the agent's request to a live URL. Also: the MCP server's resident
memory while idle (after initialize and tools/list) and after the deploys.

    make bench-mcp      # or: .venv-mcp/bin/python tests/bench/mcp_vs_wrangler.py [RUNS]

Needs: target/release/boardingpass, node_modules (make setup), the mcp venv.
"""
import json, os, re, shutil, statistics, subprocess, sys, tempfile, time

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_emulator import BP, NODE, ROOT, WRANGLER, emulator, require_tools  # noqa: E402
from deploy_vs_wrangler import live  # noqa: E402

FILES = {
    "src/index.js": "import { page } from './page.js'\nexport default { fetch() { return new Response(page, { headers: { 'content-type': 'text/html' } }) } }",
    "src/page.js": "export const page = '<h1>hello from an agent</h1>'",
    "wrangler.toml": 'name = "agent-app"\nmain = "src/index.js"\ncompatibility_date = "2026-06-01"\n',
}


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def wrangler_once(base, port):
    work = tempfile.mkdtemp(prefix="bench-wrangler-")
    home = tempfile.mkdtemp(prefix="bench-home-")
    t0 = time.monotonic()
    for path, text in FILES.items():
        os.makedirs(os.path.dirname(os.path.join(work, path)), exist_ok=True)
        with open(os.path.join(work, path), "w") as f:
            f.write(text)
    env = {"PATH": os.environ["PATH"], "HOME": home, "CLOUDFLARE_API_BASE_URL": base, "WRANGLER_SEND_METRICS": "false"}
    out = subprocess.run([NODE, WRANGLER, "deploy", "--temporary"], cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"wrangler failed:\n{out.stdout}\n{out.stderr}")
    live(port, re.search(r"https://([a-z0-9.-]+\.workers\.dev)", out.stdout).group(1))
    elapsed = time.monotonic() - t0
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    return elapsed


async def mcp_runs(base, runs):
    pidfile = tempfile.mktemp(prefix="bench-mcp-pid-")
    cmd = f"echo $$ > {pidfile}; exec {BP} mcp --api-base {base} --accept-terms --owner Bench --inline-only --claim-link-to 'exec:cat >/dev/null'"
    async with stdio_client(StdioServerParameters(command="sh", args=["-c", cmd])) as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        await s.list_tools()
        pid = int(open(pidfile).read())
        idle = rss_mib(pid)
        times = []
        for i in range(runs):
            t0 = time.monotonic()
            result = await s.call_tool("deploy", {"name": f"agent-app-{i}", "files": FILES})
            times.append(time.monotonic() - t0)
            assert not result.is_error and result.structured_content["verified"], result.content
        return times, idle, rss_mib(pid)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    require_tools()
    with emulator() as (base, port):
        ours, idle, after = anyio.run(mcp_runs, base, runs)
        theirs = [wrangler_once(base, port) for _ in range(runs)]
        b, wr = statistics.median(ours), statistics.median(theirs)
        print(f"emulator {base}, k=1000 g=2000, {runs} run(s) each, median shown")
        print(f"deploy to a live URL: MCP tool call {b:.2f} s | wrangler deploy --temporary {wr:.2f} s | {wr / b:.1f}x faster")
        print(f"boardingpass mcp resident memory: idle {idle:.1f} MiB (target <= 20 MiB), after {runs} deploys {after:.1f} MiB")
        print(json.dumps({"mcp_s": ours, "wrangler_s": theirs, "idle_rss_mib": idle, "after_rss_mib": after}))


if __name__ == "__main__":
    main()
