use leptos::prelude::*;

use crate::i18n::*;
use crate::state::Search;
use crate::state::search::{Failure, Phase};

/// The line under the search box — counts, no results, errors — announced politely to
/// screen readers. Its height is reserved, so nothing below jumps when it changes.
#[component]
pub fn Status() -> impl IntoView {
    let i18n = use_i18n();
    let search = expect_context::<Search>();
    let content = move || {
        let phase = search.phase.get();
        let response = search.response.get();
        match (phase, response) {
            (Phase::Idle, _) => ().into_any(),
            (Phase::Failed(failure), _) => view! { <ErrorState failure=failure /> }.into_any(),
            (Phase::Loading, None) => {
                view! { <p class="count">{t_string!(i18n, loading)}</p> }.into_any()
            }
            (_, Some(r)) if r.total == 0 => {
                let query = r.query.clone();
                view! {
                    <div class="empty-state">
                        <p class="empty-title">{t_string!(i18n, no_results_title, query = query.clone()).to_string()}</p>
                        <p class="hint">{t_string!(i18n, no_results_hint)}</p>
                    </div>
                }
                .into_any()
            }
            (_, Some(r)) => {
                let (count, shown) = (r.total, r.hits.len());
                if count == 1 {
                    view! { <p class="count">{t_string!(i18n, results_single)}</p> }.into_any()
                } else if shown as u64 == count {
                    view! { <p class="count">{t_string!(i18n, results_count, count = count).to_string()}</p> }
                        .into_any()
                } else {
                    view! { <p class="count">{t_string!(i18n, results_shown, shown = shown, count = count).to_string()}</p> }.into_any()
                }
            }
            (_, None) => ().into_any(),
        }
    };
    view! { <div class="status" role="status" aria-live="polite">{content}</div> }
}

#[component]
fn ErrorState(failure: Failure) -> impl IntoView {
    let i18n = use_i18n();
    let search = expect_context::<Search>();
    let message = match failure {
        Failure::Offline => t_string!(i18n, error_offline).into_any(),
        Failure::ServiceDown => t_string!(i18n, error_service_down).into_any(),
        Failure::SignedOut => t_string!(i18n, error_signed_out).into_any(),
        Failure::NotRegistered => t_string!(i18n, error_not_registered).into_any(),
        Failure::DirectoryOffline => t_string!(i18n, error_directory_offline).into_any(),
        Failure::SubscriptionEnded => t_string!(i18n, error_subscription_ended).into_any(),
        Failure::KeyRefused => t_string!(i18n, key_refused_title).into_any(),
        Failure::ConsentNeeded => t_string!(i18n, error_consent).into_any(),
        Failure::RateLimited => t_string!(i18n, error_rate_limited).into_any(),
        Failure::Other(detail) => t_string!(i18n, error_other, detail = detail)
            .to_string()
            .into_any(),
    };
    view! {
        <div class="error-state" role="alert">
            <p>{message}</p>
            <button class="button" type="button" on:click=move |_| search.retry()>{t_string!(i18n, retry)}</button>
        </div>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use std::sync::Arc;

    use kontakt_api::SearchResponse;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::fixtures::{contact, hit};
    use crate::infra::teams::Context;
    use crate::testing::{count, mount_with_state, settle, text};

    fn status(locale: Locale, phase: Phase, total: u64, shown: usize) -> web_sys::HtmlElement {
        mount_with_state(locale, Context::default(), move || {
            let search = expect_context::<Search>();
            let hits = (0..shown)
                .map(|i| hit(contact(&i.to_string(), "Anna", "Berg"), vec![]))
                .collect();
            search.query.set("berg".into());
            search.response.set(Some(Arc::new(SearchResponse {
                query: "berg".into(),
                total,
                hits,
            })));
            search.phase.set(phase.clone());
            view! { <Status /> }
        })
    }

    #[wasm_bindgen_test]
    async fn counts_are_announced_in_the_users_language() {
        let cases = [
            (Locale::en, 1, 1, "1 contact"),
            (Locale::en, 3, 3, "3 contacts"),
            (Locale::en, 40, 25, "25 of 40 contacts"),
            (Locale::de, 1, 1, "1 Kontakt"),
            (Locale::de, 3, 3, "3 Kontakte"),
            (Locale::de, 40, 25, "25 von 40 Kontakten"),
        ];
        for (locale, total, shown, expected) in cases {
            let root = status(locale, Phase::Ready, total, shown);
            settle().await;
            assert_eq!(text(&root, "[role=status]"), expected);
        }
    }

    #[wasm_bindgen_test]
    async fn no_results_name_the_query_and_give_hints() {
        let root = status(Locale::de, Phase::Ready, 0, 0);
        settle().await;
        assert_eq!(text(&root, ".empty-title"), "Keine Kontakte zu „berg“");
        assert!(text(&root, ".hint").contains("Schreibweise"));
    }

    #[wasm_bindgen_test]
    async fn every_failure_is_explained_with_a_retry() {
        let cases = [
            (Locale::en, Failure::Offline, "offline"),
            (Locale::de, Failure::Offline, "offline"),
            (Locale::en, Failure::ServiceDown, "not available"),
            (Locale::de, Failure::ServiceDown, "nicht erreichbar"),
            (Locale::en, Failure::SignedOut, "Signing in failed"),
            (Locale::de, Failure::NotRegistered, "nicht registriert"),
            (Locale::en, Failure::DirectoryOffline, "still work"),
            (
                Locale::en,
                Failure::SubscriptionEnded,
                "subscription has ended",
            ),
            (Locale::de, Failure::SubscriptionEnded, "Abonnement"),
            (Locale::de, Failure::KeyRefused, "Schlüssel"),
            (Locale::de, Failure::ConsentNeeded, "Zustimmung"),
            (Locale::en, Failure::RateLimited, "Too many searches"),
            (Locale::en, Failure::Other("HTTP 418".into()), "HTTP 418"),
        ];
        for (locale, failure, expected) in cases {
            let root = status(locale, Phase::Failed(failure.clone()), 3, 3);
            settle().await;
            let message = text(&root, "[role=alert]");
            assert!(message.contains(expected), "{failure:?}: {message}");
            assert_eq!(
                count(&root, "[role=alert] button"),
                1,
                "{failure:?} offers a retry"
            );
        }
    }
}
