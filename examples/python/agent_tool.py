"""A deploy-and-verify tool for agents.

`deploy_and_verify` is shaped the way agent frameworks register tools: an
async function with typed parameters, a docstring that explains them, and a
JSON-serialisable result. Register it as is:

    LangChain:      langchain_core.tools.tool(deploy_and_verify)
    OpenAI Agents:  agents.function_tool(deploy_and_verify)
    CrewAI:         crewai.tools.tool("deploy_and_verify")(deploy_and_verify)
    plain asyncio:  await deploy_and_verify(source=..., name=..., owner=...)

The result goes back to the model, so it never holds the claim URL: that is
a bearer link for the named owner only, handed over by `deliver_claim_link`.

    python examples/python/agent_tool.py   # against $CLOUDFLARE_API_BASE_URL
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import boardingpass


def deliver_claim_link(owner: str, ticket: boardingpass.ClaimTicket) -> None:
    """Hands the owner's copy of the ticket (with the claim URL) to the owner.

    Replace with your channel to that person (e-mail, chat DM, ticketing
    system). Here: standard error, which stays out of the tool's result.
    """
    print(f"--- for {owner} only ---\n{ticket.to_markdown()}", file=sys.stderr)


async def deploy_and_verify(source: str, name: str, owner: str, expect_text: Optional[str] = None) -> Dict[str, Any]:
    """Deploy a Cloudflare Worker to a temporary account and check that it answers.

    Args:
        source: JavaScript ES module source of the Worker, with a default export
            that has a `fetch(request, env)` handler.
        name: Worker name: 1-63 lowercase letters, digits or dashes.
        owner: full name of the person who will receive the claim link and can
            make the account permanent.
        expect_text: text the live page must contain for the deploy to count as
            verified (any 2xx/3xx answer when omitted).

    Returns:
        A JSON-serialisable dict: `url` (the live URL), `status` ("verified" or
        "failed"), `error` (why it failed, or null), `expires_at` (ISO time the
        temporary account goes away unless claimed) and `ticket` (the claim
        ticket, without the claim URL).
    """
    async with boardingpass.Client(accept_terms=True, job_class="agent-tool") as client:
        bpass = await client.provision(owner=owner)
        try:
            deployment = await bpass.deploy(boardingpass.Worker.from_source(name, source))
            await bpass.verify(deployment, expect_body_contains=expect_text, timeout=20)
        except boardingpass.BoardingpassError as e:
            return {"url": None, "status": "failed", "error": f"{e.code}: {e}", "expires_at": bpass.expires_at.isoformat(), "ticket": None}
        deliver_claim_link(owner, bpass.ticket(include_claim_url=True))
        return {
            "url": deployment.url,
            "status": "verified",
            "error": None,
            "expires_at": bpass.expires_at.isoformat(),
            "ticket": bpass.ticket().to_dict(),
        }


if __name__ == "__main__":
    source = (Path(__file__).parent / "worker.js").read_text()
    result = asyncio.run(deploy_and_verify(source=source, name="agent-demo", owner="Ada Lovelace", expect_text="hello from"))
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["status"] == "verified" else 1)
