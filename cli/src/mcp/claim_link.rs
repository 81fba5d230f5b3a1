//! Where the MCP server sends claim links: to the user through the MCP
//! client (URL-mode elicitation) when the client offers it, else where the
//! operator said (`--claim-link-to stderr|exec:CMD`). Never into a tool
//! result, which the model reads.

use std::process::Stdio;
use std::str::FromStr;
use std::sync::Arc;

use boardingpass::toolbox::{claim_link_to_stderr, ClaimLink, ClaimLinkSink};
use boardingpass::{printable, Error};
use rmcp::model::ElicitationAction;
use rmcp::{Peer, RoleServer};
use tokio::io::AsyncWriteExt;

/// The operator's choice of channel.
#[derive(Debug, Clone)]
pub enum ClaimLinkTo {
    Stderr,
    /// `sh -c CMD` with the link on its standard input (not in its
    /// arguments, which other local users can read) and the owner, account
    /// and expiry in `BOARDINGPASS_CLAIM_*` variables.
    Exec(String),
}

impl FromStr for ClaimLinkTo {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            _ if s == "stderr" => Ok(Self::Stderr),
            Some(("exec", cmd)) if !cmd.trim().is_empty() => Ok(Self::Exec(cmd.to_string())),
            _ => Err("use `stderr` or `exec:COMMAND` (the command reads the link on its standard input)".into()),
        }
    }
}

impl ClaimLinkTo {
    pub fn sink(&self) -> ClaimLinkSink {
        match self {
            Self::Stderr => claim_link_to_stderr(),
            Self::Exec(cmd) => {
                let cmd = cmd.clone();
                // A failing command is an error; the toolbox then falls back to stderr.
                Arc::new(move |link: ClaimLink| {
                    let cmd = cmd.clone();
                    Box::pin(async move { exec(&cmd, &link).await })
                })
            }
        }
    }
}

async fn exec(cmd: &str, link: &ClaimLink) -> Result<String, Error> {
    let failed = |message: String| Error::Io { path: "--claim-link-to".into(), source: std::io::Error::other(message) };
    let mut child = tokio::process::Command::new("sh")
        .args(["-c", cmd])
        .env("BOARDINGPASS_CLAIM_OWNER", link.owner.as_deref().unwrap_or(""))
        .env("BOARDINGPASS_CLAIM_ACCOUNT", &link.account_name)
        .env("BOARDINGPASS_CLAIM_EXPIRES_AT", link.expires_at.to_rfc3339())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| failed(format!("cannot run the command: {e}")))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(format!("{}\n", link.url.expose_secret()).as_bytes()).await.map_err(|e| failed(e.to_string()))?;
    drop(stdin);
    let status = child.wait().await.map_err(|e| failed(e.to_string()))?;
    if !status.success() {
        return Err(failed(format!("the command exited with {status}; the claim link was not delivered")));
    }
    Ok("sent to the owner out of band (the operator's command)".into())
}

/// Tries the client first; if it cannot show a URL to its user, falls back.
pub fn through_client(peer: Peer<RoleServer>, fallback: ClaimLinkSink) -> ClaimLinkSink {
    Arc::new(move |link: ClaimLink| {
        let peer = peer.clone();
        let fallback = fallback.clone();
        Box::pin(async move {
            let Ok(url) = url::Url::parse(link.url.expose_secret()) else { return fallback(link).await };
            let message = format!(
                "Your agent deployed to a temporary Cloudflare account ({}). Open this link, sign in and accept to keep it; otherwise it expires at {}.",
                printable(&link.account_name),
                link.expires_at.to_rfc3339()
            );
            let id = format!("claim-{}", link.account_id);
            match peer.elicit_url(message, url, id).await {
                Ok(ElicitationAction::Accept) => Ok("shown to the user by the MCP client, who opened it".into()),
                Ok(_) => Ok("shown to the user by the MCP client (not opened yet)".into()),
                Err(_) => fallback(link).await,
            }
        })
    })
}
