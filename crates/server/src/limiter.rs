//! Request budgets (`governor`): so many per second with bursts, per key. Users are limited
//! by (`tid`, `oid`) where they are known (the plain API of `kontakt serve`, and the
//! directory, which checks every token); the cloud, which never learns who is asking,
//! limits per relay ticket and per organisation's sign-ins.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};

use crate::settings::Limits;

/// A user: (`tid`, `oid`).
pub type User = (String, String);

pub struct RateLimiter<K: Hash + Eq + Clone = User>(governor::DefaultKeyedRateLimiter<K>);

impl<K: Hash + Eq + Clone + Send + Sync + 'static> RateLimiter<K> {
    pub fn new(per_second: u32, burst: u32) -> Self {
        let quota =
            governor::Quota::per_second(NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        RateLimiter(governor::RateLimiter::keyed(quota))
    }

    /// `Err(how long to wait)` when `key` has used up its budget.
    pub fn check(&self, key: K) -> Result<(), Duration> {
        self.0
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// A limiter remembers every key it saw; forget those that have been quiet, for as long
    /// as anyone holds the limiter.
    pub fn pruned_while_alive(self) -> Arc<Self> {
        let limiter = Arc::new(self);
        let weak: Weak<Self> = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(limiter) = weak.upgrade() else {
                    break;
                };
                limiter.0.retain_recent();
            }
        });
        limiter
    }
}

impl RateLimiter<User> {
    /// Searches (and every other request) per user.
    pub fn per_user(limits: &Limits) -> Arc<Self> {
        RateLimiter::new(limits.searches_per_second, limits.burst).pruned_while_alive()
    }
}
