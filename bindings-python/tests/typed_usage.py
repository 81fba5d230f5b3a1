"""Type-checked (mypy --strict), never run: how typed code uses the package.
The `type: ignore[...]` lines prove the stubs reject wrong calls: with
`warn_unused_ignores` an ignore that is not needed is itself an error."""

from __future__ import annotations

import asyncio
import datetime
from typing import Dict, List, Optional

import boardingpass as bp


async def agent_step(client: bp.Client, source: str) -> Dict[str, object]:
    stream = bp.ProgressStream()
    bpass: bp.BoardingPass = await client.provision(owner="Ada Lovelace", progress=print)
    worker = bp.Worker.from_source("hello", source).var("A", "1").json_var("J", {"k": [1, 2.5, None]}).secret("S", bpass.api_token)
    task: asyncio.Task[bp.Deployment] = asyncio.create_task(bpass.deploy(worker, progress=stream))
    phases: List[str] = [event.phase async for event in stream]
    deployment = await task
    evidence: bp.Evidence = await bpass.verify(deployment, expect_status=200, expect_header=("content-type", "text"))
    outcome: bp.ClaimOutcome = await asyncio.wait_for(bpass.wait_for_claim(30), 60)
    async for change in bpass.watch_claim(5, poll_interval=1.0):
        print(change.status, change.confirmed)
    left: datetime.timedelta = bpass.time_left
    expires: datetime.datetime = bpass.expires_at
    token: str = bpass.api_token.expose()
    status: Optional[int] = evidence.status
    ticket = bpass.ticket(outcome, include_claim_url=False)
    report: bp.TeardownReport = await bpass.teardown()
    print(phases, left, expires, len(token), status, report.deleted_workers)
    return ticket.to_dict()


def script(base: str) -> str:
    with bp.Client(base, accept_terms=True, policy=bp.Policy(max_deploys_per_pass=3), timeout=5.0) as client:
        bpass = client.provision_sync(owner="Ada Lovelace")
        deployment = bpass.deploy_sync("worker.js")
        bpass.verify_sync(deployment)
        for outcome in bpass.watch_claim(1):
            print(outcome.to_dict())
        return bpass.ticket().to_markdown()


async def storage(bpass: bp.BoardingPass) -> List[Dict[str, object]]:
    ns: bp.KvNamespace = await bpass.create_kv_namespace("notes")
    await bpass.kv_put(ns.id, "k", b"\x01")
    value: Optional[bytes] = await bpass.kv_get(ns.id, "k")
    page: bp.KvKeyPage = bpass.kv_list_sync(ns.id, prefix="k", limit=10)
    db: bp.D1Database = await bpass.create_d1_database("notes")
    results: List[bp.D1Result] = await bpass.d1_query(db.uuid, "SELECT ?, ?, ?, ?", [1, 2.5, "x", None])
    applied: List[str] = bpass.d1_apply_migrations_sync(db.uuid, "migrations")
    bound = bp.Worker("w").kv("KV", "notes").kv_id("K2", ns.id).d1("DB", "notes").d1_id("DB2", db.uuid)
    try:
        await bpass.d1_query(db.uuid, "SELEC 1")
    except bp.SqlError as e:
        print(e.migration)
    print(value, page.cursor, applied, bound.name, results[0].meta.duration_ms)
    return [dict(r) for r in results[0].records]


def caught(error: bp.BoardingpassError) -> Optional[float]:
    if isinstance(error, bp.PolicyViolationError):
        return float(len(error.violations))
    return error.retry_after


async def wrong(client: bp.Client, bpass: bp.BoardingPass) -> None:
    await client.provision(owner=42)  # type: ignore[arg-type]
    await bpass.deploy(42)  # type: ignore[arg-type]
    bpass.deploy_sync(bp.Worker("w"), progress=7)  # type: ignore[arg-type]
    name: int = bpass.account_name  # type: ignore[assignment]
    bpass.ticket("lost")  # type: ignore[arg-type]
    bp.Worker("w").module("a.js", "", kind="cobol")  # type: ignore[arg-type]
    outcome: bp.ClaimOutcome = bpass.wait_for_claim(1)  # type: ignore[assignment]
    await bpass.d1_query("db", "SELECT ?", [object()])  # type: ignore[list-item]
    print(name, outcome)
