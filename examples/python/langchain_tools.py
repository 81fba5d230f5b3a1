"""boardingpass's deploy tools in a LangChain agent.

`langchain_tools(toolbox)` gives one ``StructuredTool`` per tool
(``provision``, ``deploy``, ``redeploy``, ``verify``, ``claim_ticket``,
``claim_status``, ``wait_for_claim``, ``teardown``) with the schemas the MCP
server lists. Give them to your model::

    model = ChatOpenAI(model="...").bind_tools(tools)      # or create_agent(model, tools)

The model reads the live URL and the verification evidence; the claim link
goes to the owner through ``send_to_owner`` and never into a tool result.
Here the tool call a model makes ("deploy these files") runs the way
LangChain runs it, against $CLOUDFLARE_API_BASE_URL:

    python examples/python/langchain_tools.py
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from langchain_core.tools import StructuredTool

import boardingpass
from boardingpass.integrations.langchain import langchain_tools


async def send_to_owner(link: boardingpass.ClaimLink) -> str:
    """Hands the claim link to its owner: replace with e-mail, chat or a ticket."""
    print(f"claim link for {link.owner} (until {link.expires_at:%H:%M} UTC): {link.url.expose()}", file=sys.stderr)
    return f"sent to {link.owner} out of band"


def deploy_tools(client: boardingpass.Client, owner: str) -> List[StructuredTool]:
    return langchain_tools(boardingpass.Toolbox(client, owner=owner, on_claim_link=send_to_owner))


async def main() -> Dict[str, Any]:
    async with boardingpass.Client(accept_terms=True, job_class="agent-tool") as client:
        deploy = {t.name: t for t in deploy_tools(client, "Ada Lovelace")}["deploy"]
        files = {"index.js": (Path(__file__).parent / "worker.js").read_text()}
        call = {"name": "deploy", "args": {"name": "agent-demo", "files": files, "expect_body_contains": "hello from"}, "id": "call_1", "type": "tool_call"}
        message = await deploy.ainvoke(call)
        result: Dict[str, Any] = json.loads(str(message.content))
        return result


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["verified"] else 1)
