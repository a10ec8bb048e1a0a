use leptos::prelude::*;

use crate::i18n::*;
use crate::session::{Session, StartError};
use crate::teams;
use crate::view::SearchPage;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Root />
        </I18nContextProvider>
    }
}

/// Starts the session, then shows the search — or says why it cannot.
#[component]
fn Root() -> impl IntoView {
    let i18n = use_i18n();
    let start = LocalResource::new(Session::start);
    // Teams' language and theme win over the browser's as soon as Teams has told us.
    Effect::new(move |_| {
        if let Some(Ok(session)) = start.get() {
            if let Some(locale) = session.context.locale.as_deref() {
                i18n.set_locale(locale_of(locale));
            }
            apply_theme(session.context.theme.as_deref());
            if session.host == crate::session::Host::Teams {
                let _ = teams::on_theme_change(|theme| apply_theme(Some(&theme)));
                teams::notify_success();
            }
        }
    });
    view! {
        <main class="app">
            {move || match start.get() {
                None => view! { <p class="splash">{t!(i18n, starting)}</p> }.into_any(),
                Some(Ok(session)) => view! { <SearchPage session=session /> }.into_any(),
                Some(Err(error)) => view! { <StartFailed error=error retry=move || start.refetch() /> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn StartFailed(error: StartError, retry: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    if !matches!(error, StartError::NotInTeams) && teams::has_possible_host() {
        teams::notify_failure(&error.to_string());
    }
    let body = match error {
        StartError::NotInTeams => view! {
            <h2>{t!(i18n, not_in_teams_title)}</h2>
            <p class="hint">{t!(i18n, not_in_teams_hint)}</p>
        }
        .into_any(),
        StartError::ConsentNeeded(_) => view! { <p>{t!(i18n, error_consent)}</p> }.into_any(),
        StartError::SignIn(_) => view! { <p>{t!(i18n, error_signed_out)}</p> }.into_any(),
        StartError::Api(e) => {
            let failure = crate::search::Failure::from(e);
            match failure {
                crate::search::Failure::Offline => {
                    view! { <p>{t!(i18n, error_offline)}</p> }.into_any()
                }
                crate::search::Failure::SignedOut => {
                    view! { <p>{t!(i18n, error_signed_out)}</p> }.into_any()
                }
                _ => view! { <p>{t!(i18n, error_service_down)}</p> }.into_any(),
            }
        }
    };
    view! {
        <section class="start-failed" role="alert">
            {body}
            <button class="button" on:click=move |_| retry()>{t!(i18n, retry)}</button>
        </section>
    }
}

/// `de-de`, `de-AT`, `de` → German; everything else → English.
pub fn locale_of(tag: &str) -> Locale {
    if tag.to_ascii_lowercase().starts_with("de") {
        Locale::de
    } else {
        Locale::en
    }
}

/// Switches the CSS token set: `default`, `dark` or `contrast` (unknown names → default).
pub fn apply_theme(theme: Option<&str>) {
    let theme = match theme {
        Some("dark") => "dark",
        Some("contrast") => "contrast",
        _ => "default",
    };
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme);
    }
}
