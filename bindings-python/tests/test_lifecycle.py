"""The whole path, async and sync: provision → deploy → verify → ticket →
claim (through the emulator's claim API) → wait returns claimed; redeploy,
expiry, teardown."""

from __future__ import annotations

import asyncio
import datetime
import json
from pathlib import Path

import pytest

import boardingpass as bp
from conftest import HELLO, REPO, Emulator

EXAMPLE = REPO / "examples" / "hello-worker"


async def test_provision_deploy_verify_ticket_and_claim(emulator: Emulator, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    async with emulator.client(job_id="job-42", audit_log=audit) as client:
        bpass = await client.provision(owner="Ada Lovelace")
        assert len(bpass.account_id) == 32 and len(bpass.account_name.split()) == 2
        assert bpass.owner == "Ada Lovelace"
        now = datetime.datetime.now(datetime.timezone.utc)
        assert bpass.expires_at > now and bpass.claim_expires_at > now
        assert datetime.timedelta(minutes=55) < bpass.time_left <= datetime.timedelta(minutes=60)
        assert not bpass.is_expired and not bpass.is_revoked
        assert bpass.token_fingerprint.startswith("sha256:") and bpass.token_fingerprint == bpass.api_token.fingerprint

        worker = (
            bp.Worker.from_source("hello", HELLO, compatibility_date="2026-06-01")
            .var("WHO", "agents")
            .json_var("CONFIG", {"retries": 3, "tags": ["a", "b"], "strict": True, "ratio": 0.5, "none": None})
            .secret("API_KEY", "not-a-real-key-123")
        )
        deployment = await bpass.deploy(worker)
        assert deployment.worker_name == "hello" and not deployment.redeploy
        assert deployment.url.startswith("http://hello.") and ".localhost:" in deployment.url
        assert deployment.workers_dev_url.endswith(".workers.dev/")
        assert deployment.content_digest == worker.content_digest
        assert deployment.deployed_at <= datetime.datetime.now(datetime.timezone.utc)

        evidence = await bpass.verify(deployment, expect_status=200, expect_body_contains="hello agents")
        assert evidence.passed and evidence.status == 200 and evidence.version_id == deployment.version_id
        assert evidence.body_prefix == "hello agents" and evidence.failures == []
        assert [e.version_id for e in bpass.evidence] == [deployment.version_id]
        assert bpass.live_workers == ["hello"]

        ticket = bpass.ticket()
        doc = ticket.to_dict()
        assert doc["schema"] == "boardingpass.claim-ticket/v1" and doc["status"] == "pending"
        assert doc["job_id"] == "job-42" and doc["run_id"] == client.run_id == ticket.run_id
        assert doc["temporary_resource"]["workers"][0]["url"] == deployment.url
        assert doc["claim"]["owner"] == "Ada Lovelace" and "url" not in doc["claim"] and not ticket.includes_claim_url
        assert doc["evidence"][0]["passed"] is True
        assert json.loads(ticket.to_json()) == doc == json.loads(ticket.to_json(indent=2))
        assert ticket.to_json(indent=2).startswith('{\n  "')
        markdown = ticket.to_markdown()
        assert markdown.startswith(f"# Claim ticket: {bpass.account_name} (pending)") and deployment.url in markdown
        owner_copy = bpass.ticket(include_claim_url=True)
        assert owner_copy.includes_claim_url and owner_copy.to_dict()["claim"]["url"] == bpass.claim_url.expose()

        waiter = asyncio.create_task(bpass.wait_for_claim(30))
        await asyncio.sleep(0.3)
        assert not waiter.done()
        assert await asyncio.to_thread(emulator.claim, bpass) == 200
        outcome = await waiter
        assert outcome.status == "claimed" and outcome.confirmed and not outcome.timed_out
        assert outcome.to_dict()["status"] == "claimed"
        assert bpass.ticket(outcome).status == "claimed"

    events = [json.loads(line) for line in audit.read_text().splitlines()]
    kinds = [e["event"] for e in events]
    for kind in ["provisioned", "deploy_finished", "verified", "ticket_issued", "claim_status_changed"]:
        assert kind in kinds, kinds
    assert {e["job_id"] for e in events} == {"job-42"} and {e["run_id"] for e in events} == {client.run_id}


async def test_watch_claim_yields_each_status_change(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        seen = []
        async for outcome in bpass.watch_claim(30):
            seen.append(outcome.status)
            if outcome.status == "pending":
                assert await asyncio.to_thread(emulator.claim, bpass) == 200
        assert seen == ["pending", "claimed"]


async def test_a_project_directory_with_assets_deploys_and_redeploys(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        first = await bpass.deploy(EXAMPLE)
        assert first.worker_name == "hello-worker" and first.assets_total == 4 and first.assets_uploaded == 4
        assert first.assets_digest is not None
        await bpass.verify(first, path="/api/hello", expect_body_contains="hello from a boarding pass")
        page = await bpass.verify(first, path="/", expect_header=("content-type", "text/html"))
        assert page.body_prefix is not None and "<h1>hello-worker</h1>" in page.body_prefix

        changed = bp.Worker.from_path(EXAMPLE).var("GREETING", "second version")
        second = await bpass.deploy(changed, message="greeting changed")
        assert second.redeploy and second.version_id != first.version_id
        assert second.assets_uploaded == 0, "the server already holds every asset"
        await bpass.verify(second, path="/api/hello", expect_body_contains="second version")
        assert [d.version_id for d in bpass.deployments] == [first.version_id, second.version_id]


async def test_modules_and_assets_built_in_code(emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "about.html").write_text("<p>about us</p>")
    worker = (
        bp.Worker("multi")
        .module("index.js", "import { greet } from './lib.js';\nimport note from './note.txt';\n"
                "export default { fetch(r, env) { const u = new URL(r.url);"
                " return u.pathname === '/' ? new Response(greet() + ' ' + note) : env.ASSETS.fetch(r) } }", main=True)
        .module("lib.js", "export function greet() { return 'from a module' }")
        .module("note.txt", b"and a text module")
        .assets(tmp_path / "site", binding="ASSETS")
        .compatibility(date="2026-06-01", flags=["nodejs_compat"])
    )
    assert worker.main_module == "index.js"
    assert worker.modules == [("index.js", "es_module"), ("lib.js", "es_module"), ("note.txt", "text")]
    assert worker.compatibility_flags == ["nodejs_compat"] and worker.assets_directory == tmp_path / "site"
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        deployment = await bpass.deploy(worker)
        assert deployment.assets_total == 1
        await bpass.verify(deployment, expect_body_contains="from a module and a text module")
        await bpass.verify(deployment, path="/about", expect_body_contains="about us")


def test_the_sync_facade_runs_the_same_path(emulator: Emulator, tmp_path: Path) -> None:
    script = tmp_path / "My_Worker.js"
    script.write_text(HELLO)
    with emulator.client() as client:
        bpass = client.provision_sync(owner="Ada Lovelace")
        deployment = bpass.deploy_sync(script)
        assert deployment.worker_name == "my-worker"
        assert bpass.verify_sync(deployment, expect_body_contains="hello world").passed
        assert bpass.ticket().to_dict()["temporary_resource"]["workers"][0]["name"] == "my-worker"
        statuses = []
        for outcome in bpass.watch_claim(30):
            statuses.append(outcome.status)
            if outcome.status == "pending":
                assert emulator.claim(bpass) == 200
        assert statuses == ["pending", "claimed"]
        assert bpass.wait_for_claim_sync(5).status == "claimed"

        # A claimed account belongs to its owner; the next job starts a new pass.
        second = client.provision_sync(owner="Ada Lovelace")
        second.deploy_sync(script)
        second.delete_worker_sync("my-worker")
        assert second.live_workers == []
        assert second.teardown_sync().token_revoked
    assert client.closed


async def test_an_unclaimed_pass_expires(short_lived: Emulator, hello: bp.Worker) -> None:
    async with short_lived.client(expiry_margin=0) as client:
        bpass = await client.provision(owner="Ada Lovelace")
        deployment = await bpass.deploy(hello)
        outcome = await bpass.wait_for_claim(20)
        assert outcome.status == "expired" and outcome.confirmed
        assert bpass.is_expired and bpass.time_left == datetime.timedelta(0)
        with pytest.raises(bp.PassExpiredError, match="provision a new pass"):
            await bpass.deploy(hello)
        with pytest.raises(bp.VerificationError, match="status 404"):
            await bpass.verify(deployment, timeout=0.5)


async def test_teardown_deletes_workers_and_revokes_the_token(emulator: Emulator, hello: bp.Worker) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        await bpass.deploy(hello)
        other = await bpass.deploy(bp.Worker.from_source("other", HELLO))
        await bpass.delete_worker("other")
        assert bpass.live_workers == ["hello"]
        with pytest.raises(bp.VerificationError):
            await bpass.verify(other, timeout=0.5)
        report = await bpass.teardown()
        assert report.deleted_workers == ["hello"] and report.token_revoked and report.revocation_note is None
        assert report.to_dict() == {"deleted_workers": ["hello"], "token_revoked": True, "revocation_note": None}
        assert bpass.is_revoked
        assert (await bpass.wait_for_claim(5)).status == "revoked"
        with pytest.raises(bp.PassRevokedError, match="revoked by teardown"):
            await bpass.deploy(hello)


async def test_verify_refuses_a_deployment_this_pass_did_not_make(emulator: Emulator, hello: bp.Worker, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    async with emulator.client(audit_log=audit) as client:
        bpass = await client.provision(owner="Ada Lovelace")
        other = await client.provision(owner="Ada Lovelace")
        await bpass.deploy(hello)
        theirs = await other.deploy(hello)
        with pytest.raises(bp.InvalidInputError, match="was not deployed with this pass") as refused:
            await bpass.verify(theirs)
        assert refused.value.field == "deployment"
        assert bpass.evidence == []
        with pytest.raises(bp.PolicyViolationError):
            bpass.ticket()
        events = [json.loads(line) for line in audit.read_text().splitlines()]
        failed = [e for e in events if e["event"] == "failed"]
        assert [(e["account_id"], e["details"]["step"], e["details"]["code"]) for e in failed] == [(bpass.account_id, "verify", "invalid_input")]


async def test_a_failed_verification_is_a_failed_event_in_the_audit_log(emulator: Emulator, hello: bp.Worker, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    async with emulator.client(audit_log=audit) as client:
        bpass = await client.provision(owner="Ada Lovelace")
        deployment = await bpass.deploy(hello)
        with pytest.raises(bp.VerificationError):
            await bpass.verify(deployment, expect_status=418, timeout=0.3)
        last = json.loads(audit.read_text().splitlines()[-1])
        assert (last["event"], last["details"]["step"], last["worker"]) == ("failed", "verify", deployment.worker_name)
