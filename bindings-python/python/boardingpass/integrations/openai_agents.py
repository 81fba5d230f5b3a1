"""boardingpass's agent tools as OpenAI Agents SDK tools::

    from agents import Agent
    from boardingpass.integrations.openai_agents import openai_agents_tools

    toolbox = boardingpass.Toolbox(client, owner="Ada Lovelace", on_claim_link=send_to_ada)
    agent = Agent(name="deployer", tools=openai_agents_tools(toolbox))

Each tool is a ``FunctionTool`` whose parameters are core's JSON Schema
(not strict: several arguments are optional) and whose output is the
result as JSON text. A failure is returned to the model as its message.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from agents import FunctionTool
from agents.tool_context import ToolContext

from boardingpass._native import Toolbox
from boardingpass.integrations import call_tool


def openai_agents_tools(toolbox: Toolbox) -> List[FunctionTool]:
    """One ``FunctionTool`` per tool of ``toolbox``, in core's order."""
    return [_tool(toolbox, spec) for spec in toolbox.tool_specs()]


def _tool(toolbox: Toolbox, spec: Dict[str, Any]) -> FunctionTool:
    name: str = spec["name"]

    async def invoke(_ctx: ToolContext[Any], arguments: str) -> str:
        try:
            args = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as e:
            return f"[invalid_input] the arguments are not JSON: {e}"
        result = await call_tool(toolbox, name, args, _Failure)
        return result if isinstance(result, _Failure) else json.dumps(result)

    return FunctionTool(
        name=name,
        description=spec["description"],
        params_json_schema=spec["input_schema"],
        on_invoke_tool=invoke,
        strict_json_schema=False,
    )


class _Failure(str):
    """A failed call's text for the model, told apart from a result."""
