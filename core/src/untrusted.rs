//! Strings a server sends us. Each one is checked where it enters (the
//! create answer, deploy answers, the claim-status answer) so a hostile or
//! broken server gets a typed `protocol` error before its value becomes part
//! of a URL, a path, a header or a ticket; and [`printable`] removes what a
//! terminal would interpret before any server-supplied text is displayed.
//! Error messages quote a refused value only through [`quote`] (escaped and
//! shortened), and never quote a credential.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use url::Url;

use crate::error::Error;

/// Longest identifier accepted (account, token and version ids are 32–36 characters).
pub const MAX_ID_LEN: usize = 64;
/// Longest account display name accepted (Cloudflare's are two words).
pub const MAX_NAME_LEN: usize = 100;
/// Longest bearer credential accepted (API token, claim token).
pub const MAX_CREDENTIAL_LEN: usize = 1024;
/// Longest claim URL accepted.
pub const MAX_URL_LEN: usize = 2048;
/// How far from now a server-supplied expiry may lie (Cloudflare's window is 60 minutes).
pub const MAX_EXPIRY_AHEAD: chrono::Duration = chrono::Duration::days(7);
/// How far in the past (clock skew, an already-ended pass) an expiry may lie.
pub const MAX_EXPIRY_BEHIND: chrono::Duration = chrono::Duration::days(1);

/// `text` without control characters, terminal escape sequences (CSI, OSC,
/// DCS…, with their parameters) or bidirectional overrides; tabs and line
/// breaks become spaces so one value cannot forge a second line.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_cleaning) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            // CSI: parameters and intermediates up to a final byte in @..~.
            '\u{1b}' if chars.peek() == Some(&'[') => {
                chars.next();
                skip_csi(&mut chars);
            }
            '\u{9b}' => skip_csi(&mut chars),
            // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST.
            '\u{1b}' if matches!(chars.peek(), Some(']' | 'P' | 'X' | '^' | '_')) => {
                chars.next();
                skip_string(&mut chars);
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            // Any other escape: ESC plus one character.
            '\u{1b}' => {
                chars.next();
            }
            c if needs_cleaning(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_cleaning(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Characters that reorder how the text around them is shown.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn skip_csi(chars: &mut impl Iterator<Item = char>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<impl Iterator<Item = char>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' if chars.peek() == Some(&'\\') => {
                chars.next();
                break;
            }
            _ => {}
        }
    }
}

/// A refused value for an error message: escaped, at most 64 characters.
pub fn quote(value: &str) -> String {
    const SHOWN: usize = 64;
    let head: String = value.chars().take(SHOWN).collect();
    let more = if value.chars().count() > SHOWN { "…" } else { "" };
    format!("{head:?}{more}")
}

fn refuse(endpoint: &str, field: &str, why: String) -> Error {
    Error::protocol(endpoint, format!("{field} {why}; the server's answer was not used"))
}

/// Ids that end up in request paths and tickets: 1–64 ASCII letters, digits, `-` or `_`.
pub fn identifier(endpoint: &str, field: &str, value: &str) -> Result<(), Error> {
    let ok = (1..=MAX_ID_LEN).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(refuse(endpoint, field, format!("{} is not 1-{MAX_ID_LEN} letters, digits, '-' or '_'", quote(value))))
}

/// An account display name: 1–100 letters, digits, spaces and `-'._`.
pub fn display_name(endpoint: &str, field: &str, value: &str) -> Result<(), Error> {
    let ok = (1..=MAX_NAME_LEN).contains(&value.chars().count())
        && value.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'' | '.' | '_'));
    if ok {
        return Ok(());
    }
    Err(refuse(endpoint, field, format!("{} is not 1-{MAX_NAME_LEN} letters, digits, spaces or -'._", quote(value))))
}

/// A workers.dev subdomain, which becomes a DNS label of the live URL:
/// 1–63 ASCII letters, digits or `-`, not at either end. Returned lowercased.
pub fn dns_label(endpoint: &str, field: &str, value: &str) -> Result<String, Error> {
    let ok = (1..=63).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        return Ok(value.to_ascii_lowercase());
    }
    Err(refuse(endpoint, field, format!("{} is not a DNS label (1-63 letters, digits or '-', not at either end)", quote(value))))
}

/// A bearer credential sent back in a header: 1–1024 visible ASCII
/// characters. Never quoted in the error.
pub fn credential(endpoint: &str, field: &str, value: &str) -> Result<(), Error> {
    if (1..=MAX_CREDENTIAL_LEN).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic()) {
        return Ok(());
    }
    Err(refuse(endpoint, field, format!("is not 1-{MAX_CREDENTIAL_LEN} visible ASCII characters (value withheld: it is a credential)")))
}

/// The claim URL handed to a person: `https`, or `http` to a loopback host
/// when the API base is loopback too (the emulator); a host, no user info.
/// Never quoted in the error (it is a bearer link).
pub fn claim_url(endpoint: &str, field: &str, value: &str, api_base: &Url) -> Result<Url, Error> {
    let refuse = |why: &str| refuse(endpoint, field, format!("{why} (value withheld: it is a bearer link)"));
    if value.len() > MAX_URL_LEN {
        return Err(refuse(&format!("is longer than {MAX_URL_LEN} bytes")));
    }
    let url = Url::parse(value).map_err(|_| refuse("is not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(api_base) && is_loopback_host(&url) => {}
        "http" => return Err(refuse("uses plain http to a non-loopback host; expected https")),
        other => return Err(refuse(&format!("has scheme {}; expected https", quote(other)))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("carries user info (user:password@)"));
    }
    Ok(url)
}

/// An RFC 3339 time.
pub fn timestamp(endpoint: &str, field: &str, value: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| refuse(endpoint, field, format!("{} is not an RFC 3339 time ({e})", quote(value))))
}

/// An RFC 3339 expiry within [`MAX_EXPIRY_BEHIND`] before and
/// [`MAX_EXPIRY_AHEAD`] after now.
pub fn expiry(endpoint: &str, field: &str, value: &str) -> Result<DateTime<Utc>, Error> {
    let at = timestamp(endpoint, field, value)?;
    let now = Utc::now();
    if at < now - MAX_EXPIRY_BEHIND || at > now + MAX_EXPIRY_AHEAD {
        return Err(refuse(endpoint, field, format!("{} is not within a day before and 7 days after now", quote(value))));
    }
    Ok(at)
}

/// Hosts for which plain `http://` is allowed: the loopback range and `localhost`.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_strips_escapes_controls_and_bidi_overrides() {
        assert!(matches!(printable("Quiet Heron"), Cow::Borrowed("Quiet Heron")));
        let cases = [
            ("Quiet\u{1b}[2J\u{1b}[1;1HClaim URL: x", "QuietClaim URL: x"),
            ("a\u{1b}]0;evil title\u{7}b", "ab"),
            ("a\u{1b}]8;;https://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\b", "alinkb"),
            ("a\u{9b}31mb", "ab"),
            ("a\u{1b}Pq#0\u{1b}\\b", "ab"),
            ("a\u{1b}cb", "ab"),
            ("line\nforged\r\tx", "line forged  x"),
            ("nul\0del\u{7f}c1\u{85}", "nuldelc1"),
            ("abc\u{202e}txt.exe\u{2066}", "abctxt.exe"),
            ("trailing escape \u{1b}", "trailing escape "),
            ("unterminated \u{1b}[12", "unterminated "),
        ];
        for (raw, want) in cases {
            assert_eq!(printable(raw), want, "{raw:?}");
        }
        assert_eq!(printable("Café ünïcode ✔"), "Café ünïcode ✔");
    }

    #[test]
    fn quote_escapes_and_shortens() {
        assert_eq!(quote("a\u{1b}b"), "\"a\\u{1b}b\"");
        let long = "x".repeat(100);
        assert_eq!(quote(&long), format!("\"{}\"…", "x".repeat(64)));
    }

    #[test]
    fn identifiers_names_and_labels() {
        for ok in ["0123456789abcdef0123456789abcdef", "5f0c2a1e-0000-4000-8000-000000000001", "a_b"] {
            assert!(identifier("e", "id", ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "a/b", "a?b", "a b", "é", &"a".repeat(65)] {
            assert_eq!(identifier("e", "id", bad).unwrap_err().code(), "protocol", "{bad}");
        }
        assert!(display_name("e", "name", "Waiting Salmonberry").is_ok());
        assert!(display_name("e", "name", "Crème Brûlée").is_ok());
        for bad in ["", "a\u{1b}[2J", "a\nb", "a<b>", &"a".repeat(101)] {
            assert!(display_name("e", "name", bad).is_err(), "{bad:?}");
        }
        assert_eq!(dns_label("e", "sub", "Quiet-Heron").unwrap(), "quiet-heron");
        for bad in ["x@evil.example:8443/p?", "a.b", "-a", "a-", "", "ü", &"a".repeat(64)] {
            assert!(dns_label("e", "sub", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_are_header_safe_and_never_quoted() {
        assert!(credential("e", "token", "cfat_abc123").is_ok());
        for bad in ["", "a b", "a\r\nX: y", "é"] {
            let e = credential("e", "token", bad).unwrap_err();
            assert!(bad.is_empty() || !e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn claim_urls_need_https_a_host_and_no_user_info() {
        let cf = Url::parse("https://api.cloudflare.com/client/v4").unwrap();
        let emu = Url::parse("http://127.0.0.1:8787/client/v4").unwrap();
        assert!(claim_url("e", "claim.url", "https://dash.cloudflare.com/claim-preview?claimToken=t", &cf).is_ok());
        assert!(claim_url("e", "claim.url", "http://127.0.0.1:8787/claim-preview?claimToken=t", &emu).is_ok());
        let refused = [
            ("javascript:alert(1)", &cf),
            ("data:text/html,hi", &cf),
            ("http://dash.cloudflare.com/c", &cf),
            ("http://127.0.0.1:1/c", &cf),
            ("http://evil.example/c", &emu),
            ("https://u:p@dash.cloudflare.com/c", &cf),
            ("file:///etc/passwd", &cf),
            ("/relative", &cf),
        ];
        for (bad, base) in refused {
            let e = claim_url("e", "claim.url", bad, base).unwrap_err();
            assert_eq!(e.code(), "protocol");
            assert!(!e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn expiries_must_be_plausible() {
        let soon = (Utc::now() + chrono::Duration::minutes(60)).to_rfc3339();
        assert!(expiry("e", "expiresAt", &soon).is_ok());
        for bad in ["9999-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "tomorrow", ""] {
            assert!(expiry("e", "expiresAt", bad).is_err(), "{bad}");
        }
    }
}
