"""boardingpass's agent tools as LangChain tools::

    from boardingpass.integrations.langchain import langchain_tools

    toolbox = boardingpass.Toolbox(client, owner="Ada Lovelace", on_claim_link=send_to_ada)
    model = model.bind_tools(langchain_tools(toolbox))

Each tool is an async ``StructuredTool`` (run it with ``ainvoke``) whose
argument schema is core's JSON Schema; its result (a dict) reaches the model
as JSON text. A failure becomes an error ``ToolMessage`` the model can act on.
"""

from __future__ import annotations

from typing import Any, Dict, List, NoReturn

from langchain_core.tools import StructuredTool, ToolException

from boardingpass._native import Toolbox
from boardingpass.integrations import call_tool


def langchain_tools(toolbox: Toolbox) -> List[StructuredTool]:
    """One ``StructuredTool`` per tool of ``toolbox``, in core's order."""
    return [_tool(toolbox, spec) for spec in toolbox.tool_specs()]


def _tool(toolbox: Toolbox, spec: Dict[str, Any]) -> StructuredTool:
    name: str = spec["name"]

    async def run(**args: Any) -> Dict[str, Any]:
        return await call_tool(toolbox, name, args, _raise)

    return StructuredTool(
        name=name,
        description=spec["description"],
        args_schema=spec["input_schema"],
        coroutine=run,
        handle_tool_error=True,
    )


def _raise(message: str) -> NoReturn:
    raise ToolException(message)
