//! Keyboard focus among the saved contacts: ↑/↓ move from one to the next in the order
//! they are shown (favourites, then recents), ↑ from the first goes back to the search
//! field, and ↓ in an empty search field lands on the first. Rows register the button that
//! opens them; focus moves through those `NodeRef`s, never through a query of the page.

use leptos::html::Button;
use leptos::prelude::*;

use crate::infra::browser;
use crate::state::{Nav, Saved};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    Favourites,
    Recents,
}

/// One row: its section and contact id (a pinned contact can be in both lists).
pub type RowKey = (Section, String);

#[derive(Clone, Copy)]
pub struct SavedFocus {
    saved: Saved,
    nav: Nav,
    /// Each row's button, with the number of its registration: a row built again for the
    /// same contact registers anew before the old one is cleaned up. A few dozen rows: a
    /// list is all it takes.
    rows: StoredValue<Vec<(RowKey, u64, NodeRef<Button>)>>,
    registrations: StoredValue<u64>,
}

impl SavedFocus {
    pub fn new(saved: Saved, nav: Nav) -> Self {
        SavedFocus {
            saved,
            nav,
            rows: StoredValue::new(Vec::new()),
            registrations: StoredValue::new(0),
        }
    }

    /// Makes `button` reachable as row `key` for as long as the calling view lives.
    pub fn register(&self, key: RowKey, button: NodeRef<Button>) {
        let n = self.registrations.with_value(|n| n + 1);
        self.registrations.set_value(n);
        self.rows.update_value(|rows| {
            rows.retain(|(k, _, _)| *k != key);
            rows.push((key, n, button));
        });
        let rows = self.rows;
        on_cleanup(move || rows.update_value(|rows| rows.retain(|(_, m, _)| *m != n)));
    }

    /// The rows in the order they are shown.
    fn order(&self) -> Vec<RowKey> {
        let favourites = self.saved.favourites.with_untracked(|f| {
            f.iter()
                .map(|f| (Section::Favourites, f.contact.id.clone()))
                .collect::<Vec<_>>()
        });
        let recents = self.saved.recents.with_untracked(|r| {
            r.iter()
                .map(|r| (Section::Recents, r.contact.id.clone()))
                .collect::<Vec<_>>()
        });
        favourites.into_iter().chain(recents).collect()
    }

    fn focus(&self, key: &RowKey) -> bool {
        let button = self
            .rows
            .with_value(|rows| rows.iter().find(|(k, _, _)| k == key).map(|(_, _, b)| *b));
        match button {
            Some(button) => {
                browser::focus(button);
                true
            }
            None => false,
        }
    }

    /// Focuses the first saved contact. False if there is none.
    pub fn first(&self) -> bool {
        self.order().first().is_some_and(|key| self.focus(key))
    }

    /// Moves focus `delta` rows from `from`; above the first row is the search field.
    pub fn step(&self, from: &RowKey, delta: isize) {
        let order = self.order();
        let Some(at) = order.iter().position(|k| k == from) else {
            return;
        };
        let next = at as isize + delta;
        if next < 0 {
            self.nav.focus_search();
        } else if let Some(key) = order.get(next as usize) {
            self.focus(key);
        }
    }

    /// ↑/↓ between rows and Esc back to the search field, from the row `key`.
    pub fn on_key(&self, key: &RowKey, ev: &web_sys::KeyboardEvent) {
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                self.step(key, 1);
            }
            "ArrowUp" => {
                ev.prevent_default();
                self.step(key, -1);
            }
            "Escape" => {
                ev.prevent_default();
                self.nav.focus_search();
            }
            _ => {}
        }
    }
}
