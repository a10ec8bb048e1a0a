//! Components. Data flows one way: session → search state → these views.

mod avatar;
mod details;
mod highlight;
mod icons;
mod results;
mod search_box;
mod shell;
mod status;
mod toast;

pub use shell::Shell;
