//! Components. Data flows one way: session → state (`crate::state`, from context) → these
//! views.

mod avatar;
mod details;
mod device;
mod highlight;
pub mod home;
mod icons;
mod pin;
mod results;
mod search_box;
mod shell;
mod signed_in;
mod status;
mod toast;

pub use shell::Shell;
pub use signed_in::{load, signed_in};
