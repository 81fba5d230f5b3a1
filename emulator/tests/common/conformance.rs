//! Every answer an emulator test sees is checked against the project's
//! schemas of Cloudflare's API (tests/fixtures/api-schemas/workers-api.json):
//! an answer of status 400 or more is an error envelope, any other answers a
//! known operation with its result's shape. A drift fails the test.

use std::ops::Deref;
use std::path::Path;
use std::sync::OnceLock;

use boardingpass_emulator::{spawn, EmulatorConfig, EmulatorHandle, API_PREFIX};
use jsonschema::Validator;
use serde_json::{json, Value};

struct Operation {
    key: String,
    method: String,
    path: regex::Regex,
    result: Option<Validator>,
    request: Option<Validator>,
    /// Answers that are not JSON: the content type they start with.
    content: Option<String>,
    errors: Validator,
}

fn compile(defs: &Value, schema: Value) -> Validator {
    let doc = json!({"$defs": defs, "allOf": [schema]});
    jsonschema::options().should_validate_formats(true).build(&doc).unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

struct Schemas {
    operations: Vec<Operation>,
    /// Answers to paths no operation has (404 and the like).
    errors: Validator,
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/api-schemas/workers-api.json");
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("schema fixture")).expect("schema fixture is JSON");
        let defs = &doc["$defs"];
        let template = regex::Regex::new(r"\{[a-z_]+\}").unwrap();
        let operations = doc["operations"]
            .as_object()
            .expect("operations")
            .iter()
            .map(|(key, op)| {
                let (method, path) = key.split_once(' ').expect("METHOD /path");
                let pattern = format!("^{}$", template.replace_all(&regex::escape(path).replace(r"\{", "{").replace(r"\}", "}"), "[^/]+"));
                let errors = op["errors"].as_str().unwrap_or("error_envelope");
                Operation {
                    key: key.clone(),
                    method: method.to_string(),
                    path: regex::Regex::new(&pattern).unwrap(),
                    result: op.get("result").map(|r| compile(defs, json!({"allOf": [{"$ref": "#/$defs/success_envelope"}, {"properties": {"result": r}}]}))),
                    request: op.get("request").map(|r| compile(defs, r.clone())),
                    content: op["content"].as_str().map(str::to_string),
                    errors: compile(defs, json!({"$ref": format!("#/$defs/{errors}")})),
                }
            })
            .collect();
        Schemas { operations, errors: compile(defs, json!({"$ref": "#/$defs/error_envelope"})) }
    })
}

fn operation(method: &str, path: &str) -> Option<&'static Operation> {
    schemas().operations.iter().find(|o| o.method == method && o.path.is_match(path))
}

fn violations(v: &Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// What is wrong with one answer, if anything.
pub fn check_answer(r: &boardingpass_emulator::state::RecordedRequest) -> Option<String> {
    let path = r.path.strip_prefix(API_PREFIX).unwrap_or(&r.path);
    let op = operation(&r.method, path);
    let what = format!("{} {} → {}", r.method, r.path, r.status);
    if r.status >= 400 {
        let Some(body) = &r.response else { return Some(format!("{what}: the error is not JSON ({:?})", r.content_type)) };
        let errors = op.map_or(&schemas().errors, |o| &o.errors);
        let wrong = violations(errors, body);
        return (!wrong.is_empty()).then(|| format!("{what}: not an error envelope: {wrong:?} in {body}"));
    }
    let Some(op) = op else { return Some(format!("{what}: no schema for this operation")) };
    match (&op.content, &op.result, &r.response) {
        (Some(prefix), _, _) => (!r.content_type.as_deref().unwrap_or_default().starts_with(prefix.as_str())).then(|| format!("{what}: content type {:?}, the schema says {prefix}", r.content_type)),
        (None, Some(schema), Some(body)) => {
            let wrong = violations(schema, body);
            (!wrong.is_empty()).then(|| format!("{what} ({}): {wrong:?}\n  in {body}", op.key))
        }
        _ => Some(format!("{what}: the answer is not JSON ({:?})", r.content_type)),
    }
}

/// Panics listing every recorded answer that does not conform.
pub fn assert_conforms(emu: &EmulatorHandle) {
    let recorded = emu.requests();
    let wrong: Vec<String> = recorded.iter().filter_map(check_answer).collect();
    assert!(wrong.is_empty(), "{} of {} emulator answers do not match tests/fixtures/api-schemas:\n{}", wrong.len(), recorded.len(), wrong.join("\n"));
}

/// Panics when a JSON request body a test sends does not match the
/// operation's request schema (the tests speak the API as specified).
pub fn assert_request_conforms(method: &str, path: &str, body: &Value) {
    let op = operation(method, path).unwrap_or_else(|| panic!("no schema for {method} {path}"));
    if let Some(schema) = &op.request {
        let wrong = violations(schema, body);
        assert!(wrong.is_empty(), "the test's {method} {path} body does not match the spec: {wrong:?}");
    }
}

/// An emulator whose answers are recorded and checked: when the test
/// clears the record, and when it ends (unless it already failed).
pub struct Checked(EmulatorHandle);

impl Checked {
    pub fn clear_requests(&self) {
        assert_conforms(&self.0);
        self.0.clear_requests();
    }
}

impl Deref for Checked {
    type Target = EmulatorHandle;
    fn deref(&self) -> &EmulatorHandle {
        &self.0
    }
}

impl Drop for Checked {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_conforms(&self.0);
        }
    }
}

/// A checked emulator with an easy proof of work (k=50, g=200).
pub async fn spawn_fast() -> Checked {
    spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, ..EmulatorConfig::default() }).await
}

pub async fn spawn_checked(config: EmulatorConfig) -> Checked {
    Checked(spawn(EmulatorConfig { record_responses: true, ..config }).await.expect("emulator starts"))
}
