"""The API token, the claim URL (and its claim token) and secret binding
values appear in no repr, str, exception text, log record, audit event or
file under a temporary HOME; they come out only through `expose()`."""

from __future__ import annotations

import copy
import json
import logging
import pickle
import tempfile
import traceback
import uuid
from pathlib import Path
from typing import Iterator, List

import pytest

import boardingpass as bp
from conftest import HELLO, Emulator


async def test_credentials_are_secret_objects(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
    token = bpass.api_token
    value = token.expose()
    assert value and token.fingerprint == bpass.token_fingerprint
    for shown in [repr(token), str(token), f"{token}", f"{token:>80}", "%s" % token, repr(bpass), str(bpass)]:
        assert value not in shown and token.fingerprint in shown, shown
    assert repr(token) == f"Secret(api_token, [REDACTED] {token.fingerprint})"
    assert repr(bpass.claim_url).startswith("Secret(claim_url, [REDACTED] sha256:")
    assert bpass.claim_url.expose().startswith(emulator.origin + "/claim-preview?claimToken=")
    for attempt in [lambda: pickle.dumps(token), lambda: copy.copy(token), lambda: copy.deepcopy(token)]:
        with pytest.raises(TypeError, match="expose()") as e:
            attempt()
        assert value not in str(e.value)
    with pytest.raises(TypeError) as e:
        json.dumps({"token": token})
    assert value not in str(e.value)
    with pytest.raises(TypeError):
        pickle.dumps(bpass)
    worker = bp.Worker.from_source("w", HELLO).secret("TOKEN", token).secret("OTHER", "plain-secret-value")
    assert value not in repr(worker) and "plain-secret-value" not in repr(worker)
    assert worker.bindings == [("TOKEN", "secret_text"), ("OTHER", "secret_text")]


def files_under(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


def exception_texts(exc: BaseException) -> List[str]:
    texts = ["".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), repr(exc)]
    link = exc.__cause__
    while link is not None:
        texts.append(repr(link))
        link = link.__cause__
    return texts


async def test_a_full_run_leaks_no_secret(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    home = tmp_path / "home"
    (home / "tmp").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(home / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(home / "tmp"))
    caplog.set_level(logging.DEBUG)
    binding_secret = f"binding-secret-{uuid.uuid4().hex}"
    texts: List[str] = []
    audit_events: List[object] = []

    project = home / "project"
    project.mkdir()
    (project / "index.js").write_text("export default { fetch(r, env) { return new Response('key length ' + env.API_KEY.length) } }")
    async with emulator.client(audit_log=home / "audit.jsonl", on_audit=audit_events.append, job_id="leak-scan", max_attempts=2) as client:
        bpass = await client.provision(owner="Ada Lovelace")
        worker = bp.Worker.from_path(project / "index.js", name="leaky").secret("API_KEY", binding_secret).var("MODE", "demo")
        deployment = await bpass.deploy(worker)
        evidence = await bpass.verify(deployment, expect_body_contains=f"key length {len(binding_secret)}")
        # Storage results: the ticket lists these resources, the audit log their creation.
        db = await bpass.create_d1_database("leaky")
        rows = await bpass.d1_query(db.uuid, "CREATE TABLE t (v); INSERT INTO t VALUES (?); SELECT v FROM t", [len(binding_secret)])
        ns = await bpass.create_kv_namespace("leaky")
        await bpass.kv_put(ns.id, "k", "v")
        texts += [repr(x) for x in [db, rows, rows[-1].records, ns, await bpass.kv_list(ns.id), await bpass.d1_databases()]]
        texts += [json.dumps(r.to_dict()) for r in rows]
        ticket = bpass.ticket()
        texts += [ticket.to_json(indent=2), ticket.to_markdown(), json.dumps(deployment.to_dict()), json.dumps(evidence.to_dict())]
        texts += [repr(x) for x in [client, bpass, worker, deployment, evidence, ticket, bpass.api_token, bpass.claim_url]]

        failures = []
        emulator.fault("leaky", "status", status=429, retry_after=61)
        for failing in [
            bpass.deploy(worker),
            bpass.deploy(worker.var("MODE", "x").compatibility(date="not-a-date")),
            bpass.verify(deployment, expect_body_contains="absent", timeout=0.2),
            bpass.d1_query(db.uuid, "SELEC 1"),
            bpass.d1_apply_migrations(db.uuid, home / "no-migrations"),
            bpass.kv_put(ns.id, "k" * 513, "v"),
        ]:
            with pytest.raises(bp.BoardingpassError) as e:
                await failing
            failures.append(e.value)
        assert {type(f) for f in failures} == {bp.RateLimitedError, bp.InvalidInputError, bp.VerificationError, bp.SqlError, bp.IoError}

        assert emulator.claim(bpass) == 200
        outcome = await bpass.wait_for_claim(10)
        texts += [repr(outcome), json.dumps(outcome.to_dict())]
        with pytest.raises(bp.ApiError) as e:
            await bpass.teardown()  # the claim revoked the token: the refusal must not echo it
        failures.append(e.value)
        secrets = [bpass.api_token.expose(), bpass.claim_url.expose(), bpass.claim_url.expose().split("claimToken=")[1], binding_secret]

    for exc in failures:
        texts += exception_texts(exc)
    texts += [json.dumps(event) for event in audit_events]
    texts += [record.getMessage() for record in caplog.records] + [repr(record.__dict__) for record in caplog.records]
    blobs = [path.read_bytes() for path in files_under(home)]

    assert any(r.name == "boardingpass.provision" for r in caplog.records), "core's log records reach Python logging"
    assert {"provisioned", "deploy_finished", "verified", "ticket_issued"} <= {e["event"] for e in audit_events}  # type: ignore[index]
    assert (home / "audit.jsonl").stat().st_size > 0 and len(blobs) >= 2
    for secret in secrets:
        for text in texts:
            assert secret not in text, f"a secret appears in: {text[:200]}"
        for blob in blobs:
            assert secret.encode() not in blob, "a secret was written under HOME"
