//! The checks every server-supplied string passes before use or display, on
//! arbitrary values: `printable` leaves nothing a terminal would interpret,
//! an accepted claim URL is https (or loopback http behind a loopback API)
//! with a host and no user info, an accepted subdomain is a DNS label, and a
//! refused credential or claim URL is never quoted back in the error.
#![no_main]
use boardingpass::fuzzing::{claim_url, credential, dns_label, identifier, printable};
use url::Url;

const ENDPOINT: &str = "POST /provisioning/previews";

fn bidi(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(value) = std::str::from_utf8(rest) else { return };
    let shown = printable(value);
    assert!(!shown.chars().any(|c| c.is_control() || bidi(c)), "printable left {shown:?}");
    // Long enough that the error's own wording cannot contain it by chance.
    let secret_like = value.len() >= 16;
    match selector % 4 {
        0 | 1 => {
            let base = if selector % 4 == 0 { "http://127.0.0.1:8787/client/v4" } else { "https://api.cloudflare.com/client/v4" };
            let base = Url::parse(base).unwrap();
            match claim_url(ENDPOINT, "claim.url", value, &base) {
                Ok(url) => {
                    let loopback = match url.host() {
                        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
                        None => false,
                    };
                    assert!(url.scheme() == "https" || (url.scheme() == "http" && base.scheme() == "http" && loopback), "accepted {url}");
                    assert!(url.host_str().is_some_and(|h| !h.is_empty()) && url.username().is_empty() && url.password().is_none());
                }
                Err(e) => assert!(!secret_like || !e.to_string().contains(value), "claim URL quoted in {e}"),
            }
        }
        2 => {
            if let Err(e) = credential(ENDPOINT, "account.apiToken", value) {
                assert!(!secret_like || !e.to_string().contains(value), "credential quoted in {e}");
            }
        }
        _ => {
            if let Ok(label) = dns_label(ENDPOINT, "subdomain", value) {
                assert!((1..=63).contains(&label.len()) && !label.starts_with('-') && !label.ends_with('-'));
                assert!(label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{label}");
            }
            if identifier(ENDPOINT, "id", value).is_ok() {
                assert!(value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{value:?}");
            }
        }
    }
});
