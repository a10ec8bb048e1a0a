use leptos::prelude::*;

use super::home::SavedFocus;
use super::results::{RESULTS_ID, row_id};
use crate::i18n::*;
use crate::state::search::Phase;
use crate::state::{Action, Actions, Nav, Search};

/// The search field's id, for its label.
const SEARCH_ID: &str = "search";

/// The search field: an ARIA combobox whose popup is the result grid. Focus stays in the
/// field; the highlighted row is announced through `aria-activedescendant`.
#[component]
pub fn SearchBox() -> impl IntoView {
    let i18n = use_i18n();
    let (search, nav, actions, saved_focus) = (
        expect_context::<Search>(),
        expect_context::<Nav>(),
        expect_context::<Actions>(),
        expect_context::<SavedFocus>(),
    );
    // The highlighted row, or the first one.
    let current = move || search.hit(nav.active.get_untracked().unwrap_or(0));
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let ctrl = ev.ctrl_key() || ev.meta_key();
        match ev.key().as_str() {
            // With nothing typed, ↓ goes on to the favourites and recents.
            "ArrowDown" if search.query.with_untracked(|q| q.trim().is_empty()) => {
                ev.prevent_default();
                saved_focus.first();
            }
            "ArrowDown" => {
                ev.prevent_default();
                nav.move_active(1, search.hit_count());
            }
            "ArrowUp" => {
                ev.prevent_default();
                nav.move_active(-1, search.hit_count());
            }
            "Enter" if ctrl => {
                ev.prevent_default();
                if let Some(hit) = current() {
                    actions.run(Action::CallBest(hit.contact));
                }
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(hit) = current() {
                    actions.run(Action::Open(hit.contact));
                }
            }
            "Escape" if !search.query.get_untracked().is_empty() => {
                ev.prevent_default();
                search.clear();
            }
            _ => {}
        }
    };
    let expanded = move || search.hit_count() > 0;
    view! {
        <div class="search-bar">
            <label class="visually-hidden" for=SEARCH_ID>{t_string!(i18n, search_label)}</label>
            <div class="search-field">
                <svg class="search-icon" viewBox="0 0 20 20" aria-hidden="true">
                    <path d="M8.5 3a5.5 5.5 0 0 1 4.38 8.83l3.9 3.9a.75.75 0 0 1-1.06 1.06l-3.9-3.9A5.5 5.5 0 1 1 8.5 3Zm0 1.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z" />
                </svg>
                <input
                    id=SEARCH_ID
                    node_ref=nav.search_field
                    class="search-input"
                    type="text"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-haspopup="grid"
                    aria-controls=RESULTS_ID
                    aria-expanded=move || expanded().to_string()
                    aria-activedescendant=move || nav.active.get().map(|i| format!("{}-name", row_id(i)))
                    aria-describedby="search-help"
                    autocomplete="off"
                    spellcheck="false"
                    autofocus
                    placeholder=t_string!(i18n, search_placeholder)
                    prop:value=move || search.query.get()
                    on:input=move |ev| {
                        crate::infra::perf::mark_input();
                        search.set_query(event_target_value(&ev));
                    }
                    on:keydown=on_keydown
                />
                <Show when=move || !search.query.get().is_empty()>
                    <button
                        class="clear-button"
                        type="button"
                        aria-label=t_string!(i18n, clear_search)
                        title=t_string!(i18n, clear_search)
                        on:click=move |_| {
                            search.clear();
                            nav.focus_search();
                        }
                    >
                        <svg viewBox="0 0 20 20" aria-hidden="true">
                            <path d="m4.09 4.22.06-.07a.5.5 0 0 1 .63-.06l.07.06L10 9.29l5.15-5.14a.5.5 0 0 1 .63-.06l.07.06a.5.5 0 0 1 .06.63l-.06.07L10.71 10l5.14 5.15a.5.5 0 0 1 .06.63l-.06.07a.5.5 0 0 1-.63.06l-.07-.06L10 10.71l-5.15 5.14a.5.5 0 0 1-.63.06l-.07-.06a.5.5 0 0 1-.06-.63l.06-.07L9.29 10 4.15 4.85a.5.5 0 0 1-.06-.63l.06-.07-.06.07Z" />
                        </svg>
                    </button>
                </Show>
            </div>
            <p id="search-help" class="visually-hidden">{t_string!(i18n, search_help)}</p>
            <div class="progress" class:active=move || search.phase.get() == Phase::Loading></div>
        </div>
    }
}
