//! The signed-in tab's state, split by concern and handed down with `provide_context`:
//! views take what they need with `expect_context` instead of threading it through props.
//!
//! - [`Search`]: what was typed, the answer on screen, whether one is on its way.
//! - [`Saved`]: favourites, recents and settings kept on this device.
//! - [`Nav`]: which screen shows, which result is highlighted, where focus goes back to.
//! - [`Feedback`]: the toast of the moment and what screen readers are told.
//! - [`Actions`]: the one way to do something with a contact (call, chat, copy, open).

pub mod dispatch;
pub mod feedback;
pub mod nav;
pub mod saved;
pub mod search;

pub use dispatch::{Action, Actions};
pub use feedback::{Feedback, Toast};
pub use nav::{Nav, Screen};
pub use saved::Saved;
pub use search::Search;

use leptos::prelude::*;

use crate::infra::session::Session;

/// Creates the state of a signed-in tab and provides every part of it to the views below.
pub fn provide(session: Session) {
    let search = Search::new(session.clone());
    let saved = Saved::start(session.clone());
    let nav = Nav::new(search);
    let feedback = Feedback::new();
    let actions = Actions::new(session, saved, nav, feedback);
    provide_context(search);
    provide_context(saved);
    provide_context(nav);
    provide_context(feedback);
    provide_context(actions);
}
