//! The `boardingpass` binary as a user runs it: flags, outputs, exit codes,
//! files it writes. Against `boardingpass serve` (a child process) or the
//! embedded emulator (`--local`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{json, Value};

#[path = "../../tests/support/mock_cloudflare.rs"]
mod mock_cloudflare;
use mock_cloudflare::{cloudflare, MockServer, Reply, Request};

const BIN: &str = env!("CARGO_BIN_EXE_boardingpass");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn bp() -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(root()).env_remove("CLOUDFLARE_API_BASE_URL").env_remove("BOARDINGPASS_OWNER");
    c
}

/// `boardingpass serve` on a free port, stopped on drop.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(extra: &[&str]) -> Self {
        let mut child = bp()
            .args(["serve", "--pow-k", "20", "--pow-g", "50", "--test-control"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        let base = line.trim().rsplit(' ').next().unwrap().to_string();
        assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/client/v4"), "{line}");
        Self { child, base }
    }
    fn origin(&self) -> &str {
        self.base.trim_end_matches("/client/v4")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Minimal HTTP/1.0 over loopback: (status, body).
fn http(method: &str, url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let u = url.strip_prefix("http://").unwrap();
    let (host, path) = u.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((u, "/".into()));
    let port = host.rsplit(':').next().unwrap();
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: 0\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    s.write_all(format!("{req}\r\n").as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split(' ').nth(1).unwrap().parse().unwrap();
    (status, resp.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default())
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn last_json(stdout: &str) -> Value {
    serde_json::from_str(stdout.lines().last().expect("output")).expect("last line is JSON")
}

#[test]
fn provisioning_without_accepting_the_terms_stops_before_any_request() {
    // Nothing listens on port 1: any request would be a network error instead.
    let o = bp().args(["provision", "--api-base", "http://127.0.0.1:1/client/v4", "--owner", "Ada"]).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("error[terms_not_accepted]") && err.contains("--accept-terms"), "{err}");
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let o = bp().args(["provision", "--api-base", "http://api.example.com/client/v4", "--accept-terms"]).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("error[invalid_input]") && err.contains("use https"), "{err}");
}

#[test]
fn pow_solve_prints_the_shared_vectors() {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(root().join("tests/fixtures/pow-vectors.json")).unwrap()).unwrap();
    let mut checked = 0;
    for v in doc["vectors"].as_array().unwrap().iter().filter(|v| v["checkpoints"].is_string()).take(3) {
        let o = bp()
            .args(["pow", "solve", "--seed", v["seed"].as_str().unwrap(), "--k", &v["k"].to_string(), "--g", &v["g"].to_string()])
            .output()
            .unwrap();
        assert!(o.status.success());
        assert_eq!(text(&o).0.trim(), v["checkpoints"].as_str().unwrap(), "{}", v["name"]);
        checked += 1;
    }
    assert!(checked > 0);
    let o = bp().args(["pow", "solve", "--seed", "AAAA", "--k", "1", "--g", "1"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("error[pow_refused]"), "a short seed is refused: {}", text(&o).1);
}

#[test]
fn provision_hands_the_owner_the_claim_url_and_never_prints_the_token() {
    let server = Server::start(&[]);
    let o = bp().args(["provision", "--api-base", &server.base, "--accept-terms", "--owner", "Ada Lovelace", "--json"]).output().unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v = last_json(&out);
    assert_eq!(v["account_id"].as_str().unwrap().len(), 32);
    assert!(v["token_fingerprint"].as_str().unwrap().starts_with("sha256:"));
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'));
    // The claim URL is the usable result: completing it claims the account.
    let token = v["claim_url"].as_str().unwrap().split("claimToken=").nth(1).expect("a claim URL on stdout").to_string();
    let (status, _) = http("POST", &format!("{}/x-boardingpass/claim", server.origin()), &[("X-Claim-Token", &token)]);
    assert_eq!(status, 200);
    assert!(!out.contains("cfat_") && !err.contains("cfat_") && !err.contains(&token), "a credential reached the wrong stream");
}

fn deploy(server: &Server, path: &str, extra: &[&str]) -> Command {
    let mut c = bp();
    c.args(["deploy", path, "--api-base", &server.base, "--accept-terms", "--owner", "Ada Lovelace", "--json"]).args(extra);
    c
}

#[test]
fn deploy_prints_the_handoff_and_writes_ticket_and_audit_log_without_secrets() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let (ticket, audit) = (dir.path().join("ticket.json"), dir.path().join("audit.jsonl"));
    let o = deploy(&server, "examples/hello-worker", &["--job-id", "job-7", "--ticket", ticket.to_str().unwrap(), "--audit-log", audit.to_str().unwrap()]).output().unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v = last_json(&out);
    for key in ["url", "version_id", "account_id", "expires_at", "claim_url", "evidence", "ticket"] {
        assert!(!v[key].is_null(), "{key} missing from {v}");
    }
    assert_eq!(v["evidence"]["passed"], true);
    let (status, body) = http("GET", v["url"].as_str().unwrap(), &[]);
    assert_eq!(status, 200);
    assert!(body.contains("hello from a boarding pass") || body.contains("<html"), "{body}");

    let claim_url = v["claim_url"].as_str().unwrap();
    let claim_token = claim_url.split("claimToken=").nth(1).unwrap();
    let ticket_text = std::fs::read_to_string(&ticket).unwrap();
    let audit_text = std::fs::read_to_string(&audit).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&ticket_text).unwrap()["job_id"], "job-7");
    assert!(audit_text.lines().all(|l| serde_json::from_str::<Value>(l).unwrap()["job_id"] == "job-7"));
    for (what, t) in [("ticket file", &ticket_text), ("audit log", &audit_text), ("stderr", &err)] {
        assert!(!t.contains(claim_token) && !t.contains("cfat_"), "a credential reached the {what}");
    }
}

#[test]
fn deploy_takes_a_single_worker_file_or_a_directory_of_static_files() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("echo.js");
    std::fs::write(&file, "export default { fetch() { return new Response('from a single file') } }").unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("index.html"), "<h1>static only</h1>").unwrap();
    for (path, expect) in [(file.to_str().unwrap(), "from a single file"), (site.to_str().unwrap(), "static only")] {
        let o = deploy(&server, path, &["--name", "plain-one", "--expect-body", expect]).output().unwrap();
        assert!(o.status.success(), "{path}: {}", text(&o).1);
        let v = last_json(&text(&o).0);
        assert!(http("GET", v["url"].as_str().unwrap(), &[]).1.contains(expect));
    }
}

/// A wrangler.jsonc project with a KV binding and no id: the namespace is
/// created by the deploy, the Worker keeps its count in it, and `--json`'s
/// ticket lists it.
#[test]
fn deploy_honours_kv_namespaces_and_lists_the_resource() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let config = "{ \"name\": \"links\", \"main\": \"index.js\", // a comment\n \"kv_namespaces\": [{ \"binding\": \"LINKS\" }] }";
    std::fs::write(dir.path().join("wrangler.jsonc"), config).unwrap();
    let code = "export default { async fetch(r, env) { const n = Number(await env.LINKS.get('n') ?? '0') + 1; await env.LINKS.put('n', String(n)); return new Response('count ' + n) } }";
    std::fs::write(dir.path().join("index.js"), code).unwrap();
    let o = deploy(&server, dir.path().to_str().unwrap(), &["--expect-body", "count 1"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let v = last_json(&text(&o).0);
    let resources = &v["ticket"]["temporary_resource"]["resources"];
    assert_eq!(resources[0]["type"], "kv_namespace");
    assert_eq!(resources[0]["name"], "links-links");
    assert_eq!(http("GET", v["url"].as_str().unwrap(), &[]).1, "count 2");
}

/// POSTs a JSON body to a Worker through the emulator.
fn post_json(url: &str, path: &str, body: &str) -> (u16, String) {
    let host = url.strip_prefix("http://").unwrap().trim_end_matches('/');
    let port = host.rsplit(':').next().unwrap();
    let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let req = format!("POST {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split(' ').nth(1).unwrap().parse().unwrap();
    (status, resp.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default())
}

/// The guestbook fixture (a D1 database by name with migrations, a KV
/// counter): the deploy creates both, migrates before the Worker goes
/// live, and `--json` lists the resources with their sizes; a migration
/// the database refuses exits 2 naming the file and still lists what the
/// account keeps.
#[test]
fn deploy_honours_d1_databases_and_migrations_and_lists_the_resources() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let project = root().join("tests/fixtures/projects/7-guestbook");
    let o = deploy(&server, project.to_str().unwrap(), &["--verify-path", "/entries", "--expect-body", "\"count\":0"]).arg("--audit-log").arg(&audit).output().unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v = last_json(&out);
    let resources = v["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 2, "{resources:?}");
    assert_eq!((&resources[0]["type"], &resources[0]["name"]), (&json!("d1_database"), &json!("guestbook")));
    assert!(resources[0]["id"].is_string() && resources[0]["size"].as_u64() > Some(0), "{resources:?}");
    assert_eq!((&resources[1]["type"], &resources[1]["name"], &resources[1]["size"]), (&json!("kv_namespace"), &json!("guestbook-counter"), &Value::Null));
    assert_eq!(&v["ticket"]["temporary_resource"]["resources"], &v["resources"]);
    let url = v["url"].as_str().unwrap();
    assert_eq!(post_json(url, "/entries", r#"{"name":"Ada","message":"from the CLI"}"#), (201, r#"{"count":1}"#.to_string()));
    let (status, body) = http("GET", &format!("{}entries", url), &[]);
    assert_eq!(status, 200);
    let listed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listed, json!({"count": 1, "entries": [{"id": 1, "name": "Ada", "message": "from the CLI", "likes": 0}]}));
    let events = audit_events(&audit);
    let migrated: Vec<&Value> = events.iter().filter(|e| e["event"] == "migration_applied").map(|e| &e["details"]["name"]).collect();
    assert_eq!(migrated, [&json!("0001_create.sql"), &json!("0002_likes.sql")]);
    let audit_text = std::fs::read_to_string(&audit).unwrap();
    for (what, t) in [("stdout", &out), ("stderr", &err), ("audit log", &audit_text)] {
        assert!(!t.contains("cfat_"), "the API token reached the {what}");
    }

    let broken = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(broken.path().join("src")).unwrap();
    std::fs::create_dir_all(broken.path().join("migrations")).unwrap();
    for f in ["wrangler.toml", "src/index.js", "migrations/0001_create.sql"] {
        std::fs::copy(project.join(f), broken.path().join(f)).unwrap();
    }
    std::fs::write(broken.path().join("migrations/0002_typo.sql"), "ALTER TABLE entrys ADD COLUMN likes INTEGER;").unwrap();
    let o = deploy(&server, broken.path().to_str().unwrap(), &[]).output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("error[sql]") && err.contains("0002_typo.sql") && err.contains("no such table: entrys"), "{err}");
    let v = last_json(&out);
    assert_eq!(v["error"]["code"], "sql");
    let kinds: Vec<&Value> = v["resources"].as_array().unwrap().iter().map(|r| &r["type"]).collect();
    assert_eq!(kinds, [&json!("d1_database")], "the database the failed deploy created is listed; the namespace was never made");
}

#[test]
fn wait_claim_exits_0_when_claimed_and_prints_the_status_last() {
    let server = Server::start(&[]);
    let mut child = deploy(&server, "examples/hello-worker", &["--wait-claim", "--timeout", "30"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let handoff: Value = serde_json::from_str(&first).unwrap();
    let token = handoff["claim_url"].as_str().unwrap().split("claimToken=").nth(1).unwrap().to_string();
    let (status, _) = http("POST", &format!("{}/x-boardingpass/claim", server.origin()), &[("X-Claim-Token", &token)]);
    assert_eq!(status, 200);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let v = last_json(&rest);
    assert_eq!(v["status"], "claimed");
    assert_eq!(v["confirmed"], true);
}

#[test]
fn wait_claim_has_distinct_exit_codes_for_timeout_and_expiry() {
    let server = Server::start(&[]);
    let o = deploy(&server, "examples/hello-worker", &["--wait-claim", "--timeout", "1"]).output().unwrap();
    assert_eq!(o.status.code(), Some(12), "{}", text(&o).1);
    assert_eq!(last_json(&text(&o).0)["status"], "timeout");

    // Long enough to outlast the client's 5 s expiry margin while deploying.
    let short = Server::start(&["--lifetime", "9"]);
    let o = deploy(&short, "examples/hello-worker", &["--wait-claim", "--timeout", "30"]).output().unwrap();
    assert_eq!(o.status.code(), Some(10), "{}", text(&o).1);
    let v = last_json(&text(&o).0);
    assert_eq!((v["status"].as_str(), v["confirmed"].as_bool()), (Some("expired"), Some(true)));
}

#[test]
fn a_policy_file_is_enforced_and_every_broken_rule_is_named() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "worker_name_pattern = \"^agent-[a-z]+$\"\nallowed_binding_types = [\"plain_text\"]\n").unwrap();
    let o = deploy(&server, "examples/hello-worker", &["--policy", policy.to_str().unwrap()]).output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(out.is_empty(), "nothing handed off: {out}");
    assert!(err.contains("error[policy_violation]") && err.contains("[worker_name_pattern]") && err.contains("[allowed_binding_types]"), "{err}");

    let o = bp().args(["deploy", "examples/hello-worker", "--api-base", &server.base, "--accept-terms"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("[require_claim_owner]"), "the default policy wants a named owner: {}", text(&o).1);
}

/// A hostile API: `broken` answers what it wants to, the rest is Cloudflare's happy path.
fn hostile(broken: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static) -> MockServer {
    let origin = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let o = origin.clone();
    let server = MockServer::start(move |req| broken(req).unwrap_or_else(|| cloudflare(req, &o.lock().unwrap())));
    *origin.lock().unwrap() = server.origin();
    server
}

fn single_file_worker() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.js");
    std::fs::write(&file, "export default { fetch() { return new Response('hi') } }").unwrap();
    (dir, file)
}

#[test]
fn wait_claim_does_not_trust_a_claim_answer_redirected_to_another_origin() {
    let other = MockServer::start(|_| Reply::ok(json!({"status": "claimed", "changed_at": null})));
    let to = format!("{}/client/v4/x-boardingpass/claim-status", other.origin());
    let server = hostile(move |req| (req.path() == "/client/v4/x-boardingpass/claim-status").then(|| Reply::redirect(307, &to)));
    let (_dir, file) = single_file_worker();
    let o = bp()
        .args(["deploy", file.to_str().unwrap(), "--name", "hello", "--api-base", &server.base(), "--accept-terms", "--owner", "Ada Lovelace"])
        .args(["--json", "--wait-claim", "--timeout", "10"])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("error[protocol]") && err.contains(&other.origin()), "{err}");
    assert!(!out.contains("\"claimed\""), "{out}");
    assert!(other.requests().is_empty(), "the claim token went to {:?}", other.requests());
}

#[test]
fn server_text_reaches_the_terminal_without_escape_sequences() {
    let server = hostile(|req| {
        req.path().ends_with("/challenge").then(|| Reply::err(400, 1000, "\u{1b}[2J\u{1b}[HClaim URL: https://evil.example\u{1b}]0;owned\u{7}"))
    });
    let (_dir, file) = single_file_worker();
    let o = bp().args(["deploy", file.to_str().unwrap(), "--api-base", &server.base(), "--accept-terms", "--owner", "Ada"]).output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("Claim URL: https://evil.example"), "the message is kept: {err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}') && !out.contains('\u{1b}'), "{err:?}");
}

#[test]
fn a_verify_path_on_another_origin_is_refused_before_anything_is_provisioned() {
    let server = hostile(|_| None);
    let (_dir, file) = single_file_worker();
    for path in ["https://evil.example/", "//evil.example/"] {
        let o = bp()
            .args(["deploy", file.to_str().unwrap(), "--api-base", &server.base(), "--accept-terms", "--owner", "Ada", "--verify-path", path])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{path}: {}", text(&o).1);
        assert!(text(&o).1.contains("verify path"), "{}", text(&o).1);
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

fn write(path: &Path, text: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn audit_events(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn typescript_projects_are_bundled_and_code_that_does_not_bundle_stops_before_provisioning() {
    let server = Server::start(&[]);
    let o = deploy(&server, "tests/fixtures/projects/1-ts-hello", &["--expect-body", "Hello World from TypeScript!"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let ticket = &last_json(&text(&o).0)["ticket"]["temporary_resource"]["workers"][0];
    assert_eq!(ticket["bundled_packages"], serde_json::json!([]), "{ticket}");

    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let o = deploy(&server, "tests/fixtures/projects/6-bad/syntax-error", &[]).arg("--audit-log").arg(&audit).output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("error[bundle]: cannot bundle src/index.ts:3:30: Unexpected \";\""), "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(audit_events(&audit).iter().all(|e| e["event"] != "provisioned"));
}

#[test]
fn a_bad_project_fails_before_any_account_is_created() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let p = |rel: &str| dir.path().join(rel);
    write(&p("date/wrangler.toml"), b"name = \"dated\"\ncompatibility_date = \"2026-13-45\"\n[assets]\ndirectory = \"public\"\n");
    write(&p("date/public/index.html"), b"<h1>x</h1>");
    write(&p("big/index.html"), b"<h1>x</h1>");
    write(&p("big/video.bin"), &vec![0u8; 6 * 1024 * 1024]);
    for i in 0..1_001 {
        write(&p(&format!("many/d{}/f{i}.txt", i % 10)), b"x");
    }
    write(&p("worker-js/index.html"), b"<h1>x</h1>");
    write(&p("worker-js/_worker.js"), b"export default {}");
    write(&p("outside.js"), b"export default {}");
    write(&p("escape/wrangler.toml"), b"name = \"escape\"\nmain = \"../outside.js\"\n");
    write(&p("d1/wrangler.toml"), b"name = \"todo\"\nmain = \"index.js\"\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_id = \"../other-account/db\"\n");
    write(&p("d1/index.js"), b"export default { fetch(r, env) { return env.DB.prepare('select 1').all() } }");
    write(&p("queue/wrangler.jsonc"), b"{ \"name\": \"jobs\", \"main\": \"index.js\", // a comment\n \"queues\": { \"producers\": [{ \"binding\": \"JOBS\", \"queue\": \"jobs\" }] } }");
    write(&p("queue/index.js"), b"export default { fetch(r, env) { return env.JOBS.send('x') } }");
    let missing_dir_ticket = p("no-such-dir/ticket.json");
    let cases: [(&str, &Path, Vec<&str>, &str); 9] = [
        ("bad name", Path::new("examples/hello-worker"), vec!["--name", "Bad_Name"], "worker name"),
        ("bad date", &p("date"), vec![], "compatibility_date"),
        ("6 MiB asset", &p("big"), vec![], "asset size"),
        ("1,001 files", &p("many"), vec![], "asset count"),
        ("_worker.js", &p("worker-js"), vec![], "_worker.js"),
        ("main outside", &p("escape"), vec![], "main"),
        ("ticket dir", Path::new("examples/hello-worker"), vec!["--ticket", missing_dir_ticket.to_str().unwrap()], "--ticket"),
        ("a D1 binding to a malformed id", &p("d1"), vec![], "database_id"),
        ("a Queues binding", &p("queue"), vec![], "queues"),
    ];
    for (i, (what, project, extra, named)) in cases.into_iter().enumerate() {
        let audit = p(&format!("audit-{i}.jsonl"));
        let o = deploy(&server, project.to_str().unwrap(), &extra).arg("--audit-log").arg(&audit).output().unwrap();
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains("error[invalid_input]") && err.contains(named), "{what}: {err}");
        assert!(out.is_empty(), "{what}: nothing to hand off, yet: {out}");
        let events = audit_events(&audit);
        assert!(events.iter().all(|e| e["event"] != "provisioned"), "{what}: an account was created: {events:?}");
    }
    assert!(!missing_dir_ticket.parent().unwrap().exists());
}

#[test]
fn a_failure_after_provisioning_still_prints_the_claim_url_and_is_audited() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let o = deploy(&server, "examples/hello-worker", &["--expect-body", "text the page does not have", "--verify-timeout", "1"])
        .arg("--audit-log")
        .arg(&audit)
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error[verification]"), "{err}");
    let v = last_json(&out);
    assert_eq!(v["error"]["code"], "verification");
    let token = v["claim_url"].as_str().unwrap().split("claimToken=").nth(1).expect("the claim URL reaches its owner").to_string();
    let audit_text = std::fs::read_to_string(&audit).unwrap();
    for (what, t) in [("stderr", &err), ("audit log", &audit_text)] {
        assert!(!t.contains(&token), "the claim URL reached the {what}; it goes to stdout only");
    }
    for (what, t) in [("stdout", &out), ("stderr", &err), ("audit log", &audit_text)] {
        assert!(!t.contains("cfat_"), "the API token reached the {what}");
    }
    let events = audit_events(&audit);
    let last = events.last().unwrap();
    assert_eq!((last["event"].as_str(), last["details"]["step"].as_str()), (Some("failed"), Some("verify")), "{events:?}");
    // The account is still the owner's to claim.
    let (status, _) = http("POST", &format!("{}/x-boardingpass/claim", server.origin()), &[("X-Claim-Token", &token)]);
    assert_eq!(status, 200);

    // Text mode says the same to a human.
    let o = deploy(&server, "examples/hello-worker", &["--expect-body", "text the page does not have", "--verify-timeout", "1"]);
    let o = Command::new(o.get_program()).args(o.get_args().filter(|a| *a != "--json")).current_dir(root()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).0.contains("Claim URL  ") && text(&o).0.contains("claimToken="), "{}", text(&o).0);
}

#[test]
fn deploy_publishes_no_dotfile_and_no_unimported_module() {
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("wrangler.toml"), b"name = \"private-bits\"\nmain = \"src/index.js\"\n[assets]\ndirectory = \"public\"\n");
    // Loads any uploaded module by a computed name, so the test sees what was sent.
    write(
        &root.join("src/index.js"),
        b"import data from './data.json';\nexport default { async fetch(req) {\n\
          const name = new URL(req.url).searchParams.get('m');\n\
          try { const m = await import('./' + name); return new Response(JSON.stringify(m.default)); }\n\
          catch (e) { return new Response('absent', { status: 404 }); } } }\n",
    );
    write(&root.join("src/credentials.json"), b"{\"token\": \"cred-secret\"}");
    write(&root.join("src/data.json"), b"{\"imported\": true}");
    write(&root.join("public/index.html"), b"<h1>public</h1>");
    write(&root.join("public/.env"), b"API_KEY=dotenv-secret");
    write(&root.join("public/.git/config"), b"[core] secret");
    let o = deploy(&server, root.to_str().unwrap(), &[]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let url = last_json(&text(&o).0)["url"].as_str().unwrap().to_string();
    assert!(http("GET", &url, &[]).1.contains("<h1>public</h1>"));
    assert_eq!(http("GET", &format!("{url}api?m=data.json"), &[]), (200, "{\"imported\":true}".into()), "the probe sees uploaded modules");
    for path in [".env", ".git/config", "api?m=credentials.json"] {
        let (status, body) = http("GET", &format!("{url}{path}"), &[]);
        assert_eq!(status, 404, "{path} was published: {body}");
    }
}

#[test]
fn progress_is_plain_lines_off_a_terminal_and_absent_with_json() {
    let server = Server::start(&[]);
    let mut plain = bp();
    plain.args(["deploy", "examples/hello-worker", "--api-base", &server.base, "--accept-terms", "--owner", "Ada Lovelace"]);
    let o = plain.output().unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    for line in ["proof of work ... (0/20 checkpoints)", "proof of work done (20/20 checkpoints)", "create account done", "upload script done"] {
        assert!(err.lines().any(|l| l == line), "{line:?} not in stderr:\n{err}");
    }
    assert!(!out.contains("proof of work"), "progress stays off stdout");
    let token = out.split("claimToken=").nth(1).unwrap().split_whitespace().next().unwrap();
    assert!(!err.contains(token) && !err.contains("cfat_"), "no credential in the progress lines");

    let o = deploy(&server, "examples/hello-worker", &[]).output().unwrap();
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("proof of work") && !err.contains(" done"), "--json prints no progress: {err}");
}

#[test]
fn version_help_examples_and_completions() {
    let o = bp().arg("--version").output().unwrap();
    assert_eq!(text(&o).0.trim(), format!("boardingpass {}", env!("CARGO_PKG_VERSION")));
    let help = text(&bp().arg("--help").output().unwrap()).0;
    assert!(help.contains("Examples:") && help.contains("boardingpass deploy ./my-worker"), "{help}");
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef boardingpass"), ("fish", "complete -c boardingpass")] {
        let o = bp().args(["completions", shell]).output().unwrap();
        let script = text(&o).0;
        assert!(o.status.success() && script.contains(marker) && script.contains("deploy"), "{shell}: {script}");
    }
    assert!(!bp().args(["completions", "tcsh"]).output().unwrap().status.success());
}

#[test]
fn no_color_turns_colours_off() {
    let coloured = bp().arg("--help").env("CLICOLOR_FORCE", "1").env_remove("NO_COLOR").output().unwrap();
    assert!(text(&coloured).0.contains('\u{1b}'), "CLICOLOR_FORCE colours the help");
    let plain = bp().arg("--help").env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").output().unwrap();
    assert!(!text(&plain).0.contains('\u{1b}'), "NO_COLOR wins");
}
