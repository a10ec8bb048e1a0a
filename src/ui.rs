//! The state the views share: search, which result is active, which contact is open, what
//! is saved on the device, the message of the moment. `Copy`: every field is an arena
//! handle.

use kontakt_api::{Contact, SearchHit};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::actions::{self, ActionError, Capabilities};
use crate::device::Use;
use crate::saved::Saved;
use crate::search::Search;
use crate::session::Session;

/// A short confirmation or error shown at the bottom and announced to screen readers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Toast {
    Copied,
    CallStarted,
    ChatOpened,
    Failed(ActionError),
}

#[derive(Clone, Copy)]
pub struct Ui {
    pub search: Search,
    /// Index of the highlighted result (keyboard), if any.
    pub active: RwSignal<Option<usize>>,
    /// The contact whose details are shown.
    pub open: RwSignal<Option<Contact>>,
    pub toast: RwSignal<Option<(u64, Toast)>>,
    pub session: StoredValue<Session>,
    pub caps: Capabilities,
    /// Favourites, recents and settings kept on this device.
    pub saved: Saved,
    /// The "This device" panel (settings and what is stored) is open.
    pub device_panel: RwSignal<bool>,
    /// A sentence for screen readers about what just changed (e.g. a favourite moved).
    pub announcement: RwSignal<String>,
}

/// Ids the ARIA attributes point at.
pub const SEARCH_ID: &str = "search";
pub const RESULTS_ID: &str = "results";

pub fn row_id(index: usize) -> String {
    format!("result-{index}")
}

impl Ui {
    pub fn new(session: Session) -> Self {
        let caps = Capabilities::of(&session);
        let ui = Ui {
            search: Search::new(session.clone()),
            active: RwSignal::new(None),
            open: RwSignal::new(None),
            toast: RwSignal::new(None),
            saved: Saved::start(session.clone()),
            session: StoredValue::new(session),
            caps,
            device_panel: RwSignal::new(false),
            announcement: RwSignal::new(String::new()),
        };
        // New results, new list: nothing is highlighted until the user moves.
        Effect::new(move |_| {
            ui.search.response.track();
            ui.active.set(None);
        });
        ui
    }

    pub fn hits(&self) -> Vec<SearchHit> {
        self.search
            .response
            .with(|r| r.as_ref().map(|r| r.hits.clone()).unwrap_or_default())
    }

    fn hit_count(&self) -> usize {
        self.search
            .response
            .with(|r| r.as_ref().map_or(0, |r| r.hits.len()))
    }

    /// Moves the highlight by `delta` rows, staying inside the list.
    pub fn move_active(&self, delta: isize) {
        let n = self.hit_count();
        if n == 0 {
            return;
        }
        let next = match self.active.get_untracked() {
            None if delta > 0 => 0,
            None => n - 1,
            Some(i) => (i as isize + delta).clamp(0, n as isize - 1) as usize,
        };
        self.active.set(Some(next));
        scroll_into_view(&row_id(next));
    }

    /// The highlighted result, or the first one.
    pub fn current(&self) -> Option<SearchHit> {
        let hits = self.hits();
        let i = self.active.get_untracked().unwrap_or(0);
        hits.get(i).cloned()
    }

    pub fn open_contact(&self, contact: Contact) {
        self.saved.record(contact.clone(), Use::Opened);
        self.device_panel.set(false);
        self.open.set(Some(contact));
        focus_later("details-name");
    }

    pub fn close_details(&self) {
        self.open.set(None);
        focus_later(SEARCH_ID);
    }

    pub fn notify(&self, toast: Toast) {
        let n = self.toast.get_untracked().map_or(0, |(n, _)| n + 1);
        self.toast.set(Some((n, toast)));
        let signal = self.toast;
        spawn_local(async move {
            crate::teams::sleep(std::time::Duration::from_secs(4)).await;
            // Only the toast this call showed; a newer one has its own timer.
            if signal.get_untracked().is_some_and(|(m, _)| m == n) {
                signal.set(None);
            }
        });
    }

    /// Runs an action and reports how it went.
    pub fn act(
        &self,
        success: Toast,
        action: impl std::future::Future<Output = Result<(), ActionError>> + 'static,
    ) {
        let ui = *self;
        spawn_local(async move {
            match action.await {
                Ok(()) => ui.notify(success),
                Err(e) => ui.notify(Toast::Failed(e)),
            }
        });
    }

    /// Runs an action on `contact`; when it worked, the contact goes to the recents.
    pub fn act_on(
        &self,
        contact: &Contact,
        how: Use,
        success: Toast,
        action: impl std::future::Future<Output = Result<(), ActionError>> + 'static,
    ) {
        let (ui, contact) = (*self, contact.clone());
        spawn_local(async move {
            match action.await {
                Ok(()) => {
                    ui.saved.record(contact, how);
                    ui.notify(success);
                }
                Err(e) => ui.notify(Toast::Failed(e)),
            }
        });
    }

    /// Says `text` to screen readers (the shell's polite live region).
    pub fn announce(&self, text: String) {
        self.announcement.set(text);
    }

    /// Calls the best number of `contact` — or, without one, the person in Teams.
    pub fn call_best(&self, contact: &Contact) {
        let session = self.session.get_value();
        match (
            contact.best_phone().cloned(),
            self.caps.pstn,
            contact.upn.is_some(),
        ) {
            (Some(phone), true, _) if phone.e164.is_some() => {
                self.act_on(contact, Use::Called, Toast::CallStarted, async move {
                    actions::call_number(&session, &phone).await
                });
            }
            (_, _, true) if self.caps.teams_calls => {
                let person = contact.clone();
                self.act_on(contact, Use::Called, Toast::CallStarted, async move {
                    actions::call_person(&session, &person).await
                });
            }
            (Some(_), false, _) => self.notify(Toast::Failed(ActionError::PstnNotAllowed)),
            _ => self.notify(Toast::Failed(ActionError::NotDialable)),
        }
    }
}

fn element(id: &str) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// Focuses `id` once the view has rendered it.
pub fn focus_later(id: impl Into<String>) {
    let id = id.into();
    request_animation_frame(move || {
        if let Some(e) = element(&id) {
            let _ = e.focus();
        }
    });
}

fn scroll_into_view(id: &str) {
    let id = id.to_owned();
    request_animation_frame(move || {
        if let Some(e) = element(&id) {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            e.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
}
