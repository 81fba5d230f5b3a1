"""D1 through the Python API (core's calls, converted): the guestbook
project deployed with its migrations, KV counter and D1 table (POST entries,
GET them, redeploy keeps the data); direct D1 calls with every value type,
rows as lists and dicts, migrations as wrangler records them; SQLite's
refusal as SqlError with nothing kept; and no credential in results,
errors or the ticket."""

from __future__ import annotations

import json
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytest
from conftest import REPO, Emulator

import boardingpass as bp

GUESTBOOK = REPO / "tests" / "fixtures" / "projects" / "7-guestbook"


def call(url: str, path: str, body: Optional[object] = None) -> Tuple[int, Any]:
    """A request to a deployed Worker through the emulator's port, named by its Host header."""
    parts = urllib.parse.urlsplit(url)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{parts.port}{path}", data=data, headers={"host": parts.netloc, "content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def secrets_absent(bpass: bp.BoardingPass, *outputs: str) -> None:
    seen = "\n".join(outputs)
    for secret in (bpass.api_token.expose(), bpass.claim_url.expose()):
        assert secret not in seen


def error_text(e: BaseException) -> str:
    return "".join(traceback.format_exception(type(e), e, e.__traceback__)) + repr(vars(e))


def test_the_guestbook_keeps_its_data_across_a_redeploy(emulator: Emulator) -> None:
    with emulator.client() as client:
        bpass = client.provision_sync(owner="Ada Lovelace")
        worker = bp.Worker.from_path(GUESTBOOK)
        assert ("DB", "d1") in worker.bindings and ("COUNTER", "kv_namespace") in worker.bindings
        first = bpass.deploy_sync(worker)
        assert call(first.url, "/entries", {"name": "Ada", "message": "hello"}) == (201, {"count": 1})
        assert call(first.url, "/entries", {"name": "Grace", "message": "hi"}) == (201, {"count": 2})
        status, listing = call(first.url, "/entries")
        assert status == 200 and listing["count"] == 2
        assert [(e["name"], e["message"], e["likes"]) for e in listing["entries"]] == [("Ada", "hello", 0), ("Grace", "hi", 0)]

        redeployed = bpass.deploy_sync(worker)
        assert redeployed.redeploy
        assert call(redeployed.url, "/entries", {"name": "Linus", "message": "again"}) == (201, {"count": 3})
        assert [e["name"] for e in call(redeployed.url, "/entries")[1]["entries"]] == ["Ada", "Grace", "Linus"]

        # The same data through direct calls: one database and one namespace, created once.
        (db,) = bpass.d1_databases_sync()
        assert db.name == "guestbook" and db.num_tables >= 1
        (ns,) = bpass.kv_namespaces_sync()
        assert bpass.kv_get_sync(ns.id, "posts") == b"3"
        (result,) = bpass.d1_query_sync(db.uuid, "SELECT name FROM entries WHERE likes = ? ORDER BY id", [0])
        assert result.rows == [["Ada"], ["Grace"], ["Linus"]]
        applied = bpass.d1_query_sync(db.uuid, "SELECT name FROM d1_migrations ORDER BY id")[0].rows
        assert applied == [["0001_create.sql"], ["0002_likes.sql"]]
        assert bpass.d1_apply_migrations_sync(db.uuid, GUESTBOOK / "migrations") == [], "already applied"

        bpass.verify_sync(redeployed, path="/entries")
        ticket = bpass.ticket()
        resources = ticket.to_dict()["temporary_resource"]["resources"]
        assert {(r["type"], r["name"], r["id"]) for r in resources} == {("d1_database", "guestbook", db.uuid), ("kv_namespace", ns.title, ns.id)}
        secrets_absent(bpass, json.dumps(ticket.to_dict()), ticket.to_markdown(), repr(result), repr(result.records), json.dumps(result.to_dict()))


def test_a_worker_built_in_code_gets_its_migrations(emulator: Emulator) -> None:
    with emulator.client() as client:
        bpass = client.provision_sync(owner="Ada Lovelace")
        source = "export default { async fetch() { return new Response('ok') } }"
        bare = bp.Worker.from_source("code-guestbook", source)
        with pytest.raises(bp.InvalidInputError, match="not a D1 binding"):
            bpass.deploy_sync(bare.d1_migrations("DB", GUESTBOOK / "migrations"))
        bpass.deploy_sync(bare.d1("DB", "code-guestbook").d1_migrations("DB", GUESTBOOK / "migrations"))
        (db,) = bpass.d1_databases_sync()
        assert bpass.d1_query_sync(db.uuid, "SELECT count(*) FROM entries")[0].rows == [[0]]


async def test_queries_values_migrations_and_sql_errors(emulator: Emulator, tmp_path: Path) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        db = await bpass.create_d1_database("notes")
        assert isinstance(db, bp.D1Database) and db.name == "notes"
        assert [d.uuid for d in await bpass.d1_databases()] == [db.uuid]

        created, inserted = await bpass.d1_query(
            db.uuid,
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, score REAL, data BLOB, extra); "
            "INSERT INTO notes (body, score, data, extra) VALUES (?, ?, ?, ?)",
            ["héllo", 2.5, b"\x00\xff", None],
        )
        assert created.columns == [] and inserted.meta.changes == 1 and inserted.meta.last_row_id == 1
        await bpass.d1_query(db.uuid, "INSERT INTO notes (body, score, data, extra) VALUES (?, ?, ?, ?)", [None, 7, bytearray(b"\x01"), True])
        (result,) = await bpass.d1_query(db.uuid, "SELECT id, body, score, data, extra FROM notes ORDER BY id")
        assert result.columns == ["id", "body", "score", "data", "extra"]
        assert result.rows == [[1, "héllo", 2.5, b"\x00\xff", None], [2, None, 7.0, b"\x01", 1]]
        assert result.records[0] == {"id": 1, "body": "héllo", "score": 2.5, "data": b"\x00\xff", "extra": None}
        assert list(result.records[1]) == result.columns, "dict keys keep column order"
        assert result.meta.rows_read >= 2 and result.meta.duration_ms >= 0

        with pytest.raises(TypeError):
            await bpass.d1_query(db.uuid, "SELECT ?", [object()])
        with pytest.raises(bp.InvalidInputError):
            await bpass.d1_query(db.uuid, "   ")
        with pytest.raises(bp.InvalidInputError):
            await bpass.d1_query("../workers", "SELECT 1")

        # A refused statement: SQLite's message, and the statements before it are not kept.
        with pytest.raises(bp.SqlError) as refused:
            await bpass.d1_query(db.uuid, "INSERT INTO notes (body) VALUES ('kept?'); SELEC 1")
        assert "syntax error" in str(refused.value) and refused.value.code == "sql" and refused.value.migration is None
        (count,) = await bpass.d1_query(db.uuid, "SELECT count(*) AS n FROM notes")
        assert count.records == [{"n": 2}], "the failing call changed nothing"

        migrations = tmp_path / "migrations"
        migrations.mkdir()
        (migrations / "0001_tags.sql").write_text("CREATE TABLE tags (name TEXT PRIMARY KEY);")
        (migrations / "0002_seed.sql").write_text("INSERT INTO tags VALUES ('a'), ('b');")
        assert await bpass.d1_apply_migrations(db.uuid, migrations) == ["0001_tags.sql", "0002_seed.sql"]
        (migrations / "0003_broken.sql").write_text("INSERT INTO nowhere VALUES (1);")
        with pytest.raises(bp.SqlError) as broken:
            await bpass.d1_apply_migrations(db.uuid, str(migrations))
        assert broken.value.migration == "0003_broken.sql" and "no such table" in str(broken.value)
        assert (await bpass.d1_query(db.uuid, "SELECT count(*) FROM tags"))[0].rows == [[2]]

        errors: List[BaseException] = [refused.value, broken.value]
        with pytest.raises(bp.BoardingpassError) as second:
            await bpass.create_d1_database("another")
        errors.append(second.value)
        secrets_absent(bpass, repr(result), repr(result.records), repr(await bpass.d1_databases()), *map(error_text, errors))

        await bpass.delete_d1_database(db.uuid)
        assert await bpass.d1_databases() == []
