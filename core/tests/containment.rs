//! A project publishes only what it means to: nothing outside its root, no
//! dotfile unless `.assetsignore` names it, no module the entry does not
//! import. Against the in-process emulator running Workers in real workerd.

use std::path::Path;

use boardingpass::{DeployOptions, Error, ErrorKind};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};

mod common;
use common::{get, pass};

async fn emulator() -> EmulatorHandle {
    common::emulator(EmulatorConfig::default()).await
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn invalid_field(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected invalid_input, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_directory_never_publishes_dotfiles_unless_assetsignore_names_them() {
    let emu = emulator().await;
    let pass = pass(&emu).await;
    let site = tempfile::tempdir().unwrap();
    write(&site.path().join("index.html"), "<h1>public</h1>");
    write(&site.path().join(".env"), "API_KEY=dotenv-secret");
    write(&site.path().join(".git/config"), "[remote \"origin\"] url = secret");
    write(&site.path().join("docs/.DS_Store"), "junk");
    write(&site.path().join(".well-known/security.txt"), "Contact: mailto:sec@example.com");

    let worker = boardingpass::load_project(site.path(), Some("dots")).unwrap();
    let d = pass.deploy(&worker, DeployOptions::default()).await.unwrap();
    assert_eq!(d.assets_total, 1, "only index.html is content");
    assert_eq!(get(&d.url, "/").await.0, 200);
    for private in ["/.env", "/.git/config", "/docs/.DS_Store", "/.well-known/security.txt"] {
        let (status, body) = get(&d.url, private).await;
        assert_eq!(status, 404, "{private} was published: {body}");
    }

    // The explicit way to publish a dot path; everything else stays private.
    write(&site.path().join(".assetsignore"), "!.well-known/\n");
    let worker = boardingpass::load_project(site.path(), Some("dots")).unwrap();
    let d = pass.deploy(&worker, DeployOptions::default()).await.unwrap();
    assert_eq!(get(&d.url, "/.well-known/security.txt").await, (200, "Contact: mailto:sec@example.com".into()));
    assert_eq!(get(&d.url, "/.env").await.0, 404);
    assert_eq!(get(&d.url, "/.git/config").await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_modules_the_entry_imports_are_uploaded() {
    let emu = emulator().await;
    let pass = pass(&emu).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(&root.join("wrangler.toml"), "name = \"imports\"\nmain = \"src/index.js\"\ncompatibility_date = \"2026-06-01\"\n");
    // The `fetch` handler loads any module by a computed name: whatever was
    // uploaded can be read back, so the test sees exactly what was sent.
    write(
        &root.join("src/index.js"),
        "import { twice } from './lib/util.js';\n// import './commented-out.js';\n\
         export default { async fetch(req) {\n\
           const name = new URL(req.url).searchParams.get('m');\n\
           if (!name) { const { lazy } = await import('./lazy.js'); return new Response(lazy + twice(21)); }\n\
           try { const m = await import('./' + name); return new Response(JSON.stringify(m.default)); }\n\
           catch (e) { return new Response('absent', { status: 404 }); }\n\
         } }\n",
    );
    write(&root.join("src/lib/util.js"), "export const twice = (n) => n * 2;\n");
    write(&root.join("src/lazy.js"), "export const lazy = 'lazy:';\n");
    write(&root.join("src/credentials.json"), "{\"token\": \"cred-secret\"}");
    write(&root.join("src/dump.sql"), "INSERT INTO users VALUES ('dump-secret');");
    write(&root.join("src/unused.js"), "export default 'unused-module';");

    let worker = boardingpass::load_project(root, None).unwrap();
    let names: Vec<&str> = worker.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["index.js", "lazy.js", "lib/util.js"]);
    let d = pass.deploy(&worker, DeployOptions::default()).await.unwrap();
    assert_eq!(get(&d.url, "/").await, (200, "lazy:42".into()), "static and dynamic imports resolve");
    assert_eq!(get(&d.url, "/?m=lib/util.js").await.0, 200, "the probe sees uploaded modules");
    for private in ["credentials.json", "dump.sql", "unused.js"] {
        let (status, body) = get(&d.url, &format!("/?m={private}")).await;
        assert_eq!(status, 404, "{private} was uploaded: {body}");
    }
}

#[tokio::test]
async fn a_missing_or_escaping_import_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    write(&dir.path().join("outside/secret.js"), "export const s = 'outside';");
    write(&root.join("wrangler.toml"), "name = \"w\"\nmain = \"index.js\"\n");
    for (source, says) in [
        ("import './missing.js'; export default {}", "does not exist"),
        ("import { s } from '../outside/secret.js'; export default {}", "outside the Worker's root"),
        ("export default { fetch() { return require('./styles.css') } }", "unknown extension"),
    ] {
        write(&root.join("index.js"), source);
        write(&root.join("styles.css"), "body{}");
        let e = boardingpass::load_project(&root, None).unwrap_err();
        assert!(e.to_string().contains(says), "{source}: {e}");
        assert_eq!(invalid_field(e), "module import");
    }
    #[cfg(unix)]
    {
        // A symlink is judged by where it leads, and named as it is imported.
        std::os::unix::fs::symlink(dir.path().join("outside/secret.js"), root.join("leak.js")).unwrap();
        write(&root.join("index.js"), "import { s } from './leak.js'; export default {}");
        let e = boardingpass::load_project(&root, None).unwrap_err();
        assert!(e.to_string().contains("outside the Worker's root"), "{e}");
        write(&root.join("lib/real.js"), "export const r = 1;");
        std::os::unix::fs::symlink(root.join("lib/real.js"), root.join("alias.js")).unwrap();
        write(&root.join("index.js"), "import { r } from './alias.js'; export default {}");
        let names: Vec<String> = boardingpass::load_project(&root, None).unwrap().modules.into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["alias.js", "index.js"]);
    }
}

#[tokio::test]
async fn main_and_assets_must_resolve_inside_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("a/project");
    write(&dir.path().join("outside/index.js"), "export default {}");
    write(&dir.path().join("outside/passwords.txt"), "hunter2");
    write(&root.join("public/index.html"), "<h1>in</h1>");
    write(&root.join("src/index.js"), "export default {}");
    let config = |body: &str| write(&root.join("wrangler.toml"), &format!("name = \"w\"\n{body}"));

    config("main = \"../../outside/index.js\"\n");
    assert_eq!(invalid_field(boardingpass::load_project(&root, None).unwrap_err()), "main");
    config("main = \"src/index.js\"\n[assets]\ndirectory = \"../../outside\"\n");
    assert_eq!(invalid_field(boardingpass::load_project(&root, None).unwrap_err()), "assets.directory");

    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("linked")).unwrap();
        config("main = \"src/index.js\"\n[assets]\ndirectory = \"linked\"\n");
        let e = boardingpass::load_project(&root, None).unwrap_err();
        assert!(e.to_string().contains("outside the project"), "{e}");
        assert_eq!(invalid_field(e), "assets.directory");
        config("main = \"linked/index.js\"\n");
        assert_eq!(invalid_field(boardingpass::load_project(&root, None).unwrap_err()), "main");
        // A symlinked `_headers` would put its target into the metadata.
        std::os::unix::fs::symlink(dir.path().join("outside/passwords.txt"), root.join("public/_headers")).unwrap();
        config("main = \"src/index.js\"\n[assets]\ndirectory = \"public\"\n");
        let worker = boardingpass::load_project(&root, None).unwrap();
        let meta = worker.assets.unwrap().metadata(&boardingpass::Secret::new("jwt")).unwrap();
        assert!(!meta.to_string().contains("hunter2"), "{meta}");
    }
    let e = boardingpass::load_project(&root.join("missing-dir"), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
}
