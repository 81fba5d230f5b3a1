//! The token and the claim URL never reach disk or logs: a full provisioning
//! runs with HOME and TMPDIR pointed at a fresh directory and every log line
//! captured at TRACE level; then every file there and the log are scanned.
//! (Own test binary: it changes process-wide environment variables.)

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use boardingpass::{Client, ProvisionOptions};
use boardingpass_emulator::EmulatorConfig;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn provisioning_writes_no_secret_to_disk_or_logs() {
    let home = std::env::temp_dir().join(format!("bp-leak-{}", std::process::id()));
    std::fs::create_dir_all(home.join("tmp")).unwrap();
    // SAFETY: this test binary runs only this test, before any other thread reads the environment.
    unsafe {
        std::env::set_var("HOME", &home);
        std::env::set_var("TMPDIR", home.join("tmp"));
        std::env::set_var("XDG_CONFIG_HOME", home.join(".config"));
    }
    let logs = Capture::default();
    let sink = logs.clone();
    tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || sink.clone()).init();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let (token, claim_url, claim_token) = rt.block_on(async {
        let emu = boardingpass_emulator::spawn(EmulatorConfig { pow_k: 50, pow_g: 50, ..Default::default() }).await.unwrap();
        let audit = boardingpass::AuditLog::new(Some("leak-test".into()), Some(&home.join("audit.jsonl")), None).unwrap();
        let client = Client::builder().api_base(emu.base_url()).accept_terms(true).audit(audit).build().unwrap();
        let pass = client.provision(ProvisionOptions::default().owner("Ada")).await.unwrap();
        tracing::info!(?pass, "provisioned (Debug of the pass is logged on purpose)");
        // The D1 paths write the audit log (resource, migrations) and errors.
        let db = pass.create_d1_database("leak-check").await.unwrap();
        let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/projects/7-guestbook/migrations");
        pass.d1_apply_migrations(&db.uuid, &migrations).await.unwrap();
        let rows = pass.d1_query(&db.uuid, "SELECT * FROM d1_migrations", vec![]).await.unwrap();
        let refused = pass.d1_query(&db.uuid, "SELEC 1", vec![]).await.unwrap_err();
        tracing::info!(?rows, %refused, "queried");
        let claim_token = pass.expose_claim_url().split("claimToken=").nth(1).unwrap().to_string();
        (pass.expose_api_token().to_string(), pass.expose_claim_url().to_string(), claim_token)
    });

    let log_text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(log_text.contains("provisioned"), "logs were captured: {log_text}");
    let mut files = Vec::new();
    files_under(&home, &mut files);
    assert!(files.iter().any(|f| f.ends_with("audit.jsonl")), "the audit log is under the scanned HOME");
    for secret in [&token, &claim_url, &claim_token] {
        assert!(!log_text.contains(secret.as_str()), "secret in logs");
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            let hit = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!hit, "secret found in {}", f.display());
        }
    }
    std::fs::remove_dir_all(&home).unwrap();
}
