//! `boardingpass mcp`: an MCP server (stdio, or streamable HTTP on
//! loopback with `--http PORT`) offering the agent tools. What the model
//! must not decide is decided here by the human who configures it: the
//! terms (`--accept-terms`), the target, the owner, the policy, the
//! directory `path` arguments may name and where claim links go.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use boardingpass::toolbox::{Toolbox, ToolboxConfig};
use boardingpass::Error;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::ServiceExt;

use super::target::{GovernanceArgs, TargetArgs};
use crate::mcp::claim_link::ClaimLinkTo;
use crate::mcp::Server;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Serve streamable HTTP on 127.0.0.1:PORT (0 picks a free port) at /mcp instead of stdio.
    #[arg(long, value_name = "PORT")]
    http: Option<u16>,
    /// The person who receives claim links.
    #[arg(long, env = "BOARDINGPASS_OWNER")]
    owner: Option<String>,
    /// Directory that `path` arguments must lie in (default: the current directory).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Deploy inline files only: refuse every `path` argument.
    #[arg(long, conflicts_with = "root")]
    inline_only: bool,
    /// Where claim links go when the MCP client cannot show its user a URL: `stderr` or `exec:COMMAND` (link on its stdin).
    #[arg(long, default_value = "stderr", value_parser = clap::value_parser!(ClaimLinkTo))]
    claim_link_to: ClaimLinkTo,
    #[command(flatten)]
    governance: GovernanceArgs,
}

pub async fn run(args: Args) -> Result<ExitCode, Error> {
    let governance = args.governance.configure()?;
    let target = args.target.connect(governance).await?;
    let root = match (&args.root, args.inline_only) {
        (_, true) => None,
        (Some(r), false) => Some(r.clone()),
        (None, false) => Some(std::env::current_dir().map_err(|source| Error::Io { path: ".".into(), source })?),
    };
    let fallback = args.claim_link_to.sink();
    let toolbox = Toolbox::new(target.client.clone(), ToolboxConfig::new(args.owner.clone(), root), fallback.clone());
    let server = Server::new(toolbox, fallback);
    let io = |e: std::io::Error| Error::Io { path: "MCP transport".into(), source: e };
    match args.http {
        None => {
            let running = server.serve(rmcp::transport::stdio()).await.map_err(|e| io(std::io::Error::other(e.to_string())))?;
            tokio::select! {
                _ = running.waiting() => {}
                _ = boardingpass_emulator::wait_for_signal() => {}
            }
        }
        Some(port) => {
            let stop = tokio_util::sync::CancellationToken::new();
            // Room for the largest inline project (JSON-escaped) in one request; the stdio
            // transport's line limit (16 MiB) is already above it.
            let config = StreamableHttpServerConfig::default()
                .with_cancellation_token(stop.child_token())
                .with_max_request_body_bytes(4 * boardingpass::toolbox::MAX_INLINE_TOTAL_BYTES);
            let service = StreamableHttpService::new(move || Ok(server.clone()), LocalSessionManager::default().into(), config);
            let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await.map_err(io)?;
            let addr = listener.local_addr().map_err(io)?;
            eprintln!("MCP endpoint: http://{addr}/mcp");
            let app = axum::Router::new().nest_service("/mcp", service);
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    boardingpass_emulator::wait_for_signal().await;
                    stop.cancel();
                })
                .await
                .map_err(io)?;
        }
    }
    if let Some(emulator) = target.emulator {
        emulator.shutdown().await;
    }
    Ok(ExitCode::SUCCESS)
}
