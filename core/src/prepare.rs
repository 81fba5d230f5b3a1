//! A deploy prepared without a pass: everything about a deploy that can fail
//! locally (TypeScript modules compiled, name, compatibility date, modules and their sizes, the assets
//! walk with its file count, file sizes and `_worker.js` rule, the hashes,
//! the client's policy) checked once, here, for every caller. A bad project
//! therefore fails before any account exists:
//! [`Client::provision_and_prepare`](crate::Client::provision_and_prepare)
//! runs this while the proof of work is solved, and
//! [`BoardingPass::deploy`](crate::BoardingPass::deploy) runs it too.

use crate::assets::{self, AssetOptions, Manifest};
use crate::cancel::{cancellable, CancellationToken};
use crate::bundle;
use crate::client::Client;
use crate::error::Error;
use crate::policy::Context;
use crate::progress::Progress;
use crate::migrations::{read_migrations, Migration};
use crate::worker::{Binding, Worker};

/// Default Worker size limit (Workers Free plan, uncompressed here).
pub const DEFAULT_MAX_SCRIPT_SIZE: u64 = 3 * 1024 * 1024;

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeployOptions {
    pub progress: Progress,
    pub cancel: Option<CancellationToken>,
    pub assets: AssetOptions,
    /// Largest total module size accepted locally.
    pub max_script_size: u64,
    /// `workers/message` annotation of a redeploy (wrangler `--message`).
    pub message: Option<String>,
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            progress: Progress::none(),
            cancel: None,
            assets: AssetOptions::default(),
            max_script_size: DEFAULT_MAX_SCRIPT_SIZE,
            message: None,
        }
    }
}

setters!(DeployOptions { progress: Progress, assets: AssetOptions, max_script_size: u64 } optional { cancel: CancellationToken, message => String });

/// A Worker checked and hashed, ready for [`BoardingPass::deploy_prepared`](crate::BoardingPass::deploy_prepared).
#[derive(Debug, Clone)]
pub struct PreparedDeploy {
    pub(crate) worker: Worker,
    pub(crate) manifest: Option<Manifest>,
    pub(crate) options: DeployOptions,
    /// The migrations of each D1 binding that has a directory, by binding
    /// name, read in full so an unreadable file fails before any request.
    pub(crate) migrations: Vec<(String, Vec<Migration>)>,
}

impl PreparedDeploy {
    pub fn worker(&self) -> &Worker {
        &self.worker
    }
    /// The hashed assets, when the Worker has any.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }
    /// `(key, size)` of every asset file, for policy checks.
    pub(crate) fn asset_files(&self) -> Vec<(String, u64)> {
        self.manifest.as_ref().map(Manifest::files).unwrap_or_default()
    }
}

/// `worker` with its TypeScript/JSX modules type-stripped (see
/// [`bundle::compile_sources`]), or `None` when it has none. Off the async
/// threads: it runs the bundler.
pub(crate) async fn compile(worker: &Worker, options: &DeployOptions) -> Result<Option<Worker>, Error> {
    let (w, progress) = (worker.clone(), options.progress.clone());
    // The bundle span stays a child of the caller's (e.g. a tool call) on the blocking thread.
    let span = tracing::Span::current();
    let work = async { tokio::task::spawn_blocking(move || span.in_scope(|| bundle::compile_sources(&w, &progress))).await.expect("compile does not panic") };
    cancellable(options.cancel.as_ref(), work).await
}

/// The local checks, then the policy as it applies to `ctx` after
/// `deploys_so_far` deploys. Honours `options.cancel`.
pub(crate) async fn prepare(client: &Client, ctx: &Context<'_>, deploys_so_far: u32, worker: &Worker, options: DeployOptions) -> Result<PreparedDeploy, Error> {
    let compiled = compile(worker, &options).await?;
    let worker = compiled.as_ref().unwrap_or(worker);
    let work = async {
        worker.validate(options.max_script_size)?;
        let manifest = match &worker.assets {
            Some(a) => Some(assets::build_manifest(&a.directory, &options.assets, &options.progress).await?),
            None => None,
        };
        let mut migrations = Vec::new();
        for b in &worker.bindings {
            if let Binding::D1 { name, migrations_dir: Some(dir), .. } = b {
                migrations.push((name.clone(), read_migrations(dir)?));
            }
        }
        let prepared = PreparedDeploy { worker: worker.clone(), manifest, options: options.clone(), migrations };
        client.config().policy.check_deploy(ctx, worker, deploys_so_far, &prepared.asset_files())?;
        Ok(prepared)
    };
    cancellable(options.cancel.as_ref(), work).await
}

impl Client {
    /// Checks and hashes a deploy of `worker` before any pass exists (see
    /// module docs); `owner` is the claim owner the pass will carry, as the
    /// policy sees it. Sends nothing.
    pub async fn prepare_deploy(&self, worker: &Worker, options: DeployOptions, owner: Option<&str>) -> Result<PreparedDeploy, Error> {
        let ctx = Context { job_class: self.config().job_class.as_deref(), claim_owner: owner };
        prepare(self, &ctx, 0, worker, options).await
    }
}
