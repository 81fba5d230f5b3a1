//! Backoff for idempotent calls: exponential with jitter, bounded attempts,
//! and the server's `Retry-After` honoured up to a cap (above the cap we give
//! up at once and hand the wait to the caller, as wrangler does above 60 s).

use std::time::Duration;

use rand::Rng;

use crate::error::Error;

#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts including the first (1 disables retries).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles each time.
    pub base_delay: Duration,
    /// Upper bound of a computed backoff delay.
    pub max_delay: Duration,
    /// Longest `Retry-After` we sleep through; longer ones fail with
    /// [`crate::Error::RateLimited`] carrying the wait.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

setters!(RetryPolicy { max_attempts: u32, base_delay: Duration, max_delay: Duration, max_retry_after: Duration });

impl RetryPolicy {
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Refuses a policy that could never send a request.
    pub fn validate(&self) -> Result<(), Error> {
        if self.max_attempts == 0 {
            return Err(Error::invalid("max_attempts", "must be at least 1 (the first attempt counts; 1 disables retries)"));
        }
        Ok(())
    }

    /// Backoff before attempt `attempt + 1` (attempt counts from 1): a random
    /// delay in `[d/2, d]` with `d = base·2^(attempt-1)` capped at `max_delay`
    /// ("equal jitter": never zero, never synchronised across clients).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let d = exp.min(self.max_delay);
        let half = d / 2;
        half + rand::thread_rng().gen_range(Duration::ZERO..=half)
    }

    /// The wait before retrying after a response that asked for `retry_after`;
    /// `None` means "do not retry": the server's wait exceeds our cap.
    pub fn wait_for(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait.max(self.backoff(attempt) / 4)),
            None => Some(self.backoff(attempt)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let p = RetryPolicy { base_delay: Duration::from_millis(100), max_delay: Duration::from_millis(700), ..Default::default() };
        for _ in 0..200 {
            let d1 = p.backoff(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100), "{d1:?}");
            let d3 = p.backoff(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400), "{d3:?}");
            let d9 = p.backoff(9);
            assert!(d9 >= Duration::from_millis(350) && d9 <= Duration::from_millis(700), "{d9:?}");
        }
        let samples: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(samples.len() > 10, "jitter must vary the delay");
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.wait_for(1, Some(Duration::from_secs(2))), Some(Duration::from_secs(2)));
        assert_eq!(p.wait_for(1, Some(Duration::from_secs(61))), None);
        assert!(p.wait_for(1, None).unwrap() <= p.base_delay);
    }
}
