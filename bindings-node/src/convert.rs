//! Plain JS objects for the core's result types. Durations cross the
//! boundary as milliseconds (JS convention), instants as `Date`s, and
//! counters as numbers.

use std::time::Duration;

use boardingpass as bp;

use crate::errors::invalid;
use crate::promise::CoreResult;

/// `ms` milliseconds, refused when negative, not a number or too large for a duration.
pub(crate) fn millis(field: &str, ms: f64) -> CoreResult<Duration> {
    Duration::try_from_secs_f64(ms / 1000.0)
        .map_err(|_| invalid(field, format!("{ms} is not a duration; pass a non-negative number of milliseconds")))
}

/// Like [`millis`], keeping `default` when the option was not given.
pub(crate) fn millis_or(field: &str, ms: Option<f64>, default: Duration) -> CoreResult<Duration> {
    ms.map_or(Ok(default), |ms| millis(field, ms))
}

/// A JS number for an unsigned core field; negative or too large is refused
/// here, the field's own rule is core's (`ClientConfig::validate`).
pub(crate) fn whole<T: TryFrom<i64>>(field: &str, n: i64) -> CoreResult<T> {
    T::try_from(n).map_err(|_| invalid(field, format!("{n} is not a non-negative whole number in range")))
}

pub(crate) fn to_millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// Core's result types and enums are the JS objects and string unions
// themselves (core's `napi` feature derives them), so a field added in core
// reaches JavaScript and index.d.ts without an edit here.
pub use bp::{ClaimOutcome, ClaimStatus, Deployment, Evidence, TeardownReport};

/// `maxDeploysPerPass` → `max_deploys_per_pass`: JS option names to core's.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
