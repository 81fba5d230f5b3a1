//! Signed, single-use, expiring proof-of-work challenges. The token carries
//! seed, k, g and expiry under an HMAC, so the server keeps only the nonces
//! of answered challenges.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub nonce: String,
    pub seed: String,
    pub k: u32,
    pub g: u32,
    /// Unix seconds.
    pub exp: i64,
}

fn mac(key: &[u8; 32], payload: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    m.update(payload.as_bytes());
    m
}

pub fn sign(key: &[u8; 32], claims: &Claims) -> String {
    let payload = B64.encode(serde_json::to_vec(claims).expect("claims serialise"));
    let tag = B64.encode(mac(key, &payload).finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// The claims of an authentic token (expiry and reuse are the caller's checks).
pub fn open(key: &[u8; 32], token: &str) -> Option<Claims> {
    let (payload, tag) = token.split_once('.')?;
    mac(key, payload).verify_slice(&B64.decode(tag).ok()?).ok()?;
    serde_json::from_slice(&B64.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampering_is_detected() {
        let key = [7u8; 32];
        let c = Claims { nonce: "n".into(), seed: "s".into(), k: 1, g: 2, exp: 3 };
        let t = sign(&key, &c);
        assert_eq!(open(&key, &t), Some(c));
        assert_eq!(open(&[8u8; 32], &t), None);
        let forged = sign(&key, &Claims { nonce: "n".into(), seed: "s".into(), k: 1, g: 1, exp: 3 });
        let mixed = format!("{}.{}", forged.split('.').next().unwrap(), t.split('.').nth(1).unwrap());
        assert_eq!(open(&key, &mixed), None);
    }
}
