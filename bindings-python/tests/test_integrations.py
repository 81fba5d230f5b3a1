"""The framework integrations, each run by its real framework with a
scripted model (no network): the model "writes" a Worker and asks for a
`deploy`, the tool deploys it to the emulator and verifies it, and the
model answers with the live URL. What the model saw never holds a
credential or the claim link; the owner got the link through
`on_claim_link`."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import subprocess
import sys
import urllib.parse
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest
from agents import Agent, FunctionTool, ModelResponse, ModelSettings, ModelTracing, RunConfig, Runner, Usage
from agents.items import TResponseInputItem
from agents.models.interface import Model
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

import boardingpass as bp
from boardingpass._native import operations_in_flight
from boardingpass.integrations.langchain import langchain_tools
from boardingpass.integrations.openai_agents import openai_agents_tools
from conftest import Emulator

TEXT = "hello from the model's own Worker"
FILES = {
    "src/index.js": "import { text } from './text.js'\nexport default { fetch() { return new Response(text) } }\n",
    "src/text.js": f"export const text = {json.dumps(TEXT)}\n",
}
DEPLOY_ARGS = {"name": "model-wrote-this", "files": FILES, "expect_body_contains": TEXT}
PROMPT = "Write a Worker that greets, deploy it and give me its URL."


class Owner:
    """The human who receives claim links, out of the model's sight."""

    def __init__(self) -> None:
        self.links: List[bp.ClaimLink] = []

    async def on_claim_link(self, link: bp.ClaimLink) -> str:
        self.links.append(link)
        return "sent to Ada Lovelace by e-mail"

    def secrets(self) -> List[str]:
        urls = [link.url.expose() for link in self.links]
        # Every API token the emulator issues starts with this prefix (the
        # toolbox never hands the token out, so no test can read it).
        return ["cfat_", *urls, *(u.split("claimToken=", 1)[1] for u in urls)]


def toolbox(emulator: Emulator, owner: Owner) -> bp.Toolbox:
    return bp.Toolbox(emulator.client(), owner="Ada Lovelace", on_claim_link=owner.on_claim_link)


def live_url(tool_output: str) -> str:
    url = json.loads(tool_output)["url"]
    assert isinstance(url, str)
    return url


def assert_deployed(answer: str, owner: Owner, seen: Sequence[str]) -> None:
    url = urllib.parse.urlsplit(answer.rsplit(" ", 1)[1])
    # *.localhost names resolve to loopback in browsers, not in every resolver.
    conn = http.client.HTTPConnection("127.0.0.1", url.port, timeout=10)
    conn.request("GET", url.path or "/", headers={"Host": url.netloc})
    assert conn.getresponse().read().decode() == TEXT
    conn.close()
    assert len(owner.links) == 1, "the owner got the claim link once, out of band"
    assert owner.links[0].owner == "Ada Lovelace" and "claimToken=" in owner.links[0].url.expose()
    assert any("sent to Ada Lovelace by e-mail" in text for text in seen), "the model is told where the link went"
    for text in seen:
        for secret in owner.secrets():
            assert secret not in text, f"the model saw a secret: {text[:200]}"


class ScriptedChatModel(GenericFakeChatModel):
    """LangChain's fake chat model, recording what it is shown."""

    seen: List[str] = []

    def bind_tools(self, tools: Sequence[Any], **_: Any) -> "ScriptedChatModel":
        self.seen.extend(json.dumps(convert_to_openai_tool(t)) for t in tools)
        return self

    def _generate(self, messages: List[BaseMessage], stop: Optional[List[str]] = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.seen.extend(m.model_dump_json() for m in messages)
        return super()._generate(messages, stop, run_manager, **kwargs)


async def test_langchain_tools_deploy_what_the_model_wrote(emulator: Emulator) -> None:
    owner = Owner()
    tools = langchain_tools(toolbox(emulator, owner))
    by_name = {t.name: t for t in tools}
    specs = {s["name"]: s for s in bp.Toolbox(emulator.client()).tool_specs()}
    assert list(by_name) == list(specs)
    assert convert_to_openai_tool(by_name["deploy"])["function"]["parameters"] == specs["deploy"]["input_schema"]

    transcript: List[BaseMessage] = [HumanMessage(PROMPT)]

    def script() -> Iterator[AIMessage]:
        yield AIMessage("", tool_calls=[{"name": "deploy", "args": DEPLOY_ARGS, "id": "call_1"}])
        result = transcript[-1]
        assert isinstance(result, ToolMessage) and result.status == "success", result
        yield AIMessage(f"Your Worker is live at {live_url(str(result.content))}")

    model = ScriptedChatModel(messages=script(), seen=[]).bind_tools(tools)
    while True:
        reply = await model.ainvoke(transcript)
        transcript.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            transcript.append(await by_name[call["name"]].ainvoke({**call, "type": "tool_call"}))

    assert_deployed(str(transcript[-1].content), owner, model.seen)


async def test_a_langchain_tool_failure_is_an_error_message_for_the_model(emulator: Emulator) -> None:
    deploy = {t.name: t for t in langchain_tools(toolbox(emulator, Owner()))}["deploy"]
    msg = await deploy.ainvoke({"name": "deploy", "args": {"name": "x", "path": "/etc"}, "id": "c", "type": "tool_call"})
    assert isinstance(msg, ToolMessage) and msg.status == "error"
    assert str(msg.content).startswith("[invalid_input] ") and "inline files only" in str(msg.content)


class ScriptedModel(Model):
    """An Agents SDK model that calls `deploy` once, then answers with the URL."""

    def __init__(self) -> None:
        self.seen: List[str] = []

    async def get_response(
        self,
        system_instructions: Optional[str],
        input: str | List[TResponseInputItem],
        model_settings: ModelSettings,
        tools: List[Any],
        output_schema: Any,
        handoffs: List[Any],
        tracing: ModelTracing,
        **_: Any,
    ) -> ModelResponse:
        items = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
        self.seen.extend(json.dumps(item, default=str) for item in items)
        self.seen.extend(json.dumps({"name": t.name, "parameters": t.params_json_schema}) for t in tools if isinstance(t, FunctionTool))
        outputs = [i for i in items if isinstance(i, dict) and i.get("type") == "function_call_output"]
        if not outputs:
            call = ResponseFunctionToolCall(type="function_call", call_id="call_1", name="deploy", arguments=json.dumps(DEPLOY_ARGS), status="completed")
            return ModelResponse(output=[call], usage=Usage(), response_id=None)
        text = ResponseOutputText(type="output_text", text=f"Your Worker is live at {live_url(str(outputs[-1]['output']))}", annotations=[])
        message = ResponseOutputMessage(type="message", id="msg_1", role="assistant", status="completed", content=[text])
        return ModelResponse(output=[message], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the test runs without streaming")


async def test_openai_agents_tools_deploy_what_the_model_wrote(emulator: Emulator) -> None:
    owner = Owner()
    tools = openai_agents_tools(toolbox(emulator, owner))
    specs = bp.Toolbox(emulator.client()).tool_specs()
    assert [(t.name, t.params_json_schema) for t in tools] == [(s["name"], s["input_schema"]) for s in specs]

    model = ScriptedModel()
    agent = Agent(name="deployer", instructions="Deploy what you write.", model=model, tools=list(tools))
    result = await Runner.run(agent, PROMPT, max_turns=4, run_config=RunConfig(tracing_disabled=True))

    assert_deployed(str(result.final_output), owner, model.seen)


async def test_an_openai_agents_tool_failure_is_text_for_the_model(emulator: Emulator) -> None:
    deploy = next(t for t in openai_agents_tools(toolbox(emulator, Owner())) if t.name == "deploy")
    out = await deploy.on_invoke_tool(None, json.dumps({"name": "x", "files": {}, "path": "a"}))  # type: ignore[arg-type]
    assert out.startswith("[invalid_input] ") and "exactly one of" in out


@pytest.mark.parametrize("sentence", ["async", "sync"])
async def test_on_claim_link_may_be_sync_or_async(emulator: Emulator, sentence: str) -> None:
    got: List[bp.ClaimLink] = []

    def sync(link: bp.ClaimLink) -> str:
        got.append(link)
        return "handed over (sync)"

    async def coro(link: bp.ClaimLink) -> str:
        got.append(link)
        return "handed over (async)"

    box = bp.Toolbox(emulator.client(), owner="Ada Lovelace", on_claim_link=coro if sentence == "async" else sync)
    out: Dict[str, Any] = await box.call("provision")
    assert out["claim_link"] == f"handed over ({sentence})"
    assert [link.account_id for link in got] == [out["account_id"]]
    assert "claimToken" not in repr(got[0]) and "claimToken" not in json.dumps(out)


async def test_cancelling_a_tool_call_drops_the_rust_work(slow_pow: Emulator) -> None:
    solving = asyncio.Event()

    def on_progress(event: bp.ProgressEvent) -> None:
        if event.phase == "proof_of_work":
            solving.set()

    owner = Owner()
    task = asyncio.create_task(toolbox(slow_pow, owner).call("deploy", DEPLOY_ARGS, progress=on_progress))
    await asyncio.wait_for(solving.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(250):
        if operations_in_flight() == 0:
            break
        await asyncio.sleep(0.02)
    assert operations_in_flight() == 0, "the Rust future was dropped"
    assert owner.links == [], "cancelled before an account existed"


def test_a_failing_on_claim_link_leaves_the_link_on_standard_error(emulator: Emulator) -> None:
    # In a child process: the test's own output must not show a claim link.
    script = """
import asyncio, json, os
import boardingpass as bp
def down(link):
    raise RuntimeError("mail server down")
box = bp.Toolbox(bp.Client(os.environ["EMULATOR_BASE"], accept_terms=True), owner="Ada", on_claim_link=down)
print(json.dumps(asyncio.run(box.call("provision"))))
"""
    env = {**os.environ, "EMULATOR_BASE": emulator.base}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "standard error" in out["claim_link"]
    assert "RuntimeError: mail server down" in done.stderr
    assert f"account {out['account_name']}" in done.stderr and "claimToken=" in done.stderr
