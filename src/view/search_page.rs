use leptos::prelude::*;

use super::results::ResultRow;
use crate::i18n::*;
use crate::search::{Failure, Phase, Search};
use crate::session::Session;

#[component]
pub fn SearchPage(session: Session) -> impl IntoView {
    let i18n = use_i18n();
    let demo = session.demo;
    let search = Search::new(session);
    let on_input = move |ev| search.set_query(event_target_value(&ev));

    view! {
        <header class="topbar">
            <h1 class="app-name">{t!(i18n, app_name)}</h1>
            {demo.then(|| view! {
                <span class="badge demo-badge" title=move || t_string!(i18n, demo_badge_title)>
                    {t!(i18n, demo_badge)}
                </span>
            })}
        </header>
        <div class="search-bar">
            <label class="visually-hidden" for="search">{t!(i18n, search_label)}</label>
            <input
                id="search"
                class="search-input"
                type="search"
                autocomplete="off"
                spellcheck="false"
                autofocus
                placeholder=move || t_string!(i18n, search_placeholder)
                prop:value=move || search.query.get()
                on:input=on_input
            />
            <div class="progress" class:active=move || search.phase.get() == Phase::Loading></div>
        </div>
        <Status search=search />
        <ul class="results" aria-label=move || t_string!(i18n, search_label)>
            {move || {
                search
                    .response
                    .get()
                    .map(|r| r.hits.iter().cloned().map(|hit| view! { <ResultRow hit=hit /> }).collect_view())
            }}
        </ul>
    }
}

/// The line under the search box: counts, empty and error states. Announced politely to
/// screen readers.
#[component]
fn Status(search: Search) -> impl IntoView {
    let i18n = use_i18n();
    let content = move || {
        let phase = search.phase.get();
        let response = search.response.get();
        match (phase, response) {
            (Phase::Idle, _) => view! {
                <div class="empty-state">
                    <p class="empty-title">{t!(i18n, empty_title)}</p>
                    <p class="hint">{t!(i18n, empty_hint)}</p>
                </div>
            }
            .into_any(),
            (Phase::Failed(failure), _) => {
                view! { <ErrorState failure=failure search=search /> }.into_any()
            }
            (Phase::Loading, None) => view! { <p class="count">{t!(i18n, loading)}</p> }.into_any(),
            (_, Some(r)) if r.total == 0 => {
                let query = r.query.clone();
                view! {
                    <div class="empty-state">
                        <p class="empty-title">{t!(i18n, no_results_title, query = move || query.clone())}</p>
                        <p class="hint">{t!(i18n, no_results_hint)}</p>
                    </div>
                }
                .into_any()
            }
            (_, Some(r)) => {
                let (count, shown) = (r.total, r.hits.len());
                if shown as u64 == count && count == 1 {
                    view! { <p class="count">{t!(i18n, results_single)}</p> }.into_any()
                } else if shown as u64 == count {
                    view! { <p class="count">{t!(i18n, results_count, count = move || count)}</p> }
                        .into_any()
                } else {
                    view! { <p class="count">{t!(i18n, results_shown, shown = move || shown, count = move || count)}</p> }.into_any()
                }
            }
            (_, None) => ().into_any(),
        }
    };
    view! { <div class="status" role="status" aria-live="polite">{content}</div> }
}

#[component]
fn ErrorState(failure: Failure, search: Search) -> impl IntoView {
    let i18n = use_i18n();
    let message = match failure {
        Failure::Offline => t!(i18n, error_offline).into_any(),
        Failure::ServiceDown => t!(i18n, error_service_down).into_any(),
        Failure::SignedOut => t!(i18n, error_signed_out).into_any(),
        Failure::ConsentNeeded => t!(i18n, error_consent).into_any(),
        Failure::RateLimited => t!(i18n, error_rate_limited).into_any(),
        Failure::Other(detail) => t!(i18n, error_other, detail = move || detail.clone()).into_any(),
    };
    view! {
        <div class="error-state" role="alert">
            <p>{message}</p>
            <button class="button" on:click=move |_| search.retry()>{t!(i18n, retry)}</button>
        </div>
    }
}
