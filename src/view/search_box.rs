use leptos::prelude::*;

use crate::i18n::*;
use crate::search::Phase;
use crate::ui::{RESULTS_ID, SEARCH_ID, Ui, row_id};

/// The search field: an ARIA combobox whose popup is the result grid. Focus stays in the
/// field; the highlighted row is announced through `aria-activedescendant`.
#[component]
pub fn SearchBox(ui: Ui) -> impl IntoView {
    let i18n = use_i18n();
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let ctrl = ev.ctrl_key() || ev.meta_key();
        match ev.key().as_str() {
            // With nothing typed, ↓ goes on to the favourites and recents.
            "ArrowDown" if ui.search.query.with_untracked(|q| q.trim().is_empty()) => {
                ev.prevent_default();
                super::home::focus_first_saved();
            }
            "ArrowDown" => {
                ev.prevent_default();
                ui.move_active(1);
            }
            "ArrowUp" => {
                ev.prevent_default();
                ui.move_active(-1);
            }
            "Enter" if ctrl => {
                ev.prevent_default();
                if let Some(hit) = ui.current() {
                    ui.call_best(&hit.contact);
                }
            }
            "Enter" => {
                ev.prevent_default();
                if let Some(hit) = ui.current() {
                    ui.open_contact(hit.contact);
                }
            }
            "Escape" if !ui.search.query.get_untracked().is_empty() => {
                ev.prevent_default();
                ui.search.clear();
            }
            _ => {}
        }
    };
    let expanded = move || {
        ui.search
            .response
            .with(|r| r.as_ref().is_some_and(|r| !r.hits.is_empty()))
    };
    view! {
        <div class="search-bar">
            <label class="visually-hidden" for=SEARCH_ID>{t_string!(i18n, search_label)}</label>
            <div class="search-field">
                <svg class="search-icon" viewBox="0 0 20 20" aria-hidden="true">
                    <path d="M8.5 3a5.5 5.5 0 0 1 4.38 8.83l3.9 3.9a.75.75 0 0 1-1.06 1.06l-3.9-3.9A5.5 5.5 0 1 1 8.5 3Zm0 1.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z" />
                </svg>
                <input
                    id=SEARCH_ID
                    class="search-input"
                    type="text"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-haspopup="grid"
                    aria-controls=RESULTS_ID
                    aria-expanded=move || expanded().to_string()
                    aria-activedescendant=move || ui.active.get().map(|i| format!("{}-name", row_id(i)))
                    aria-describedby="search-help"
                    autocomplete="off"
                    spellcheck="false"
                    autofocus
                    placeholder=t_string!(i18n, search_placeholder)
                    prop:value=move || ui.search.query.get()
                    on:input=move |ev| {
                        crate::perf::mark_input();
                        ui.search.set_query(event_target_value(&ev));
                    }
                    on:keydown=on_keydown
                />
                <Show when=move || !ui.search.query.get().is_empty()>
                    <button
                        class="clear-button"
                        type="button"
                        aria-label=t_string!(i18n, clear_search)
                        title=t_string!(i18n, clear_search)
                        on:click=move |_| {
                            ui.search.clear();
                            crate::ui::focus_later(SEARCH_ID);
                        }
                    >
                        <svg viewBox="0 0 20 20" aria-hidden="true">
                            <path d="m4.09 4.22.06-.07a.5.5 0 0 1 .63-.06l.07.06L10 9.29l5.15-5.14a.5.5 0 0 1 .63-.06l.07.06a.5.5 0 0 1 .06.63l-.06.07L10.71 10l5.14 5.15a.5.5 0 0 1 .06.63l-.06.07a.5.5 0 0 1-.63.06l-.07-.06L10 10.71l-5.15 5.14a.5.5 0 0 1-.63.06l-.07-.06a.5.5 0 0 1-.06-.63l.06-.07L9.29 10 4.15 4.85a.5.5 0 0 1-.06-.63l.06-.07-.06.07Z" />
                        </svg>
                    </button>
                </Show>
            </div>
            <p id="search-help" class="visually-hidden">{t_string!(i18n, search_help)}</p>
            <div class="progress" class:active=move || ui.search.phase.get() == Phase::Loading></div>
        </div>
    }
}
