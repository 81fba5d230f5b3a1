"""Every error class exists as `tests/fixtures/error-kinds.json` says, and
each is raised by a real failure, with its facts, its Rust cause chain, and
a round trip through pickle."""

from __future__ import annotations

import asyncio
import builtins
import json
import pickle
import socket
from pathlib import Path
from typing import Callable, Dict, List

import pytest

import boardingpass as bp
import boardingpass.errors
from conftest import HELLO, REPO, Emulator

FIXTURE = json.loads((REPO / "tests" / "fixtures" / "error-kinds.json").read_text())
RAISED: Dict[str, bp.BoardingpassError] = {}


def record(exc: pytest.ExceptionInfo[bp.BoardingpassError]) -> bp.BoardingpassError:
    RAISED[exc.value.code] = exc.value
    return exc.value


def test_every_kind_in_the_fixture_has_its_class() -> None:
    assert FIXTURE["base"] == "BoardingpassError" and bp.BoardingpassError is boardingpass.errors.BoardingpassError
    for kind in FIXTURE["kinds"]:
        cls = getattr(bp, kind["class"])
        assert cls is getattr(boardingpass.errors, kind["class"])
        assert issubclass(cls, bp.BoardingpassError) and cls is not bp.BoardingpassError
        assert cls.code == kind["code"]
        exc = cls("message")
        for attr in ["status", "retry_after", "request_id", "api_code"]:
            assert getattr(exc, attr) is None
    assert len({k["class"] for k in FIXTURE["kinds"]}) == len(FIXTURE["kinds"])
    assert issubclass(bp.TimeoutError, builtins.TimeoutError)
    assert issubclass(bp.InvalidInputError, ValueError) and issubclass(bp.IoError, OSError)
    assert not issubclass(bp.CancelledError, asyncio.CancelledError)


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_bad_input_is_refused_before_anything_is_sent(emulator: Emulator) -> None:
    with pytest.raises(bp.InvalidInputError, match="unencrypted, use https") as e:
        bp.Client("http://api.example.com/client/v4")
    assert e.value.field == "api_base"
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        with pytest.raises(bp.InvalidInputError, match="lowercase letters") as e:
            await bpass.deploy(bp.Worker.from_source("Not A Name", HELLO))
        assert record(e).field == "worker name" and isinstance(e.value, ValueError)
    with pytest.raises(bp.InvalidInputError, match="not one of"):
        bp.Worker("w").module("x.js", "", kind="cobol")  # type: ignore[arg-type]
    with pytest.raises(bp.InvalidInputError, match="not JSON"):
        bp.Worker("w").json_var("X", {1, 2})  # type: ignore[arg-type]
    with pytest.raises(bp.InvalidInputError, match="NaN"):
        bp.Worker("w").json_var("X", float("nan"))
    with pytest.raises(bp.InvalidInputError, match="seconds"):
        bp.Client(emulator.base, timeout=-1)


async def test_terms_and_policy_refusals(emulator: Emulator, hello: bp.Worker) -> None:
    async with bp.Client(emulator.base) as client:
        with pytest.raises(bp.TermsNotAcceptedError, match="accept_terms") as e:
            await client.provision(owner="Ada Lovelace")
        record(e)
    policy = bp.Policy(max_deploys_per_pass=1, worker_name_pattern="^agent-", allowed_job_classes=["preview"])
    async with emulator.client(policy=policy, job_class="preview") as client:
        assert client.job_class == "preview" and client.policy == policy
        with pytest.raises(bp.PolicyViolationError) as e:
            await client.provision()
        assert record(e).violations == [("require_claim_owner", "name the person who will own the claim link (owner)")]
        bpass = await client.provision(owner="Ada Lovelace")
        with pytest.raises(bp.PolicyViolationError) as e:
            await bpass.deploy(hello)
        assert [rule for rule, _ in e.value.violations] == ["worker_name_pattern"]
        deployment = await bpass.deploy(bp.Worker.from_source("agent-one", HELLO))
        with pytest.raises(bp.PolicyViolationError, match="require_verification"):
            bpass.ticket()
        with pytest.raises(bp.PolicyViolationError, match="max_deploys_per_pass"):
            await bpass.deploy(bp.Worker.from_source("agent-two", HELLO))
        await bpass.verify(deployment)
        assert bpass.ticket().status == "pending"


async def test_http_failures_carry_status_retry_after_and_request_id(emulator: Emulator, hello: bp.Worker) -> None:
    async with emulator.client(max_attempts=1) as client:
        emulator.fault("previews/challenge", "status", status=429, retry_after=61)
        with pytest.raises(bp.RateLimitedError, match="retry after 61s") as e:
            await client.provision(owner="Ada Lovelace")
        limited = record(e)
        assert (limited.status, limited.retry_after, limited.api_code) == (429, 61.0, 429)
        assert limited.request_id is not None and limited.request_id.endswith("-EMU")

        emulator.fault("provisioning/previews", "malformed_json")
        with pytest.raises(bp.ProtocolError, match="not a JSON envelope") as e:
            await client.provision(owner="Ada Lovelace")
        record(e)

        bpass = await client.provision(owner="Ada Lovelace")
        emulator.fault("workers/scripts/hello", "status", status=400)
        with pytest.raises(bp.ApiError, match="injected fault") as e:
            await bpass.deploy(hello)
        assert (record(e).status, e.value.api_code) == (400, 400) and e.value.request_id is not None

        emulator.fault("previews/challenge", "delay", delay_ms=3000)
        async with emulator.client(max_attempts=1, timeout=0.3) as impatient:
            with pytest.raises(bp.TimeoutError, match="did not answer within 0.3s") as e:
                await impatient.provision(owner="Ada Lovelace")
            assert isinstance(record(e), builtins.TimeoutError)

    async with bp.Client(f"http://127.0.0.1:{unused_port()}/client/v4", accept_terms=True, max_attempts=1) as offline:
        with pytest.raises(bp.NetworkError, match="check that the API base URL is reachable") as e:
            await offline.provision(owner="Ada Lovelace")
        chain = causes(record(e))
        assert chain[0].startswith("Network {") and len(chain) >= 2, chain


async def test_local_failures(emulator: Emulator, short_lived: Emulator, hello: bp.Worker, tmp_path: Path) -> None:
    async with emulator.client(pow_work_cap=10) as capped:
        with pytest.raises(bp.PowRefusedError, match="refused") as e:
            await capped.provision(owner="Ada Lovelace")
        record(e)
    with pytest.raises(bp.IoError) as e:
        bp.Worker.from_path(tmp_path / "missing.js")
    assert isinstance(record(e), OSError) and "missing.js" in str(e.value)
    with pytest.raises(bp.BundleError, match="fix the syntax") as e:
        bp.Worker.from_path(REPO / "tests" / "fixtures" / "projects" / "6-bad" / "syntax-error")
    assert record(e).file == "src/index.ts"
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        deployment = await bpass.deploy(hello)
        with pytest.raises(bp.VerificationError, match="does not contain") as e:
            await bpass.verify(deployment, expect_body_contains="goodbye", timeout=0.3)
        record(e)
        await bpass.teardown()
        with pytest.raises(bp.PassRevokedError, match="revoked by teardown") as e:
            await bpass.deploy(hello)
        record(e)
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        project = bp.Worker.from_path(REPO / "tests" / "fixtures" / "projects" / "6-bad" / "bad-migration")
        with pytest.raises(bp.SqlError, match="syntax error") as e:
            await bpass.deploy(project)
        assert record(e).migration == "0001_broken.sql" and "0001_broken.sql" in str(e.value)
        assert bpass.live_workers == []
    # A 3-second pass is inside the 30-minute margin from the start.
    async with short_lived.client(expiry_margin=30 * 60) as client:
        bpass = await client.provision(owner="Ada Lovelace")
        with pytest.raises(bp.PassExpiredError, match="provision a new pass") as e:
            await bpass.deploy(hello)
        record(e)


async def test_a_refused_statement_is_the_sql_kind(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        db = await bpass.create_d1_database("errors")
        with pytest.raises(bp.SqlError, match="syntax error") as e:
            await bpass.d1_query(db.uuid, "SELEC 1")
        record(e)
        assert e.value.migration is None and causes(e.value)[0].startswith("Sql {")


async def test_closing_the_client_cancels_what_runs(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        waiting = asyncio.ensure_future(bpass.wait_for_claim(600))
        await asyncio.sleep(0.3)
        assert not waiting.done()
    with pytest.raises(bp.CancelledError) as e:
        await waiting
    record(e)
    assert client.closed
    with pytest.raises(bp.CancelledError):
        await client.provision(owner="Ada Lovelace")


def causes(exc: BaseException) -> List[str]:
    out = []
    link = exc.__cause__
    while link is not None:
        assert isinstance(link, bp.RustCause)
        out.append(str(link))
        link = link.__cause__
    return out


@pytest.mark.parametrize("kind", [k["code"] for k in FIXTURE["kinds"]])
def test_each_raised_error_has_its_rust_cause_and_pickles(kind: str) -> None:
    """Runs after the tests above (file order): each kind was raised for real."""
    exc = RAISED.get(kind)
    assert exc is not None, f"no test raised {kind}"
    assert type(exc).code == kind and str(exc) == exc.args[0]
    assert causes(exc), "the Rust error is chained as __cause__"
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is type(exc) and str(again) == str(exc)
    same: Callable[[str], bool] = lambda a: getattr(again, a) == getattr(exc, a)
    assert all(same(a) for a in ["status", "retry_after", "request_id", "api_code", "code"])
