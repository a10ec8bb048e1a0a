//! Which screen shows, which result row is highlighted, and the search field focus returns
//! to. One signal says what is on screen; nothing is implied by several flags at once.

use kontakt_api::Contact;
use leptos::html::Input;
use leptos::prelude::*;

use super::search::Search;
use crate::infra::browser;

#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    /// Nothing typed: favourites and recents.
    Home,
    /// Something typed: the result grid.
    Results,
    /// One contact's details.
    Contact(Box<Contact>),
    /// "This device": settings and what is stored.
    Device,
}

#[derive(Clone, Copy)]
pub struct Nav {
    pub screen: RwSignal<Screen>,
    /// Index of the highlighted result (keyboard), if any.
    pub active: RwSignal<Option<usize>>,
    /// The search field, where focus goes back to.
    pub search_field: NodeRef<Input>,
    /// Whether anything is typed: decides between Home and Results.
    typed: Memo<bool>,
}

impl Nav {
    pub fn new(search: Search) -> Self {
        let typed = Memo::new(move |_| !search.query.with(|q| q.trim().is_empty()));
        let nav = Nav {
            screen: RwSignal::new(Screen::Home),
            active: RwSignal::new(None),
            search_field: NodeRef::new(),
            typed,
        };
        // Typing switches between Home and Results — only when that changes: a keystroke
        // must not rebuild the result list before its request has even been sent.
        Effect::new(move |_| {
            let typed = typed.get();
            if nav
                .screen
                .with_untracked(|s| matches!(s, Screen::Home | Screen::Results))
            {
                nav.show(if typed { Screen::Results } else { Screen::Home });
            }
        });
        // New results, new list: nothing is highlighted until the user moves.
        Effect::new(move |_| {
            search.response.track();
            nav.active.set(None);
        });
        nav
    }

    pub fn show(&self, screen: Screen) {
        if self.screen.with_untracked(|s| *s != screen) {
            self.screen.set(screen);
        }
    }

    /// Back to the search (Home or Results, as typed), with focus in the search field.
    pub fn back_to_search(&self) {
        self.show(if self.typed.get_untracked() {
            Screen::Results
        } else {
            Screen::Home
        });
        self.focus_search();
    }

    pub fn focus_search(&self) {
        browser::focus(self.search_field);
    }

    /// Moves the highlight by `delta` rows among `rows`, staying inside the list.
    pub fn move_active(&self, delta: isize, rows: usize) {
        if rows == 0 {
            return;
        }
        let next = match self.active.get_untracked() {
            None if delta > 0 => 0,
            None => rows - 1,
            Some(i) => (i as isize + delta).clamp(0, rows as isize - 1) as usize,
        };
        self.active.set(Some(next));
    }
}
