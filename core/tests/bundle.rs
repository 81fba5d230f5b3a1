//! Bundling (issue 13) against the emulator: the fixture projects under
//! tests/fixtures/projects deployed by boardingpass and by real wrangler
//! 4.164 to one emulator answer byte-identical bodies; bad projects fail
//! with a typed `bundle` error before the emulator sees any request;
//! `Worker::from_source` with TypeScript is type-stripped.

mod common;
#[path = "../../tests/support/wrangler.rs"]
mod wrangler;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use boardingpass::{load_project_with as load_with, LoadOptions};
use boardingpass::{AuditEvent, AuditKind, AuditLog, Client, DeployOptions, ModuleKind, Phase, Progress, ProvisionOptions, Worker};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};
use wrangler::{copy_dir, printed_host, repo, Wrangler};

fn project(name: &str) -> PathBuf {
    let p = repo().join("tests/fixtures/projects").join(name);
    if p.join("package.json").is_file() && !name.starts_with("6-bad") {
        assert!(p.join("node_modules").is_dir(), "{} has no node_modules: run `make setup`", p.display());
    }
    p
}

/// GET `path` from the Worker served at `host` by `emu`.
async fn get_host(emu: &EmulatorHandle, host: &str, path: &str) -> (u16, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("{}{path}", emu.origin())).header("host", host).send().await.expect("emulator answers");
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Each fixture project with the paths whose bodies are compared.
const PROJECTS: [(&str, &[&str]); 5] = [
    ("1-ts-hello", &["/", "/json"]),
    ("2-hono-tsx", &["/", "/api/items", "/hello/agent", "/page"]),
    ("3-cjs-json", &["/", "/config"]),
    ("4-nodejs-compat", &["/", "/?text=hello%20workers"]),
    ("5-wasm", &["/", "/?a=40&b=2"]),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_projects_answer_like_their_wrangler_deploys() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let w = Wrangler { home: tmp.path().join("home"), base: emu.base_url() };
    for (name, paths) in PROJECTS {
        let phases = Arc::new(Mutex::new(Vec::new()));
        let seen = phases.clone();
        let options = LoadOptions::default().progress(Progress::new(move |e| seen.lock().unwrap().push(e)));
        let worker = load_with(&project(name), &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let events = phases.lock().unwrap().clone();
        assert_eq!(events.iter().map(|e| (e.phase, e.done)).collect::<Vec<_>>(), vec![(Phase::Bundle, 0), (Phase::Bundle, 1)], "{name}");
        let bundle = worker.bundle.clone().unwrap_or_else(|| panic!("{name} was not bundled"));
        assert!(bundle.bundler.starts_with("esbuild 0.28"), "{name}: {}", bundle.bundler);

        let pass = common::pass(&emu).await;
        let ours = pass.deploy(&worker, DeployOptions::default()).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ours.bundle.as_ref(), Some(&bundle), "{name}: the deployment records the bundle");

        let copy = tmp.path().join(name);
        copy_dir(&project(name), &copy);
        let host = printed_host(&w.run(&copy, &["deploy", "--temporary"]).await);
        for path in paths {
            let theirs = get_host(&emu, &host, path).await;
            let mine = common::get(&ours.url, path).await;
            assert_eq!(theirs.0, 200, "{name} {path} via wrangler: {}", theirs.1);
            assert_eq!(mine, theirs, "{name} {path}: boardingpass and wrangler deploys answer differently");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_record_names_packages_and_reaches_the_ticket_and_audit_log() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let worker = load_with(&project("2-hono-tsx"), &LoadOptions::default()).unwrap();
    let bundle = worker.bundle.clone().unwrap();
    let names: Vec<String> = bundle.packages.iter().map(|p| format!("{}@{}", p.name, p.version)).collect();
    assert_eq!(names, vec!["hono@4.13.19"]);
    assert_eq!(worker.modules.len(), 1, "one bundled module");
    assert_eq!(worker.main_module.as_deref(), Some("index.js"));
    assert_ne!(bundle.digest, worker.content_digest(), "the bundle digest is of the module, content_digest of the upload");

    let events = Arc::new(Mutex::new(Vec::<AuditEvent>::new()));
    let sink = events.clone();
    let audit = AuditLog::new(None, None, Some(Arc::new(move |e: &AuditEvent| sink.lock().unwrap().push(e.clone())))).unwrap();
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).audit(audit).build().unwrap();
    let pass = client.provision(ProvisionOptions::default().owner("Ada")).await.unwrap();
    let d = pass.deploy(&worker, DeployOptions::default()).await.unwrap();
    pass.verify(&d, boardingpass::VerifyOptions::default()).await.unwrap();
    let ticket = pass.ticket(boardingpass::ClaimStatus::Pending).unwrap().to_json();
    let entry = &ticket["temporary_resource"]["workers"][0];
    assert_eq!(entry["bundle_digest"], bundle.digest.as_str());
    assert_eq!(entry["bundled_packages"], serde_json::json!(["hono@4.13.19"]));
    assert!(pass.ticket(boardingpass::ClaimStatus::Pending).unwrap().to_markdown().contains("hono@4.13.19"));
    let finished = events.lock().unwrap().iter().find(|e| e.event == AuditKind::DeployFinished).cloned().unwrap();
    assert_eq!(finished.details["bundle"]["packages"][0]["name"], "hono");

    let plain = load_with(&project("3-cjs-json"), &LoadOptions::default()).unwrap();
    let names: Vec<_> = plain.bundle.unwrap().packages.into_iter().map(|p| (p.name, p.version)).collect();
    assert_eq!(names, vec![("ms".to_string(), "2.1.3".to_string())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_projects_fail_with_a_located_bundle_error_before_any_request() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).build().unwrap();
    let cases = [
        ("6-bad/syntax-error", "src/index.ts", 3, 30, "Unexpected \";\"", "fix the syntax"),
        ("6-bad/unresolved-import", "src/index.ts", 1, 23, "Could not resolve \"./greetings\"", "check the import path"),
        // "Could not resolve", or (when a node_modules above the project has the
        // package) "resolves to … outside the project": the same advice either way.
        ("6-bad/missing-node-modules", "src/index.ts", 1, 22, "\"hono\"", "node_modules is missing: run `npm install`"),
    ];
    for (name, file, line, column, message, hint) in cases {
        let path = project(name);
        // The CLI's and the bindings' order: load (and bundle), then provision.
        let flow = async {
            let worker = load_with(&path, &LoadOptions::default())?;
            client.provision_and_prepare(ProvisionOptions::default().owner("Ada"), &worker, DeployOptions::default()).await
        };
        let e = flow.await.err().unwrap_or_else(|| panic!("{name} deployed"));
        assert_eq!(e.code(), "bundle", "{name}: {e}");
        let boardingpass::Error::Bundle { file: f, line: l, column: c, .. } = &e else { unreachable!() };
        assert_eq!((f.as_deref(), *l, *c), (Some(file), Some(line), Some(column)), "{name}: {e}");
        let text = e.to_string();
        assert!(text.contains(message) && text.contains(hint), "{name}: {text}");
        assert!(text.contains(&format!("{file}:{line}:{column}")), "{name}: {text}");
    }
    assert!(emu.requests().is_empty(), "the emulator saw {:?}", emu.requests());
    assert_eq!(emu.account_count(), 0);

    // A single TypeScript source with a syntax error: the compile runs before the challenge is fetched.
    let bad = Worker::from_source("bad-ts", "index.ts", "export default { fetch(): Response { return new Response(1 +) } }");
    let e = client.provision_and_prepare(ProvisionOptions::default().owner("Ada"), &bad, DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.code(), "bundle", "{e}");
    assert!(e.to_string().contains("index.ts:1:"), "{e}");
    assert!(emu.requests().is_empty(), "the emulator saw {:?}", emu.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_from_source_is_type_stripped_and_deploys() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let src = "interface Env { N: string }\nconst twice = (x: number): number => x * 2;\nexport default { fetch(_r: Request, env: Env): Response { return new Response(`${env.N}=${twice(21)}`) } } satisfies ExportedHandler<Env>;\n";
    let worker = Worker::from_source("ts-source", "index.ts", src).var("N", "answer");
    let phases = Arc::new(Mutex::new(Vec::new()));
    let seen = phases.clone();
    let options = DeployOptions::default().progress(Progress::new(move |e| seen.lock().unwrap().push(e.phase)));
    let pass = common::pass(&emu).await;
    let d = pass.deploy(&worker, options).await.unwrap();
    assert_eq!(common::get(&d.url, "/").await, (200, "answer=42".to_string()));
    assert_eq!(phases.lock().unwrap().iter().filter(|p| **p == Phase::Bundle).count(), 2, "bundle phase reported");

    // --no-bundle keeps today's module upload: the files as they are.
    let raw = load_with(&project("1-ts-hello"), &LoadOptions::default().no_bundle(true)).unwrap();
    assert!(raw.bundle.is_none());
    assert_eq!(raw.modules.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["index.ts"]);
}

/// Regression: a package found in a `node_modules` above the project used to
/// fail naming that package's file, with no line; it is refused at the import.
#[test]
fn a_package_above_the_project_is_refused_at_its_import() {
    // Under target/: the repository's node_modules (esbuild) is above it.
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let pkg = tmp.path().join("node_modules/above-pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("package.json"), r#"{"name":"above-pkg","version":"1.0.0","main":"index.js"}"#).unwrap();
    std::fs::write(pkg.join("index.js"), "export const up = 1;\n").unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(project.join("node_modules")).unwrap();
    std::fs::write(project.join("index.ts"), "// uses a hoisted package\nimport { up } from 'above-pkg';\nexport default { fetch: () => new Response(String(up)) };\n").unwrap();
    let e = load_with(&project.join("index.ts"), &LoadOptions::default()).unwrap_err();
    let boardingpass::Error::Bundle { file, line, column, .. } = &e else { panic!("{e}") };
    assert_eq!((file.as_deref(), *line, *column), (Some("index.ts"), Some(2), Some(20)), "{e}");
    assert!(e.to_string().contains("outside the project") && e.to_string().contains("npm install above-pkg"), "{e}");
}

/// `upload_source_maps = true`: the bundle's source map goes up as a
/// `source_map` module next to the entry, and the Worker still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_maps_are_uploaded_when_asked() {
    // Under target/: esbuild is found in the repository's node_modules above it.
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = tmp.path().join("ts-hello");
    copy_dir(&project("1-ts-hello"), &dir);
    let toml = std::fs::read_to_string(dir.join("wrangler.toml")).unwrap();
    std::fs::write(dir.join("wrangler.toml"), toml.replacen("main = ", "upload_source_maps = true\nmain = ", 1)).unwrap();
    let worker = load_with(&dir, &LoadOptions::default()).unwrap();
    let kinds: Vec<_> = worker.modules.iter().map(|m| (m.name.as_str(), m.kind)).collect();
    assert_eq!(kinds, [("index.js", ModuleKind::EsModule), ("index.js.map", ModuleKind::SourceMap)]);
    let map: serde_json::Value = serde_json::from_slice(&worker.modules[1].content).expect("a JSON source map");
    assert!(map["sources"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().ends_with("src/index.ts")), "{map}");

    let emu = common::emulator(EmulatorConfig::default()).await;
    let d = common::pass(&emu).await.deploy(&worker, DeployOptions::default()).await.unwrap();
    assert_eq!(common::get(&d.url, "/").await.0, 200);
    // Without the setting, no map.
    let plain = load_with(&project("1-ts-hello"), &LoadOptions::default()).unwrap();
    assert!(plain.modules.iter().all(|m| m.kind != ModuleKind::SourceMap));
}
