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
mod status;
mod toast;

pub use shell::Shell;
