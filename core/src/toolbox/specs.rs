//! The agent tools' names, descriptions and JSON Schemas (input and
//! output), declared once: the MCP server lists them and every framework
//! integration registers them from here, so a model sees the same tool in
//! every host.

use serde_json::{json, Value};

/// One tool as a host registers it.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct ToolSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub input_schema: Value,
    pub output_schema: Value,
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn pass_id() -> Value {
    json!({"type": "string", "description": "The pass handle a provision or deploy result returned."})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

fn nullable(t: &str) -> Value {
    json!({"type": [t, "null"]})
}

fn evidence() -> Value {
    object(
        json!({
            "passed": {"type": "boolean"},
            "url": {"type": "string"},
            "status": nullable("integer"),
            "latency_ms": {"type": "integer"},
            "attempts": {"type": "integer"},
            "body_sha256": nullable("string"),
            "body_prefix": nullable("string"),
            "failures": {"type": "array", "items": {"type": "string"}},
        }),
        &["passed", "url", "status", "latency_ms", "attempts", "body_sha256", "body_prefix", "failures"],
    )
}

fn verify_inputs() -> Value {
    json!({
        "verify_path": {"type": "string", "description": "Path requested on the live URL to check it (default /).", "default": "/"},
        "expect_status": {"type": "integer", "minimum": 100, "maximum": 599, "description": "Expected HTTP status (default: any 2xx/3xx)."},
        "expect_body_contains": {"type": "string", "description": "Text the live page must contain."},
        "verify_timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 300, "default": 30, "description": "How long to keep trying before the check fails."},
    })
}

fn deploy_input(pass_required: bool) -> Value {
    let mut props = json!({
        "pass_id": pass_id(),
        "name": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", "description": "Worker name: lowercase letters, digits, dashes."},
        "files": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "The project as {relative path: file content}: a Worker entry (index.js or src/index.js, an ES module with a default export that has fetch()), optional wrangler.toml, static files. At most 1000 files, 5 MiB each.",
        },
        "main": {"type": "string", "description": "Entry file among `files` when it is not index.js/src/index.js and there is no wrangler config."},
        "path": {"type": "string", "description": "A project directory (or Worker file) on the server's machine, inside the directory the server was allowed; instead of `files`."},
    });
    let extra = verify_inputs();
    props.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
    let required: &[&str] = if pass_required { &["pass_id", "name"] } else { &["name"] };
    object(props, required)
}

fn deploy_output() -> Value {
    object(
        json!({
            "pass_id": {"type": "string"},
            "worker": {"type": "string"},
            "url": {"type": "string", "description": "The live URL."},
            "version_id": {"type": "string"},
            "redeploy": {"type": "boolean"},
            "content_digest": {"type": "string"},
            "assets_uploaded": {"type": "integer"},
            "verified": {"type": "boolean"},
            "evidence": evidence(),
            "expires_at": time(),
            "claim_link": {"type": ["string", "null"], "description": "Where the claim link went, when this call created the account; the link itself is never shown here."},
            "resources": {
                "type": "array",
                "description": "Resources the pass created for the project's bindings (a D1 database, KV namespaces): kept with the account at claim.",
                "items": object(json!({"type": {"type": "string"}, "name": {"type": "string"}, "id": {"type": "string"}, "size": nullable("integer")}), &["type", "name", "id", "size"]),
            },
        }),
        &["pass_id", "worker", "url", "version_id", "redeploy", "content_digest", "assets_uploaded", "verified", "evidence", "expires_at", "claim_link", "resources"],
    )
}

fn status_output() -> Value {
    object(
        json!({
            "status": {"type": "string", "enum": ["pending", "claimed", "expired", "revoked", "claimed_or_revoked"]},
            "confirmed": {"type": "boolean"},
            "timed_out": {"type": "boolean"},
            "observed_at": {"type": "string"},
        }),
        &["status", "confirmed", "timed_out", "observed_at"],
    )
}

/// Every tool, in the order hosts list them.
pub fn tool_specs() -> Vec<ToolSpec> {
    vec![
        ToolSpec {
            name: "provision",
            title: "Provision a temporary Cloudflare account",
            description: "Create a temporary Cloudflare account (60 minutes) to deploy into. Its claim link goes to the human owner, never to you. Returns a pass_id for the other tools. `deploy` without a pass_id provisions by itself.",
            input_schema: object(json!({}), &[]),
            output_schema: object(
                json!({
                    "pass_id": {"type": "string"},
                    "account_id": {"type": "string"},
                    "account_name": {"type": "string"},
                    "expires_at": time(),
                    "claim_link": {"type": "string", "description": "Where the claim link went."},
                }),
                &["pass_id", "account_id", "account_name", "expires_at", "claim_link"],
            ),
        },
        ToolSpec {
            name: "deploy",
            title: "Deploy a Worker to a live URL",
            description: "Deploy a Cloudflare Worker (given inline as files, or a project path) to a temporary account and check that its URL answers. Without pass_id a new account is provisioned first and its claim link is sent to the owner. Returns the live URL and the verification evidence.",
            input_schema: deploy_input(false),
            output_schema: deploy_output(),
        },
        ToolSpec {
            name: "redeploy",
            title: "Deploy a new version",
            description: "Deploy a new version of a Worker (or another Worker) to an account you already hold, then check its URL.",
            input_schema: deploy_input(true),
            output_schema: deploy_output(),
        },
        ToolSpec {
            name: "verify",
            title: "Check a deployed Worker answers",
            description: "Request a deployed Worker's live URL and check the answer (status, text). Returns the evidence.",
            input_schema: {
                let mut props = json!({"pass_id": pass_id(), "worker": {"type": "string", "description": "Name of a Worker deployed with this pass."}});
                props.as_object_mut().expect("object").extend(verify_inputs().as_object().expect("object").clone());
                object(props, &["pass_id", "worker"])
            },
            output_schema: evidence(),
        },
        ToolSpec {
            name: "claim_ticket",
            title: "The claim ticket",
            description: "The claim ticket the owner reads before claiming: account, Workers, evidence, expiry. It never holds the claim link.",
            input_schema: object(json!({"pass_id": pass_id()}), &["pass_id"]),
            output_schema: json!({"type": "object"}),
        },
        ToolSpec {
            name: "claim_status",
            title: "Has the owner claimed the account?",
            description: "The account's current claim status: pending, claimed, expired or revoked.",
            input_schema: object(json!({"pass_id": pass_id()}), &["pass_id"]),
            output_schema: status_output(),
        },
        ToolSpec {
            name: "wait_for_claim",
            title: "Wait for the owner's claim",
            description: "Wait until the owner claims the account, it expires or is revoked, or timeout_seconds pass.",
            input_schema: object(
                json!({"pass_id": pass_id(), "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 3600, "default": 300}}),
                &["pass_id"],
            ),
            output_schema: status_output(),
        },
        ToolSpec {
            name: "teardown",
            title: "Delete what was deployed",
            description: "Delete every Worker deployed with this pass and revoke its token. The pass cannot be used afterwards.",
            input_schema: object(json!({"pass_id": pass_id()}), &["pass_id"]),
            output_schema: object(
                json!({
                    "deleted_workers": {"type": "array", "items": {"type": "string"}},
                    "token_revoked": {"type": "boolean"},
                    "revocation_note": nullable("string"),
                }),
                &["deleted_workers", "token_revoked", "revocation_note"],
            ),
        },
    ]
}
