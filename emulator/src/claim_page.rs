//! HTML of the claim page: what a person sees when they open the claim
//! link. Self-contained (inline CSS, no scripts), escaped everywhere.

use chrono::{DateTime, Utc};

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light dark; --accent: #f6821f; --ink: #1d1f20; --muted: #5f6368; --card: #fff; --bg: #f4f5f7; --ok: #1e8e3e; --warn: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --ink: #e8eaed; --muted: #9aa0a6; --card: #202124; --bg: #17181a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
main { max-width: 640px; margin: 48px auto; padding: 0 16px; }
.card { background: var(--card); border-radius: 12px; padding: 28px 32px; box-shadow: 0 1px 3px rgba(0,0,0,.12), 0 8px 24px rgba(0,0,0,.06); }
.brand { font-weight: 600; color: var(--accent); letter-spacing: .02em; font-size: 14px; text-transform: uppercase; }
h1 { font-size: 24px; margin: 8px 0 4px; }
.muted { color: var(--muted); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 20px 0; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-all; }
ul.workers { list-style: none; padding: 0; margin: 0 0 20px; }
ul.workers li { padding: 10px 12px; border: 1px solid rgba(127,127,127,.25); border-radius: 8px; margin-bottom: 8px; }
a { color: var(--accent); }
button { background: var(--accent); color: #fff; border: 0; border-radius: 8px; padding: 12px 22px; font-size: 16px; font-weight: 600; cursor: pointer; }
button:hover { filter: brightness(1.05); }
.status { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 600; }
.ok { background: rgba(30,142,62,.12); color: var(--ok); }
.warn { background: rgba(179,38,30,.12); color: var(--warn); }
.note { font-size: 13px; color: var(--muted); margin-top: 18px; }
"#;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body><main><div class=\"card\"><div class=\"brand\">boardingpass emulator · claim a preview account</div>{body}</div>\
<p class=\"note\">This is the local emulator's stand-in for Cloudflare's claim page; no data leaves this machine.</p></main></body></html>",
        escape(title)
    )
}

pub struct WorkerLink {
    pub name: String,
    pub url: String,
}

pub struct AccountView<'a> {
    pub name: &'a str,
    pub id: &'a str,
    pub expires_at: DateTime<Utc>,
    pub workers: Vec<WorkerLink>,
}

fn time_left(until: DateTime<Utc>) -> String {
    let secs = (until - Utc::now()).num_seconds().max(0);
    format!("{} min {} s", secs / 60, secs % 60)
}

fn worker_list(workers: &[WorkerLink]) -> String {
    if workers.is_empty() {
        return "<p class=\"muted\">No Workers deployed yet.</p>".into();
    }
    let items: String = workers
        .iter()
        .map(|w| format!("<li><strong>{}</strong><br><a href=\"{u}\" target=\"_blank\" rel=\"noopener\">{u}</a></li>", escape(&w.name), u = escape(&w.url)))
        .collect();
    format!("<ul class=\"workers\">{items}</ul>")
}

/// The pending account, with the Claim form.
pub fn pending(a: &AccountView, claim_token: &str, csrf: &str) -> String {
    page(
        &format!("Claim {}", a.name),
        &format!(
            "<h1>{name}</h1><p class=\"muted\">An agent deployed to this temporary account. Claim it to keep it; otherwise it is deleted when the time runs out.</p>\
<dl><dt>Account</dt><dd><code>{id}</code></dd><dt>Time left</dt><dd><span class=\"status warn\" id=\"time-left\">{left}</span> (until {until})</dd></dl>\
<h2>Workers</h2>{workers}\
<form method=\"post\" action=\"/claim-preview\"><input type=\"hidden\" name=\"claimToken\" value=\"{token}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<button type=\"submit\" id=\"claim\">Claim this account</button></form>\
<p class=\"note\">Claiming makes the account and its Workers permanent and ends the agent's temporary access.</p>",
            name = escape(a.name),
            id = escape(a.id),
            left = time_left(a.expires_at),
            until = a.expires_at.format("%Y-%m-%d %H:%M:%S UTC"),
            workers = worker_list(&a.workers),
            token = escape(claim_token),
            csrf = escape(csrf),
        ),
    )
}

pub fn claimed(a: &AccountView, just_now: bool) -> String {
    let (title, lead) = if just_now {
        ("Account claimed", "The account is yours: it no longer expires and its Workers keep serving.")
    } else {
        ("Already claimed", "This account has already been claimed; the link cannot be used again.")
    };
    page(
        title,
        &format!(
            "<h1 id=\"outcome\">{title}</h1><p><span class=\"status ok\">claimed</span></p><p>{lead}</p><dl><dt>Account</dt><dd>{name} <code>{id}</code></dd></dl><h2>Workers</h2>{workers}",
            name = escape(a.name),
            id = escape(a.id),
            workers = worker_list(&a.workers),
        ),
    )
}

/// A link that can no longer be used (unknown, expired, revoked, bad form).
pub fn problem(title: &str, message: &str) -> String {
    page(title, &format!("<h1 id=\"outcome\">{}</h1><p><span class=\"status warn\">not claimable</span></p><p>{}</p>", escape(title), escape(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_user_controlled_is_escaped() {
        let a = AccountView { name: "<script>x</script>", id: "id", expires_at: Utc::now(), workers: vec![WorkerLink { name: "w\"><img>".into(), url: "http://x/\"".into() }] };
        let html = pending(&a, "tok\"en", "c");
        assert!(!html.contains("<script>x") && !html.contains("<img>") && !html.contains("tok\"en"));
        assert!(html.contains("id=\"claim\""));
    }
}
