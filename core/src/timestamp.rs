//! Times are `DateTime<Utc>` in every public type; they serialise as RFC 3339
//! in UTC. Observations are kept to the millisecond and window bounds to the
//! second, so the JSON renderings stay as short as they were as strings.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};

/// Now, to the millisecond (audit events, claim observations, tickets).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// A window bound (creation, expiry) to the second.
pub(crate) fn to_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

/// RFC 3339 to the second, for messages and Markdown.
pub(crate) fn display(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
