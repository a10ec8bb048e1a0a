//! Per-user request budgets (`governor`): searches per second with bursts, keyed by
//! (`tid`, `oid`). The layer that applies it is `layers::rate_limit`.

use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};

use crate::settings::Limits;

pub struct RateLimiter(governor::DefaultKeyedRateLimiter<(String, String)>);

impl RateLimiter {
    pub fn new(limits: &Limits) -> Self {
        let quota = governor::Quota::per_second(
            NonZeroU32::new(limits.searches_per_second).unwrap_or(NonZeroU32::MIN),
        )
        .allow_burst(NonZeroU32::new(limits.burst).unwrap_or(NonZeroU32::MIN));
        RateLimiter(governor::RateLimiter::keyed(quota))
    }

    /// `Err(how long to wait)` when `user` has used up their budget.
    pub fn check(&self, user: (String, String)) -> Result<(), Duration> {
        self.0
            .check_key(&user)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// The limiter remembers every user it saw; forget those who have been quiet, for as
    /// long as anyone holds the limiter.
    pub fn prune_while_alive(limiter: &Arc<RateLimiter>) {
        let limiter: Weak<RateLimiter> = Arc::downgrade(limiter);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(limiter) = limiter.upgrade() else {
                    break;
                };
                limiter.0.retain_recent();
            }
        });
    }
}
