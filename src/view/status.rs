use leptos::prelude::*;

use crate::i18n::*;
use crate::search::{Failure, Phase};
use crate::ui::Ui;

/// The line under the search box — counts, no results, errors — announced politely to
/// screen readers. Its height is reserved, so nothing below jumps when it changes.
#[component]
pub fn Status(ui: Ui) -> impl IntoView {
    let i18n = use_i18n();
    let content = move || {
        let phase = ui.search.phase.get();
        let response = ui.search.response.get();
        match (phase, response) {
            (Phase::Idle, _) => ().into_any(),
            (Phase::Failed(failure), _) => view! { <ErrorState failure=failure ui=ui /> }.into_any(),
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
                if count == 1 {
                    view! { <p class="count">{t!(i18n, results_single)}</p> }.into_any()
                } else if shown as u64 == count {
                    view! { <p class="count">{t!(i18n, results_count, count = move || count)}</p> }.into_any()
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
fn ErrorState(failure: Failure, ui: Ui) -> impl IntoView {
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
            <button class="button" type="button" on:click=move |_| ui.search.retry()>{t!(i18n, retry)}</button>
        </div>
    }
}

/// What an empty search box shows.
#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="empty-state home">
            <p class="empty-title">{t!(i18n, empty_title)}</p>
            <p class="hint">{t!(i18n, empty_hint)}</p>
            <p class="hint shortcuts">{t!(i18n, shortcuts_hint)}</p>
        </div>
    }
}
