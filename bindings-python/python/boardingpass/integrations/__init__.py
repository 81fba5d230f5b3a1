"""boardingpass's agent tools for agent frameworks, built from
:meth:`boardingpass.Toolbox.tool_specs` (core declares every name,
description and schema; these modules only adapt them):

- :mod:`boardingpass.integrations.langchain`: LangChain ``StructuredTool``\\ s
  (``pip install boardingpass-sdk[langchain]``)
- :mod:`boardingpass.integrations.openai_agents`: OpenAI Agents SDK
  ``FunctionTool``\\ s (``pip install boardingpass-sdk[openai-agents]``)

A tool that fails tells the model why (``[code] message``) instead of ending
the run, as the MCP server does; cancellation still propagates.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, TypeVar

from boardingpass._native import Toolbox
from boardingpass.errors import BoardingpassError, CancelledError

T = TypeVar("T")


def for_model(error: BoardingpassError) -> str:
    """What the model reads when a tool fails (core's message, never a secret)."""
    return f"[{error.code}] {error}"


async def call_tool(toolbox: Toolbox, name: str, args: Dict[str, Any], failed: Callable[[str], T]) -> "Dict[str, Any] | T":
    """Runs one tool. A failure's text for the model goes to ``failed``,
    whose result (or exception) the framework gets instead; cancellation
    propagates untouched."""
    try:
        return await toolbox.call(name, args)
    except CancelledError:
        raise
    except BoardingpassError as e:
        return failed(for_model(e))
