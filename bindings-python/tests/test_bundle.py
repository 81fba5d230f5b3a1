"""Bundling (issue 13) from Python: a TypeScript + hono + TSX project
deploys through ``deploy(path)``, a TypeScript source is type-stripped, and
a project that cannot be bundled raises ``BundleError`` with its location."""

from __future__ import annotations

from typing import List

import pytest

import boardingpass as bp

from conftest import REPO, Emulator

PROJECTS = REPO / "tests" / "fixtures" / "projects"


async def test_a_hono_tsx_project_deploys_by_path(emulator: Emulator) -> None:
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        phases: List[str] = []
        deployment = await bpass.deploy(PROJECTS / "2-hono-tsx", progress=lambda e: phases.append(e.phase))
        assert deployment.worker_name == "hono-tsx"
        assert phases.count("bundle") == 2 and phases.index("bundle") < phases.index("upload_script"), phases
        await bpass.verify(deployment, path="/api/items", expect_body_contains='"total":2')
        await bpass.verify(deployment, path="/hello/python", expect_body_contains="Hello, python!")
        page = await bpass.verify(deployment, path="/page", expect_header=("content-type", "text/html"))
        assert page.body_prefix is not None and "<li>tsx</li>" in page.body_prefix
        entry = bpass.ticket().to_dict()["temporary_resource"]["workers"][0]
        assert entry["bundled_packages"] == ["hono@4.13.19"]
        assert str(entry["bundle_digest"]).startswith("sha256:")


async def test_typescript_from_source_is_type_stripped(emulator: Emulator) -> None:
    source = "const n: number = 42;\nexport default { fetch(): Response { return new Response(`n=${n}`) } }\n"
    phases: List[str] = []
    async with emulator.client() as client:
        bpass = await client.provision(owner="Ada Lovelace")
        deployment = await bpass.deploy(bp.Worker.from_source("ts-py", source, file_name="index.ts"), progress=lambda e: phases.append(e.phase))
        await bpass.verify(deployment, expect_body_contains="n=42")
    assert "bundle" in phases


def test_a_syntax_error_is_a_located_bundle_error() -> None:
    with pytest.raises(bp.BundleError) as caught:
        bp.Worker.from_path(PROJECTS / "6-bad" / "syntax-error")
    e = caught.value
    assert e.code == "bundle" and isinstance(e, bp.BoardingpassError)
    assert (e.file, e.line, e.column) == ("src/index.ts", 3, 30)
    assert "fix the syntax" in str(e)
