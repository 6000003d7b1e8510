//! Retrying what failed for a transient reason, with exponential backoff and full jitter.

use std::future::Future;
use std::time::Duration;

use ciro_chain::TxError;
use starknet::providers::ProviderError;

use crate::ClientError;

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay's upper bound.
    pub base: Duration,
    /// No delay is longer.
    pub max: Duration,
    /// Attempts in all (the first included).
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_millis(100), max: Duration::from_secs(5), attempts: 8 }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (from 0): uniform in `[0, min(max, base·2^retry)]`.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX)).min(self.max);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }

    /// Runs `operation` until it succeeds, fails for good (`is_transient` says no), or the attempts
    /// run out; `on_retry` hears each transient failure.
    ///
    /// # Errors
    /// The last error.
    pub async fn retry<T, E, F, Fut>(&self, mut operation: F, is_transient: impl Fn(&E) -> bool, on_retry: impl Fn(&E)) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut retry = 0;
        loop {
            match operation().await {
                Ok(value) => return Ok(value),
                Err(error) if retry + 1 < self.attempts && is_transient(&error) => {
                    on_retry(&error);
                    tokio::time::sleep(self.delay(retry)).await;
                    retry += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// Whether a provider error is the transport's (worth retrying) rather than the node's answer.
pub fn is_transient_provider_error(error: &ProviderError) -> bool {
    matches!(error, ProviderError::Other(_) | ProviderError::RateLimited)
}

/// Whether a failed transaction may succeed if sent again unchanged: the node was unreachable,
/// or the receipt did not come in time. A rejection or a revert is the contract's answer.
pub fn is_transient_tx_error(error: &TxError) -> bool {
    match error {
        TxError::Provider(error) => is_transient_provider_error(error),
        TxError::ReceiptTimeout(_) => true,
        TxError::Rejected { reason } => is_transient_rejection(reason),
        TxError::Reverted { .. } | TxError::Account(_) => false,
    }
}

/// A rejection that says nothing about the transaction itself: a nonce raced by another
/// transaction of the same account, or the node's transport.
fn is_transient_rejection(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    ["invalid transaction nonce", "invalidtransactionnonce", "nonce", "error sending request", "connection"]
        .iter()
        .any(|needle| reason.contains(needle))
}

/// Whether an operator error is transient.
pub fn is_transient(error: &ClientError) -> bool {
    match error {
        ClientError::Provider { .. } | ClientError::Http { .. } => true,
        ClientError::Read { transient, .. } => *transient,
        ClientError::Tx { source, .. } => is_transient_tx_error(source),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn delays_grow_and_stay_bounded() {
        let backoff = Backoff { base: Duration::from_millis(10), max: Duration::from_millis(100), attempts: 5 };
        for retry in 0..40 {
            let bound = Duration::from_millis((10u64 << retry.min(20)).min(100));
            assert!(backoff.delay(retry) <= bound);
        }
    }

    #[tokio::test]
    async fn retries_transient_errors_only() {
        let backoff = Backoff { base: Duration::from_millis(1), max: Duration::from_millis(2), attempts: 4 };
        let calls = Cell::new(0);
        let result: Result<u32, &str> = backoff
            .retry(|| { calls.set(calls.get() + 1); let n = calls.get(); async move { if n < 3 { Err("flaky") } else { Ok(n) } } }, |_| true, |_| {})
            .await;
        assert_eq!(result, Ok(3));
        calls.set(0);
        let result: Result<u32, &str> =
            backoff.retry(|| { calls.set(calls.get() + 1); async { Err("final") } }, |e| *e != "final", |_| {}).await;
        assert_eq!((result, calls.get()), (Err("final"), 1));
        calls.set(0);
        let result: Result<u32, &str> = backoff.retry(|| { calls.set(calls.get() + 1); async { Err("flaky") } }, |_| true, |_| {}).await;
        assert_eq!((result, calls.get()), (Err("flaky"), 4));
    }
}
