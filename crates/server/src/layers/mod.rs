//! What runs around the routes: the privacy-safe access log for every request, and for
//! the authenticated API authentication, then the per-user rate limit.

pub mod access_log;
pub mod authenticate;
pub mod rate_limit;

pub use access_log::{TenantLabel, access_log};
pub use authenticate::{Caller, authenticate};
pub use rate_limit::rate_limit;
