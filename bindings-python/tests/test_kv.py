"""Workers KV through the Python API (core's calls, converted): direct calls
async and sync, a deployed Worker's `env.KV` via `Worker.kv`, bad input as
typed errors, and no secret in what KV returns or raises."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

import boardingpass as bp
from conftest import Emulator

COUNTER = """export default { async fetch(req, env) {
  const n = Number(await env.KV.get("count") ?? "0") + 1;
  await env.KV.put("count", String(n));
  return new Response(String(n));
} }"""


def fetch(url: str) -> str:
    """GET the Worker through the emulator's port, named by its Host header."""
    parts = urllib.parse.urlsplit(url)
    req = urllib.request.Request(f"http://127.0.0.1:{parts.port}/", headers={"host": parts.netloc})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(resp.read().decode())


async def test_namespaces_and_keys_async(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        ns = await bpass.create_kv_namespace("guestbook")
        assert isinstance(ns, bp.KvNamespace) and ns.title == "guestbook" and len(ns.id) == 32
        assert [n.id for n in await bpass.kv_namespaces()] == [ns.id]
        await bpass.kv_put(ns.id, "text", "héllo")
        await bpass.kv_put(ns.id, "a/b?c", b"\x00\xff")
        assert await bpass.kv_get(ns.id, "text") == "héllo".encode()
        assert await bpass.kv_get(ns.id, "a/b?c") == b"\x00\xff"
        assert await bpass.kv_get(ns.id, "missing") is None
        await bpass.kv_put_bulk(ns.id, {f"entry/{i:02}": str(i) for i in range(15)})
        await bpass.kv_put_bulk(ns.id, [("entry/raw", b"\x01")])
        page = await bpass.kv_list(ns.id, prefix="entry/", limit=10)
        assert [k.name for k in page.keys] == [f"entry/{i:02}" for i in range(10)] and page.cursor
        rest = await bpass.kv_list(ns.id, prefix="entry/", cursor=page.cursor)
        assert [k.name for k in rest.keys] == [f"entry/{i:02}" for i in range(10, 15)] + ["entry/raw"] and rest.cursor is None
        await bpass.kv_delete(ns.id, "text")
        assert await bpass.kv_get(ns.id, "text") is None
        await bpass.delete_kv_namespace(ns.id)
        assert await bpass.kv_namespaces() == []


def test_sync_calls_bad_input_and_the_worker_binding(emulator: Emulator) -> None:
    with emulator.client() as client:
        bpass = client.provision_sync(owner="Ada Lovelace")
        ns = bpass.create_kv_namespace_sync("limits")
        for call in (
            lambda: bpass.kv_put_sync(ns.id, "k" * 513, "v"),
            lambda: bpass.kv_get_sync(ns.id, ".."),
            lambda: bpass.kv_list_sync(ns.id, limit=5),
            lambda: bpass.create_kv_namespace_sync(""),
            lambda: bpass.kv_get_sync("../workers", "k"),
        ):
            with pytest.raises(bp.InvalidInputError):
                call()
        with pytest.raises(TypeError):
            bpass.kv_put_sync(ns.id, "k", 42)  # type: ignore[arg-type]
        with pytest.raises(bp.ApiError) as dup:
            bpass.create_kv_namespace_sync("limits")
        assert dup.value.api_code == 10014

        worker = bp.Worker.from_source("counter", COUNTER).kv("KV", "counter-data")
        assert ("KV", "kv_namespace") in worker.bindings
        deployment = bpass.deploy_sync(worker)
        assert fetch(deployment.url) == "1" and fetch(deployment.url) == "2"
        counter = next(n for n in bpass.kv_namespaces_sync() if n.title == "counter-data")
        assert bpass.kv_get_sync(counter.id, "count") == b"2"
        redeployed = bpass.deploy_sync(worker.var("V", "2"))
        assert fetch(redeployed.url) == "3", "the redeploy keeps the data"
        bpass.verify_sync(redeployed)
        ticket = json.loads(json.dumps(bpass.ticket().to_dict()))
        resources = ticket["temporary_resource"]["resources"]
        assert {"type": "kv_namespace", "name": "counter-data", "id": counter.id, "size": None} in resources
        # Nothing KV hands back carries a credential.
        seen = repr(bpass.kv_namespaces_sync()) + repr(bpass.kv_list_sync(counter.id)) + json.dumps(resources)
        for secret in (bpass.api_token.expose(), bpass.claim_url.expose()):
            assert secret not in seen
