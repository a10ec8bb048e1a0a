//! What an empty search box shows: favourites, then recent contacts, straight from the
//! device — or, with neither, what to type.

mod favourites;
mod focus;
mod recents;
mod row;

pub use focus::SavedFocus;

use leptos::prelude::*;

use super::icons::DismissIcon;
use crate::i18n::*;
use crate::state::Saved;
use crate::state::saved::{Notice, StoreState};
use favourites::Favourites;
use recents::Recents;

#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let saved = expect_context::<Saved>();
    let nothing_saved =
        move || saved.favourites.with(Vec::is_empty) && saved.recents.with(Vec::is_empty);
    view! {
        <div class="home">
            <NoticeBanner />
            <Show when=move || !saved.favourites.with(Vec::is_empty)>
                <Favourites />
            </Show>
            <Show when=move || !saved.recents.with(Vec::is_empty)>
                <Recents />
            </Show>
            // While the store opens (a few milliseconds) nothing: no hint flashing by.
            <Show when=move || nothing_saved() && saved.state.get() != StoreState::Opening>
                <div class="empty-state">
                    <p class="empty-title">{t_string!(i18n, empty_title)}</p>
                    <p class="hint">{t_string!(i18n, empty_hint)}</p>
                    <Show when=move || saved.state.get() == StoreState::Ready>
                        <p class="hint">{t_string!(i18n, saved_empty_hint)}</p>
                    </Show>
                    <p class="hint shortcuts">{t_string!(i18n, shortcuts_hint)}</p>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn NoticeBanner() -> impl IntoView {
    let i18n = use_i18n();
    let saved = expect_context::<Saved>();
    move || {
        saved.notice.get().map(|notice| {
            let urgent = matches!(notice, Notice::QuotaFull | Notice::Failed(_));
            let text = match notice {
                Notice::KeyChanged => t_string!(i18n, notice_key_changed).to_string(),
                Notice::QuotaFull => t_string!(i18n, notice_quota).to_string(),
                Notice::Unavailable => t_string!(i18n, notice_unavailable).to_string(),
                Notice::Wiped => t_string!(i18n, notice_wiped).to_string(),
                Notice::Failed(detail) => t_string!(i18n, notice_failed, detail = detail).to_string(),
            };
            view! {
                <div class="notice" class:urgent=urgent role=if urgent { "alert" } else { "status" }>
                    <p>{text}</p>
                    <button
                        class="icon-button"
                        type="button"
                        aria-label=t_string!(i18n, dismiss)
                        title=t_string!(i18n, dismiss)
                        on:click=move |_| saved.notice.set(None)
                    >
                        <DismissIcon />
                    </button>
                </div>
            }
        })
    }
}
