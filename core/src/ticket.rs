//! The claim ticket: the handoff document a person reads before deciding to
//! claim. It names the temporary resource, its lifetime, what the agent was
//! allowed to do, the credential (fingerprint and where it lives, never the
//! value), who owns the claim link, the evidence, and what happens on
//! expiry, promotion and revocation.
//!
//! Two renderings, JSON (stable, versioned schema) and Markdown, each either
//! for the record (no claim URL) or for the owner (claim URL included and
//! marked as a bearer link).

use serde::Serialize;
use serde_json::json;

use chrono::{DateTime, Utc};
use crate::claim::ClaimStatus;
use crate::audit::AuditKind;
use crate::error::Error;
use crate::pass::BoardingPass;
use crate::record::{Deployment, Evidence};
use crate::secret::Secret;
use crate::timestamp::{display, to_second};
use crate::untrusted::printable;

/// `schema` value of the JSON rendering; bump on incompatible changes.
pub const TICKET_SCHEMA: &str = "boardingpass.claim-ticket/v1";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClaimTicket {
    pub schema: &'static str,
    pub issued_at: DateTime<Utc>,
    pub run_id: String,
    pub job_id: Option<String>,
    pub status: ClaimStatus,
    pub temporary_resource: Resource,
    pub lifetime: Lifetime,
    pub allowed_action: String,
    pub credential: Credential,
    pub claim: Claim,
    pub evidence: Vec<Evidence>,
    pub expiry_behaviour: String,
    pub promotion_rule: String,
    pub revocation_rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Resource {
    pub provider: &'static str,
    pub api_base: String,
    pub account_id: String,
    pub account_name: String,
    pub workers: Vec<WorkerEntry>,
    /// Other resources the pass created (KV namespaces, D1 databases): the human keeps
    /// them at claim, expiry deletes them with the account.
    pub resources: Vec<ResourceEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ResourceEntry {
    /// Cloudflare's type name, e.g. `kv_namespace`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub id: String,
    /// Bytes the resource held when last seen (a D1 database's size after
    /// its latest query); `None` when unknown (KV namespaces).
    pub size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WorkerEntry {
    pub name: String,
    pub url: String,
    pub workers_dev_url: String,
    pub version_id: String,
    pub content_digest: String,
    pub assets_digest: Option<String>,
    pub deploys: usize,
    /// SHA-256 of the bundled entry module, when the code was bundled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_digest: Option<String>,
    /// `name@version` of every npm package in the bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundled_packages: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Lifetime {
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub claim_expires_at: DateTime<Utc>,
    pub seconds_left: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Credential {
    pub kind: &'static str,
    pub fingerprint: String,
    pub token_id: Option<String>,
    pub location: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Claim {
    pub owner: Option<String>,
    pub url_fingerprint: String,
    /// Only in the owner's ticket, and a [`Secret`] there until
    /// [`ClaimTicket::to_json`] or [`ClaimTicket::to_markdown`] renders it
    /// for the owner. Never serialised: `Serialize` is the record view.
    #[serde(skip)]
    pub url: Option<Secret>,
    pub url_is_bearer_credential: bool,
}

fn workers(deployments: &[Deployment], live: &[String]) -> Vec<WorkerEntry> {
    live.iter()
        .filter_map(|name| {
            let all: Vec<_> = deployments.iter().filter(|d| &d.worker_name == name).collect();
            let last = all.last()?;
            Some(WorkerEntry {
                name: name.clone(),
                url: last.url.clone(),
                workers_dev_url: last.workers_dev_url.clone(),
                version_id: last.version_id.clone(),
                content_digest: last.content_digest.clone(),
                assets_digest: last.assets_digest.clone(),
                deploys: all.len(),
                bundle_digest: last.bundle.as_ref().map(|b| b.digest.clone()),
                bundled_packages: last.bundle.as_ref().map(|b| b.packages.iter().map(|p| format!("{}@{}", p.name, p.version)).collect()),
            })
        })
        .collect()
}

impl BoardingPass {
    /// The handoff document. With the default policy, refused until the
    /// latest deploy of every live Worker passed verification.
    pub fn ticket(&self, status: ClaimStatus) -> Result<ClaimTicket, Error> {
        let verified = self.state().latest_deploys_verified();
        self.client().config().policy.check_ticket(verified)?;
        let audit = self.client().audit();
        let ticket = ClaimTicket::build(self, self.owner(), status, audit.run_id(), audit.job_id());
        self.audit(AuditKind::TicketIssued, None, None, json!({"status": status, "workers": ticket.temporary_resource.workers.len(), "claim_url": self.claim_fingerprint()}))?;
        Ok(ticket)
    }

    /// The ticket with the claim URL, for the named owner only.
    pub fn owner_ticket(&self, status: ClaimStatus) -> Result<ClaimTicket, Error> {
        Ok(self.ticket(status)?.for_owner(self))
    }

    /// The resources this pass created and has not deleted (KV namespaces,
    /// D1 databases), in creation order, as the ticket lists them: what a
    /// claim keeps. Unlike [`Self::ticket`] it needs no verified deploy,
    /// so a failed deploy can still say what it left behind.
    pub fn resources(&self) -> Vec<ResourceEntry> {
        self.state().resources.iter().map(|r| ResourceEntry { kind: r.kind.clone(), name: r.name.clone(), id: r.id.clone(), size: r.size }).collect()
    }
}

impl ClaimTicket {
    pub(crate) fn build(pass: &BoardingPass, owner: Option<&str>, status: ClaimStatus, run_id: &str, job_id: Option<&str>) -> Self {
        let deployments = pass.deployments();
        let live = pass.live_workers();
        let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "this host".into());
        let expires_at = to_second(pass.expires_at());
        let expires = display(expires_at);
        // Rounded: `created_at` is when this process received the pass, a moment after the server started the clock.
        let minutes = ((pass.expires_at() - pass.created_at()).num_seconds() + 30) / 60;
        // Copied out first: the literal below locks the pass's state again (evidence).
        let resources = pass.resources();
        Self {
            schema: TICKET_SCHEMA,
            issued_at: crate::timestamp::now(),
            run_id: run_id.to_string(),
            job_id: job_id.map(str::to_string),
            status,
            temporary_resource: Resource {
                provider: "cloudflare",
                api_base: pass.client().api_base().to_string(),
                account_id: pass.account_id().to_string(),
                account_name: pass.account_name().to_string(),
                workers: workers(&deployments, &live),
                resources,
            },
            lifetime: Lifetime {
                created_at: to_second(pass.created_at()),
                expires_at,
                claim_expires_at: to_second(pass.claim_expires_at()),
                seconds_left: pass.time_left().as_secs(),
            },
            allowed_action: format!(
                "Deploy, redeploy, verify and delete the Workers listed above on this temporary account's workers.dev subdomain, until {expires}. Nothing else: no other account, no custom domains."
            ),
            credential: Credential {
                kind: "cloudflare temporary account API token",
                fingerprint: pass.token_fingerprint(),
                token_id: pass.token_id().map(str::to_string),
                location: format!(
                    "in the memory of process {} on {host} only; never written to disk, wiped when the process drops it",
                    std::process::id()
                ),
                expires_at,
            },
            claim: Claim {
                owner: owner.map(str::to_string),
                url_fingerprint: pass.claim_fingerprint(),
                url: None,
                url_is_bearer_credential: true,
            },
            evidence: pass.evidence(),
            expiry_behaviour: format!(
                "If nobody claims the account before {}, Cloudflare deletes it with its Workers, assets, KV namespaces, D1 databases and token; the URLs stop answering. Nothing needs to be cleaned up.",
                display(pass.claim_expires_at())
            ),
            promotion_rule: format!(
                "Only the named owner opens the claim link, signs in to Cloudflare and completes the prompts before it expires (window: {minutes} minutes from creation). The account then becomes a normal permanent account: the Workers keep serving and the KV and D1 data stay; the temporary token stops being the way in (use `wrangler login`)."
            ),
            revocation_rule: "To end it early the agent calls teardown (deletes the Workers, revokes the token where the server allows); a person can also simply let it expire. Claimed accounts are managed in the Cloudflare dashboard.".into(),
        }
    }

    /// The same ticket with the claim URL, for its owner only.
    pub(crate) fn for_owner(mut self, pass: &BoardingPass) -> Self {
        self.claim.url = Some(pass.claim_url().clone());
        self
    }

    /// `true` for the owner's ticket: its renderings carry the claim URL.
    pub fn includes_claim_url(&self) -> bool {
        self.claim.url.is_some()
    }

    /// The record view of this ticket: the same without the claim URL, safe
    /// to keep, log and share.
    pub fn record_view(&self) -> ClaimTicket {
        let mut record = self.clone();
        record.claim.url = None;
        record
    }

    /// The JSON rendering (schema [`TICKET_SCHEMA`]): the record view, plus
    /// `claim.url` when this is the owner's ticket.
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::to_value(self).expect("ticket serialises");
        if let Some(url) = &self.claim.url {
            json["claim"]["url"] = url.expose_secret().into();
        }
        json
    }

    /// Markdown for a person reading it at 9 a.m. Server-supplied values go
    /// through [`printable`] (validated on receipt already; this is the
    /// display-side guarantee).
    pub fn to_markdown(&self) -> String {
        let r = &self.temporary_resource;
        let mut md = String::new();
        let line = |md: &mut String, s: String| {
            md.push_str(&s);
            md.push('\n');
        };
        line(&mut md, format!("# Claim ticket: {} ({})", printable(&r.account_name), self.status.as_str()));
        line(&mut md, String::new());
        line(&mut md, format!("Issued {} · run `{}`{}", display(self.issued_at), self.run_id, self.job_id.as_ref().map(|j| format!(" · job `{j}`")).unwrap_or_default()));
        line(&mut md, String::new());
        line(&mut md, "## Temporary resource".into());
        line(&mut md, format!("- Cloudflare account **{}** (`{}`), API `{}`", printable(&r.account_name), printable(&r.account_id), r.api_base));
        if r.workers.is_empty() {
            line(&mut md, "- No Workers deployed".into());
        }
        for w in &r.workers {
            line(&mut md, format!("- Worker **{}**: {} (version `{}`, {} deploy(s))", w.name, printable(&w.url), printable(&w.version_id), w.deploys));
            line(&mut md, format!("  - code digest `{}`{}", w.content_digest, w.assets_digest.as_ref().map(|d| format!(", assets digest `{d}`")).unwrap_or_default()));
            if let (Some(digest), Some(packages)) = (&w.bundle_digest, &w.bundled_packages) {
                let list = if packages.is_empty() { "no npm packages".to_string() } else { printable(&packages.join(", ")).into_owned() };
                line(&mut md, format!("  - bundle digest `{digest}`: {list}"));
            }
        }
        for res in &r.resources {
            line(&mut md, format!("- {} **{}** (`{}`{})", res.kind, printable(&res.name), printable(&res.id), res.size.map(|s| format!(", {s} bytes")).unwrap_or_default()));
        }
        line(&mut md, String::new());
        line(&mut md, "## Lifetime".into());
        line(&mut md, format!("- Created {}, expires **{}** ({} min left)", display(self.lifetime.created_at), display(self.lifetime.expires_at), self.lifetime.seconds_left / 60));
        line(&mut md, String::new());
        line(&mut md, "## Allowed action".into());
        line(&mut md, self.allowed_action.clone());
        line(&mut md, String::new());
        line(&mut md, "## Credential".into());
        line(&mut md, format!("- {}: fingerprint `{}`{}", self.credential.kind, self.credential.fingerprint, self.credential.token_id.as_ref().map(|t| format!(", token id `{}`", printable(t))).unwrap_or_default()));
        line(&mut md, format!("- Lives {}", self.credential.location));
        line(&mut md, String::new());
        line(&mut md, "## Claim".into());
        line(&mut md, format!("- Owner: **{}**", self.claim.owner.as_deref().unwrap_or("(nobody named)")));
        match &self.claim.url {
            Some(url) => line(&mut md, format!("- Claim link (bearer link: whoever completes it owns the account; do not forward): {}", printable(url.expose_secret()))),
            None => line(&mut md, format!("- Claim link: held by the owner only (fingerprint `{}`)", self.claim.url_fingerprint)),
        }
        line(&mut md, String::new());
        line(&mut md, "## Evidence".into());
        if self.evidence.is_empty() {
            line(&mut md, "- Not verified".into());
        }
        for e in &self.evidence {
            line(
                &mut md,
                format!(
                    "- {} {} → {} in {} ms at {} (version `{}`, body `{}`){}",
                    if e.passed { "✔" } else { "✘" },
                    printable(&e.url),
                    e.status.map(|s| s.to_string()).unwrap_or_else(|| "no answer".into()),
                    e.latency_ms,
                    display(e.checked_at),
                    printable(&e.version_id),
                    e.body_sha256.as_deref().unwrap_or("-"),
                    if e.failures.is_empty() { String::new() } else { format!(": {}", printable(&e.failures.join("; "))) }
                ),
            );
        }
        line(&mut md, String::new());
        line(&mut md, "## Rules".into());
        line(&mut md, format!("- **Expiry:** {}", self.expiry_behaviour));
        line(&mut md, format!("- **Promotion:** {}", self.promotion_rule));
        line(&mut md, format!("- **Revocation:** {}", self.revocation_rule));
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tickets() -> (BoardingPass, ClaimTicket, ClaimTicket) {
        let pass = crate::pass::test_pass(chrono::Duration::minutes(60));
        let record = ClaimTicket::build(&pass, pass.owner(), ClaimStatus::Pending, "run_test", None);
        let owner = record.clone().for_owner(&pass);
        (pass, record, owner)
    }

    #[test]
    fn the_owner_ticket_holds_the_claim_url_as_a_secret_until_rendered() {
        let (pass, _, owner) = tickets();
        let url = pass.expose_claim_url();
        assert!(owner.includes_claim_url());
        let debug = format!("{owner:?}{owner:#?}");
        assert!(!debug.contains("CLAIMVALUE"), "Debug shows the claim URL: {debug}");
        let serialised = serde_json::to_string(&owner).unwrap();
        assert!(!serialised.contains("CLAIMVALUE"), "Serialize is the record view: {serialised}");
        assert_eq!(owner.to_json()["claim"]["url"], url, "the owner's JSON rendering carries it");
        assert!(owner.to_markdown().contains(url), "the owner's Markdown carries it");
    }

    #[test]
    fn the_record_view_never_holds_the_claim_url() {
        let (_, record, owner) = tickets();
        for view in [record, owner.record_view()] {
            assert!(!view.includes_claim_url());
            let rendered = format!("{}{}{view:?}", view.to_json(), view.to_markdown());
            assert!(!rendered.contains("CLAIMVALUE"), "{rendered}");
            assert!(view.to_json()["claim"].get("url").is_none());
        }
    }

    #[test]
    fn times_are_utc_instants_rendered_as_rfc3339() {
        let (pass, record, _) = tickets();
        assert_eq!(record.lifetime.expires_at.timestamp(), pass.expires_at().timestamp());
        let json = record.to_json();
        let expires = json["lifetime"]["expires_at"].as_str().unwrap();
        assert_eq!(chrono::DateTime::parse_from_rfc3339(expires).unwrap(), record.lifetime.expires_at);
        assert!(expires.ends_with('Z') && !expires.contains('.'), "window bounds to the second: {expires}");
    }
}
