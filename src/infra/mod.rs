//! What the tab talks to: the Teams library, the service's API, the browser's storage and
//! timers. Views never call these directly; the state (`src/state/`) does.

pub mod actions;
pub mod api;
pub mod browser;
pub mod device;
pub mod directory;
pub mod perf;
pub mod session;
pub mod settings;
pub mod teams;
