"""Value types: Policy from keywords, TOML, JSON and files; the immutable
Worker builder; reprs that read like Python."""

from __future__ import annotations

from pathlib import Path

import pytest

import boardingpass as bp
from conftest import HELLO

TOML = """
allowed_job_classes = ["preview"]
max_deploys_per_pass = 2
worker_name_pattern = "^agent-"
"""


def test_policy_sources_agree(tmp_path: Path) -> None:
    from_keywords = bp.Policy(allowed_job_classes=["preview"], max_deploys_per_pass=2, worker_name_pattern="^agent-")
    (tmp_path / "policy.toml").write_text(TOML)
    (tmp_path / "policy.json").write_text('{"allowed_job_classes": ["preview"], "max_deploys_per_pass": 2, "worker_name_pattern": "^agent-"}')
    assert from_keywords == bp.Policy.from_toml(TOML) == bp.Policy.from_file(tmp_path / "policy.toml")
    assert from_keywords == bp.Policy.from_file(str(tmp_path / "policy.json"))
    assert from_keywords != bp.Policy()
    doc = from_keywords.to_dict()
    assert doc["max_deploys_per_pass"] == 2 and doc["require_claim_owner"] is True and doc["max_worker_size"] is None
    assert repr(from_keywords) == (
        "Policy(allowed_job_classes=['preview'], max_deploys_per_pass=2, require_claim_owner=True, "
        "require_verification=True, worker_name_pattern='^agent-')"
    )
    assert bp.Policy.permissive().to_dict()["require_claim_owner"] is False
    assert bp.Client("http://127.0.0.1:1/client/v4", policy=from_keywords).policy == from_keywords


def test_bad_policies_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(bp.InvalidInputError, match="worker_name_pattern"):
        bp.Policy(worker_name_pattern="(")
    with pytest.raises(bp.InvalidInputError, match="unknown field"):
        bp.Policy.from_toml("max_deploys = 3")
    with pytest.raises(bp.IoError):
        bp.Policy.from_file(tmp_path / "absent.toml")


def test_the_worker_builder_returns_new_workers() -> None:
    base = bp.Worker.from_source("hello", HELLO)
    with_var = base.var("WHO", "you")
    assert base.bindings == [] and with_var.bindings == [("WHO", "plain_text")]
    replaced = with_var.var("WHO", "me").json_var("LIMITS", {"n": [1, 2]})
    assert replaced.bindings == [("WHO", "plain_text"), ("LIMITS", "json")]
    assert base.content_digest == with_var.content_digest, "bindings are not code"
    assert base.main_module == "index.js" and base.modules == [("index.js", "es_module")]
    assert base.script_size == len(HELLO.encode())
    dated = base.compatibility(date="2025-01-01", flags=["nodejs_compat"])
    assert (dated.compatibility_date, dated.compatibility_flags) == ("2025-01-01", ["nodejs_compat"])
    assert base.compatibility_flags == []
    service = bp.Worker.from_source("classic", "addEventListener('fetch', e => e.respondWith(new Response('x')))")
    assert service.modules == [("index.js", "service_worker")]
    assert repr(replaced) == (
        "Worker(name='hello', modules=['index.js'], bindings=['WHO:plain_text', 'LIMITS:json'], assets=None, "
        f"compatibility_date='{base.compatibility_date}')"
    )
    base.validate()
    with pytest.raises(bp.InvalidInputError, match="main module or static assets"):
        bp.Worker("empty").validate()
    with pytest.raises(bp.InvalidInputError, match="pass a kind"):
        bp.Worker("w").module("README", "text")


def test_module_kinds_use_the_names_core_and_the_node_binding_use() -> None:
    w = bp.Worker("kinds").module("index.js", "export default {}").module("legacy.cjs", "module.exports = 1")
    w = w.module("shim", "x", kind="commonjs")
    assert [kind for _, kind in w.modules] == ["es_module", "commonjs", "commonjs"]
    with pytest.raises(bp.InvalidInputError, match="is not one of es_module, commonjs, service_worker"):
        w.module("other", "x", kind="common_js")
