//! What the user is told after doing something: a toast at the bottom, and a sentence for
//! screen readers when something changed that they cannot see.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::infra::actions::ActionError;
use crate::infra::browser;

/// A short confirmation or error shown at the bottom and announced to screen readers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Toast {
    Copied,
    CallStarted,
    ChatOpened,
    Failed(ActionError),
}

/// How long a toast stays.
const TOAST_FOR: Duration = Duration::from_secs(4);

#[derive(Clone, Copy)]
pub struct Feedback {
    /// The toast on screen, numbered so that a newer one outlives an older one's timer.
    pub toast: RwSignal<Option<(u64, Toast)>>,
    /// A sentence for screen readers about what just changed (e.g. a favourite moved).
    pub announcement: RwSignal<String>,
}

impl Feedback {
    pub fn new() -> Self {
        Feedback {
            toast: RwSignal::new(None),
            announcement: RwSignal::new(String::new()),
        }
    }

    pub fn notify(&self, toast: Toast) {
        let n = self.toast.get_untracked().map_or(0, |(n, _)| n + 1);
        self.toast.set(Some((n, toast)));
        let signal = self.toast;
        spawn_local(async move {
            browser::sleep(TOAST_FOR).await;
            // Only the toast this call showed; a newer one has its own timer.
            if signal.get_untracked().is_some_and(|(m, _)| m == n) {
                signal.set(None);
            }
        });
    }

    /// Says `text` to screen readers (the shell's polite live region).
    pub fn announce(&self, text: String) {
        self.announcement.set(text);
    }
}
