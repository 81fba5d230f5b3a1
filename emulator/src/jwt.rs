//! Asset upload and completion tokens: real HS256 JWTs, because wrangler
//! decodes the upload token's payload to pick the upload mode (docs/PROTOCOL.md §7).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;


#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Upload,
    Complete,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetClaims {
    /// Upload session id.
    pub sid: String,
    /// Account the session belongs to.
    pub acc: String,
    pub purpose: Purpose,
    /// Unix seconds.
    pub exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrangler_single_asset_uploads: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge_kv_upload_concurrency: Option<usize>,
}

fn mac(key: &[u8; 32], signing_input: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    m.update(signing_input.as_bytes());
    m
}

pub fn sign(key: &[u8; 32], claims: &AssetClaims) -> String {
    let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = B64.encode(serde_json::to_vec(claims).expect("claims serialise"));
    let input = format!("{header}.{payload}");
    let sig = B64.encode(mac(key, &input).finalize().into_bytes());
    format!("{input}.{sig}")
}

#[derive(Debug, PartialEq, Eq)]
pub enum JwtError {
    Malformed,
    BadSignature,
    Expired,
}

/// Checks signature and expiry; purpose and account are the caller's checks.
pub fn verify(key: &[u8; 32], token: &str, now: i64) -> Result<AssetClaims, JwtError> {
    let mut it = token.splitn(3, '.');
    let (h, p, s) = match (it.next(), it.next(), it.next()) {
        (Some(h), Some(p), Some(s)) => (h, p, s),
        _ => return Err(JwtError::Malformed),
    };
    let sig = B64.decode(s).map_err(|_| JwtError::Malformed)?;
    mac(key, &format!("{h}.{p}")).verify_slice(&sig).map_err(|_| JwtError::BadSignature)?;
    let claims: AssetClaims = serde_json::from_slice(&B64.decode(p).map_err(|_| JwtError::Malformed)?).map_err(|_| JwtError::Malformed)?;
    if claims.exp <= now {
        return Err(JwtError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AssetClaims {
        AssetClaims { sid: "s".into(), acc: "a".into(), purpose: Purpose::Upload, exp, wrangler_single_asset_uploads: Some(true), edge_kv_upload_concurrency: None }
    }

    #[test]
    fn round_trip_tamper_and_expiry() {
        let key = [1u8; 32];
        let t = sign(&key, &claims(100));
        assert_eq!(verify(&key, &t, 99).unwrap(), claims(100));
        assert_eq!(verify(&key, &t, 100), Err(JwtError::Expired));
        assert_eq!(verify(&[2u8; 32], &t, 0), Err(JwtError::BadSignature));
        let other = sign(&key, &AssetClaims { purpose: Purpose::Complete, ..claims(100) });
        let parts: Vec<&str> = t.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], other.split('.').nth(1).unwrap(), parts[2]);
        assert_eq!(verify(&key, &forged, 0), Err(JwtError::BadSignature));
        assert_eq!(verify(&key, "nope", 0), Err(JwtError::Malformed));
    }

    #[test]
    fn payload_is_plain_base64url_json_as_wrangler_reads_it() {
        let t = sign(&[0u8; 32], &claims(5));
        let payload: serde_json::Value = serde_json::from_slice(&B64.decode(t.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(payload["wrangler_single_asset_uploads"], true);
    }
}
