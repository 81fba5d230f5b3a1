"""Quickstart: a Worker file to a live URL and a claim ticket.

    python examples/python/quickstart.py [worker.js] [owner]

Talks to Cloudflare, or to the local emulator when CLOUDFLARE_API_BASE_URL
points at it (`make demo` starts one). Creating the account means you accept
Cloudflare's terms of service and privacy policy: hence accept_terms=True.
"""

import asyncio
import sys
from pathlib import Path

import boardingpass


async def main(worker_file: str, owner: str) -> None:
    async with boardingpass.Client(accept_terms=True) as client:
        bpass = await client.provision(owner=owner)
        deployment = await bpass.deploy(worker_file)
        await bpass.verify(deployment)
        print(f"live at {deployment.url}\n")
        print(bpass.ticket().to_markdown())


if __name__ == "__main__":
    here = Path(__file__).parent
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else str(here / "worker.js"), sys.argv[2] if len(sys.argv) > 2 else "Ada Lovelace"))
