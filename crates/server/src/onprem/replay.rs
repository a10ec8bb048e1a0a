//! Every sealed request is answered once, and only while it is fresh: a request captured on
//! the way and sent again is refused.

use std::collections::HashMap;
use std::sync::Mutex;

/// How old a request may be, and how far ahead of this machine's clock the tab's may run.
pub const WINDOW_MS: u64 = 5 * 60 * 1000;
/// The most nonces remembered; older ones are forgotten first (they are outside the window
/// by then in any real load).
const MAX_REMEMBERED: usize = 1_000_000;

#[derive(Default)]
pub struct ReplayGuard {
    /// Nonce → when it may be forgotten (ms since 1970).
    seen: Mutex<HashMap<Vec<u8>, u64>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// Sent too long ago, or from too far in the future.
    OutOfWindow,
    /// Answered before.
    Repeated,
}

/// Whether a request sent at `sent_at_ms` may still be answered at `now_ms`.
pub fn is_fresh(sent_at_ms: u64, now_ms: u64) -> bool {
    sent_at_ms + WINDOW_MS >= now_ms && sent_at_ms <= now_ms + WINDOW_MS
}

impl ReplayGuard {
    /// Accepts `nonce`, sent at `sent_at_ms`, once.
    pub fn check(&self, nonce: &[u8], sent_at_ms: u64, now_ms: u64) -> Result<(), Stale> {
        if !is_fresh(sent_at_ms, now_ms) {
            return Err(Stale::OutOfWindow);
        }
        let mut seen = self.seen.lock().expect("poisoned");
        if seen.len() >= MAX_REMEMBERED {
            seen.retain(|_, forget_at| *forget_at > now_ms);
            if seen.len() >= MAX_REMEMBERED {
                // Still full of fresh nonces: refuse rather than forget one that may come back.
                return Err(Stale::Repeated);
            }
        }
        // Kept until a request with this nonce would be refused as too old anyway.
        let forget_at = sent_at_ms + 2 * WINDOW_MS;
        match seen.insert(nonce.to_vec(), forget_at) {
            Some(_) => Err(Stale::Repeated),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_and_only_while_fresh() {
        let guard = ReplayGuard::default();
        let now = 1_800_000_000_000;
        assert_eq!(guard.check(b"a", now, now), Ok(()));
        assert_eq!(guard.check(b"a", now, now + 1000), Err(Stale::Repeated));
        assert_eq!(guard.check(b"b", now - 1000, now), Ok(()));
        assert_eq!(
            guard.check(b"c", now - WINDOW_MS - 1, now),
            Err(Stale::OutOfWindow)
        );
        assert_eq!(
            guard.check(b"d", now + WINDOW_MS + 1, now),
            Err(Stale::OutOfWindow)
        );
    }
}
