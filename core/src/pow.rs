//! Proof of work for `POST /provisioning/previews` (docs/PROTOCOL.md §3).
//!
//! `c[0] = SHA-256(seed)`, then each of the `k` checkpoints is `g` further
//! SHA-256 applications of the previous one; the solution is the standard,
//! padded base64 of `c[0] ‖ … ‖ c[k]`. Solving is strictly sequential, so the
//! only speed that matters is the per-hash cost: every hash input is exactly
//! one 32-byte digest, so we feed the SHA-256 compression function a
//! pre-padded single block instead of going through the streaming `Digest`
//! API (this is what keeps the solver at raw-chain speed; `sha2` picks SHA-NI
//! at run time). Verification, in contrast, is embarrassingly parallel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// Largest `k·g` a client solves unless configured otherwise (wrangler's cap).
pub const DEFAULT_WORK_CAP: u64 = 64_000_000;

/// Length in bytes of a decoded seed and of every checkpoint.
pub const SEED_LEN: usize = 32;
/// Most checkpoints accepted: twice the k=8000 Cloudflare documents as its
/// top, so a solution stays under [`MAX_SOLUTION_LEN`].
pub const MAX_K: u32 = 16_000;
/// Most hashes per checkpoint accepted: four times the documented g=2000
/// (and the g that wrangler's work cap allows at k=8000).
pub const MAX_G: u32 = 8_000;
/// Largest `k·g` any challenge can have within [`MAX_K`] and [`MAX_G`]; a
/// work cap above it would never be reached.
pub const MAX_WORK: u64 = MAX_K as u64 * MAX_G as u64;
/// Longest `checkpoints` string (standard base64 of `(MAX_K+1)·32` bytes, ~683 KB).
pub const MAX_SOLUTION_LEN: usize = base64_len((MAX_K as usize + 1) * SEED_LEN);
/// Longest seed string: unpadded base64url of 32 bytes is 43 characters, 44 padded.
const MAX_SEED_TEXT: usize = 44;

/// Length of the padded standard base64 of `n` bytes.
const fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A challenge that passed the client-side bounds checks.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    seed: [u8; SEED_LEN],
    k: u32,
    g: u32,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Challenge")
            .field("seed", &URL_SAFE_NO_PAD.encode(self.seed))
            .field("k", &self.k)
            .field("g", &self.g)
            .finish()
    }
}

impl Challenge {
    /// Validates a challenge as received from the server before any hashing
    /// or allocation: the seed must be base64url (padding tolerated) of
    /// exactly 32 bytes, `k` in 1..=[`MAX_K`], `g` in 1..=[`MAX_G`] and `k·g`
    /// at most `work_cap`.
    pub fn new(seed_b64url: &str, k: i64, g: i64, work_cap: u64) -> Result<Self, Error> {
        let refuse = |reason: String| Error::PowRefused { reason };
        if seed_b64url.len() > MAX_SEED_TEXT {
            return Err(refuse(format!("seed is {} characters, longer than the {MAX_SEED_TEXT} of a 32-byte seed", seed_b64url.len())));
        }
        let decoded = URL_SAFE_NO_PAD
            .decode(seed_b64url.trim_end_matches('='))
            .map_err(|e| refuse(format!("seed is not base64url: {e}")))?;
        let seed: [u8; SEED_LEN] = decoded.as_slice().try_into().map_err(|_| {
            refuse(format!("seed decodes to {} bytes, expected {SEED_LEN}", decoded.len()))
        })?;
        if k <= 0 || g <= 0 {
            return Err(refuse(format!("k={k} and g={g} must both be positive")));
        }
        if k > i64::from(MAX_K) {
            return Err(refuse(format!("k={k} is over the client's bound of {MAX_K} checkpoints (Cloudflare documents k=8000)")));
        }
        if g > i64::from(MAX_G) {
            return Err(refuse(format!("g={g} is over the client's bound of {MAX_G} hashes per checkpoint (Cloudflare documents g=2000)")));
        }
        let (k, g) = (k as u32, g as u32);
        let work = u64::from(k) * u64::from(g);
        if work > work_cap {
            return Err(refuse(format!(
                "k·g = {work} exceeds the work cap of {work_cap} hashes (raise it with the client's pow work cap if you trust this server)"
            )));
        }
        Ok(Self { seed, k, g })
    }

    pub fn k(&self) -> u32 {
        self.k
    }
    pub fn g(&self) -> u32 {
        self.g
    }
    pub fn seed(&self) -> &[u8; SEED_LEN] {
        &self.seed
    }
    /// Number of SHA-256 applications a solve performs: `1 + k·g`.
    pub fn total_hashes(&self) -> u64 {
        1 + u64::from(self.k) * u64::from(self.g)
    }
}

/// Progress of a running solve, reported at most ~200 times per solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowProgress {
    pub checkpoints_done: u32,
    pub checkpoints_total: u32,
}

/// Cooperative cancellation flag shared with a solver running on another thread.
#[derive(Clone, Default, Debug)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// SHA-256 of a 32-byte message, computed as a single pre-padded block.
#[inline(always)]
fn sha256_32(state_block: &mut [u8; 64]) {
    let mut state = SHA256_IV;
    sha2::compress256(&mut state, std::slice::from_ref(GenericArray::from_slice(&state_block[..])));
    for (i, word) in state.iter().enumerate() {
        state_block[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
}

/// A 64-byte block holding `msg` (32 bytes) followed by SHA-256 padding for a
/// 256-bit message. Hashing in place keeps the padding and only rewrites the
/// first half.
fn padded_block(msg: &[u8; 32]) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(msg);
    block[32] = 0x80;
    block[62] = 0x01; // length = 256 bits, big-endian in the last 8 bytes
    block
}

/// Applies SHA-256 `n` times to a 32-byte value. This is the raw chain the
/// solver is built from; exposed for benchmarks and interop tools.
pub fn sha256_chain(start: &[u8; 32], n: u64) -> [u8; 32] {
    let mut block = padded_block(start);
    for _ in 0..n {
        sha256_32(&mut block);
    }
    block[..32].try_into().expect("32 bytes")
}

/// Solves a challenge on the calling thread. Returns the raw checkpoint bytes
/// (`(k+1)·32`). Checks `cancel` about every 4096 hashes.
pub fn solve_blocking(
    challenge: &Challenge,
    cancel: &CancelFlag,
    mut progress: impl FnMut(PowProgress),
) -> Result<Vec<u8>, Error> {
    const CANCEL_STRIDE: u32 = 4096;
    let k = challenge.k;
    let mut out = Vec::with_capacity((k as usize + 1) * 32);
    let c0: [u8; 32] = Sha256::digest(challenge.seed).into();
    out.extend_from_slice(&c0);
    let mut block = padded_block(&c0);
    let report_every = (k / 200).max(1);
    for j in 1..=k {
        let mut left = challenge.g;
        while left > 0 {
            let run = left.min(CANCEL_STRIDE);
            for _ in 0..run {
                sha256_32(&mut block);
            }
            left -= run;
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
        }
        out.extend_from_slice(&block[..32]);
        if j % report_every == 0 || j == k {
            progress(PowProgress { checkpoints_done: j, checkpoints_total: k });
        }
    }
    Ok(out)
}

/// Standard, padded base64 of the checkpoints: the `solution.checkpoints` field.
pub fn encode_checkpoints(raw: &[u8]) -> String {
    STANDARD.encode(raw)
}

/// Why a submitted solution was rejected by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("checkpoints are not standard base64")]
    NotBase64,
    #[error("checkpoints hold {got} bytes, expected {expected}")]
    WrongLength { got: usize, expected: usize },
    #[error("first checkpoint is not SHA-256(seed)")]
    BadStart,
    #[error("checkpoint {index} does not follow from checkpoint {prev}", prev = index - 1)]
    BadSegment { index: u32 },
}

/// Server-side check of a solution. Each of the `k` segments is independent
/// given the published checkpoints, so they are split across `threads`
/// scoped threads (wall time ≈ k·g / threads).
pub fn verify(challenge: &Challenge, checkpoints_b64: &str, threads: usize) -> Result<(), VerifyError> {
    let expected = (challenge.k as usize + 1) * 32;
    // Checked on the text first, so an oversized submission is never decoded.
    if checkpoints_b64.len() != base64_len(expected) {
        let padding = checkpoints_b64.bytes().rev().take_while(|b| *b == b'=').count().min(2);
        let got = (checkpoints_b64.len() / 4 * 3).saturating_sub(padding);
        return Err(VerifyError::WrongLength { got, expected });
    }
    let raw = STANDARD.decode(checkpoints_b64).map_err(|_| VerifyError::NotBase64)?;
    if raw.len() != expected {
        return Err(VerifyError::WrongLength { got: raw.len(), expected });
    }
    let c0: [u8; 32] = Sha256::digest(challenge.seed).into();
    if raw[..32] != c0 {
        return Err(VerifyError::BadStart);
    }
    let k = challenge.k as usize;
    let threads = threads.clamp(1, k);
    let per = k.div_ceil(threads);
    let g = u64::from(challenge.g);
    let first_bad = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let raw = &raw;
                scope.spawn(move || {
                    let (lo, hi) = (t * per + 1, ((t + 1) * per).min(k));
                    (lo..=hi).find(|&j| {
                        let prev: [u8; 32] = raw[(j - 1) * 32..j * 32].try_into().expect("32");
                        sha256_chain(&prev, g)[..] != raw[j * 32..(j + 1) * 32]
                    })
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().expect("verifier thread")).min()
    });
    match first_bad {
        Some(j) => Err(VerifyError::BadSegment { index: j as u32 }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO_SEED: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    fn solve(seed: &str, k: i64, g: i64) -> String {
        let ch = Challenge::new(seed, k, g, DEFAULT_WORK_CAP).unwrap();
        encode_checkpoints(&solve_blocking(&ch, &CancelFlag::new(), |_| {}).unwrap())
    }

    #[test]
    fn protocol_vectors() {
        let c0 = Sha256::digest([0u8; 32]);
        assert_eq!(hex::encode(c0), "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
        assert_eq!(
            solve(ZERO_SEED, 1, 1),
            "Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSUrMttsLApiNfsTl+giXqheDw5ujHsSbQAWzL3g5mcVHg=="
        );
        assert_eq!(
            solve(ZERO_SEED, 2, 3),
            "Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSX+FcDT6+MU+tcgoIuDmgBMLmOG9a7MGex0gH0ZIMtq610a3LV5fC7/G6BGCvkySsbfW2/7Zr5t8lR4csLym6TC"
        );
    }

    #[test]
    fn single_block_hash_matches_streaming_sha256() {
        let start = [7u8; 32];
        let mut expected: [u8; 32] = start;
        for _ in 0..5 {
            expected = Sha256::digest(expected).into();
        }
        assert_eq!(sha256_chain(&start, 5), expected);
    }

    #[test]
    fn padded_seed_is_tolerated() {
        let padded = format!("{ZERO_SEED}=");
        assert_eq!(solve(&padded, 1, 1), solve(ZERO_SEED, 1, 1));
    }

    #[test]
    fn hostile_challenges_are_refused_before_hashing() {
        let cases = [
            ("AAAA", 1, 1, "bytes"),
            ("!!not base64!!", 1, 1, "base64url"),
            (ZERO_SEED, 0, 1, "positive"),
            (ZERO_SEED, 1, -3, "positive"),
            (ZERO_SEED, 8001, 8000, "exceeds the work cap"),
            (ZERO_SEED, 16_000_000, 4, "k=16000000 is over the client's bound"),
            (ZERO_SEED, 16_001, 1, "bound of 16000"),
            (ZERO_SEED, 1, 8_001, "g=8001 is over"),
            (ZERO_SEED, 1 << 40, 1, "over the client's bound"),
            (&"A".repeat(400 << 20 >> 10), 1, 1, "longer than the 44"),
        ];
        for (seed, k, g, needle) in cases {
            match Challenge::new(seed, k, g, DEFAULT_WORK_CAP) {
                Err(Error::PowRefused { reason }) => assert!(reason.contains(needle), "{reason}"),
                other => panic!("{seed} {k} {g}: expected refusal, got {other:?}"),
            }
        }
        // The cap is configurable, the bounds on k and g are not.
        assert!(Challenge::new(ZERO_SEED, 10, 10, 99).is_err());
        assert!(Challenge::new(ZERO_SEED, 10, 10, 100).is_ok());
        assert!(Challenge::new(ZERO_SEED, i64::from(MAX_K), 1, u64::MAX).is_ok());
        assert!(Challenge::new(ZERO_SEED, i64::from(MAX_K) + 1, 1, u64::MAX).is_err());
        assert!(Challenge::new(ZERO_SEED, 1, i64::from(MAX_G), u64::MAX).is_ok());
    }

    #[test]
    fn cancellation_stops_the_solver() {
        let ch = Challenge::new(ZERO_SEED, 8000, 8000, DEFAULT_WORK_CAP).unwrap();
        let cancel = CancelFlag::new();
        cancel.cancel();
        assert!(matches!(solve_blocking(&ch, &cancel, |_| {}), Err(Error::Cancelled)));
    }

    #[test]
    fn progress_is_reported_and_ends_at_total() {
        let ch = Challenge::new(ZERO_SEED, 1000, 2, DEFAULT_WORK_CAP).unwrap();
        let mut seen = Vec::new();
        solve_blocking(&ch, &CancelFlag::new(), |p| seen.push(p)).unwrap();
        assert!(seen.len() >= 100 && seen.len() <= 1000, "{}", seen.len());
        assert!(seen.windows(2).all(|w| w[0].checkpoints_done < w[1].checkpoints_done));
        assert_eq!(seen.last().unwrap().checkpoints_done, 1000);
    }

    #[test]
    fn verifier_accepts_solutions_and_pinpoints_bad_segments() {
        let ch = Challenge::new(ZERO_SEED, 37, 11, DEFAULT_WORK_CAP).unwrap();
        let raw = solve_blocking(&ch, &CancelFlag::new(), |_| {}).unwrap();
        for threads in [1, 2, 4, 64] {
            assert_eq!(verify(&ch, &encode_checkpoints(&raw), threads), Ok(()));
        }
        let mut bad = raw.clone();
        bad[20 * 32] ^= 1; // corrupts checkpoint 20, so segment 20 fails first
        assert_eq!(verify(&ch, &encode_checkpoints(&bad), 2), Err(VerifyError::BadSegment { index: 20 }));
        let mut bad0 = raw.clone();
        bad0[0] ^= 1;
        assert_eq!(verify(&ch, &encode_checkpoints(&bad0), 2), Err(VerifyError::BadStart));
        assert_eq!(
            verify(&ch, &encode_checkpoints(&raw[..raw.len() - 32]), 2),
            Err(VerifyError::WrongLength { got: 37 * 32, expected: 38 * 32 })
        );
        let not_base64 = "*".repeat(encode_checkpoints(&raw).len());
        assert_eq!(verify(&ch, &not_base64, 2), Err(VerifyError::NotBase64));
        // An oversized submission is refused on its length alone.
        let huge = "A".repeat(MAX_SOLUTION_LEN * 4);
        assert!(matches!(verify(&ch, &huge, 2), Err(VerifyError::WrongLength { .. })));
    }

    #[test]
    fn shared_fixture_vectors_including_real_wrangler_solutions() {
        let text = include_str!("../../tests/fixtures/pow-vectors.json");
        let doc: serde_json::Value = serde_json::from_str(text).unwrap();
        let vectors = doc["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 4);
        for v in vectors {
            let got = solve(v["seed"].as_str().unwrap(), v["k"].as_i64().unwrap(), v["g"].as_i64().unwrap());
            if let Some(full) = v["checkpoints"].as_str() {
                assert_eq!(got, full, "{}", v["name"]);
                let ch = Challenge::new(v["seed"].as_str().unwrap(), v["k"].as_i64().unwrap(), v["g"].as_i64().unwrap(), DEFAULT_WORK_CAP).unwrap();
                assert_eq!(verify(&ch, full, 2), Ok(()));
            } else {
                assert!(got.starts_with(v["checkpoints_prefix"].as_str().unwrap()), "{}", v["name"]);
                assert_eq!(got.len() as u64, v["checkpoints_len"].as_u64().unwrap());
            }
        }
    }
}
