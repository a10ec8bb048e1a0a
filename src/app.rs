use leptos::prelude::*;

use crate::i18n::*;
use crate::infra::api::ApiError;
use crate::infra::session::{Connection, Host, StartError};
use crate::infra::teams;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Root />
        </I18nContextProvider>
    }
}

/// Finds the host and follows its language and theme, then signs in.
#[component]
fn Root() -> impl IntoView {
    let i18n = use_i18n();
    // The signed-in tab's code starts loading now, beside Teams' handshake and the sign-in;
    // `SignIn` waits for it and reports a failure.
    leptos::task::spawn_local(async {
        let _ = crate::view::load().await;
    });
    let connection = LocalResource::new(Connection::open);
    // Teams' language and theme win over the browser's as soon as Teams has told us, also
    // when signing in fails afterwards: the error is then in the user's language.
    Effect::new(move |_| {
        if let Some(connection) = connection.get() {
            if let Some(locale) = connection.context.locale.as_deref() {
                i18n.set_locale(locale_of(locale));
            }
            set_document_language(i18n.get_locale_untracked());
            apply_theme(connection.context.theme.as_deref());
            if connection.host == Host::Teams {
                let _ = teams::on_theme_change(|theme| apply_theme(Some(&theme)));
            }
        }
    });
    view! {
        <main class="app">
            {move || match connection.get() {
                None => view! { <p class="splash">{t!(i18n, starting)}</p> }.into_any(),
                Some(connection) => view! { <SignIn connection=connection /> }.into_any(),
            }}
        </main>
    }
}

/// Signs in, then shows the search — or says why it cannot, with a way forward.
#[component]
fn SignIn(connection: Connection) -> impl IntoView {
    let i18n = use_i18n();
    let host = connection.host;
    let start = LocalResource::new(move || {
        let connection = connection.clone();
        async move {
            let (session, code) = futures::join!(connection.sign_in(), crate::view::load());
            code.map_err(|_| StartError::Incomplete)?;
            session
        }
    });
    Effect::new(move |_| {
        if host == Host::Teams && matches!(start.get(), Some(Ok(_))) {
            teams::notify_success();
        }
    });
    move || match start.get() {
        None => view! { <p class="splash">{t!(i18n, starting)}</p> }.into_any(),
        Some(Ok(session)) => Suspend::new(crate::view::signed_in(session)).into_any(),
        Some(Err(error)) => {
            view! { <StartFailed error=error retry=move || start.refetch() /> }.into_any()
        }
    }
}

#[component]
fn StartFailed(
    error: StartError,
    retry: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let in_teams = teams::has_possible_host();
    if !matches!(error, StartError::NotInTeams) && in_teams {
        teams::notify_failure(&error.to_string());
    }
    let needs_sign_in =
        in_teams && matches!(error, StartError::ConsentNeeded(_) | StartError::SignIn(_));
    let sign_in_error = RwSignal::new(None::<String>);
    // What went wrong in the words of Teams or the service, for the IT department: the
    // troubleshooting table in docs/deploy.md starts from these.
    let detail = match &error {
        StartError::SignIn(d)
        | StartError::Api(
            ApiError::Unauthorized(d)
            | ApiError::NotRegistered(d)
            | ApiError::Rejected(d)
            | ApiError::Unexpected(d),
        ) => Some(d.clone()),
        StartError::ConsentNeeded(e) => Some(e.message.clone()),
        _ => None,
    };
    let refused = match &error {
        StartError::Api(ApiError::KeyRefused(refused)) => Some(refused.clone()),
        _ => None,
    };
    if matches!(error, StartError::Api(ApiError::DirectoryOffline)) {
        // The directory comes back by itself; so does the tab, without a reload.
        let retry = retry.clone();
        leptos::task::spawn_local(async move {
            crate::infra::browser::sleep(crate::state::search::OFFLINE_RETRY).await;
            retry();
        });
    }
    let body = match error {
        StartError::Api(ApiError::KeyRefused(refused)) => {
            let (pinned, offered) = (refused.pinned.clone(), refused.offered.clone());
            view! {
                <h2>{t!(i18n, key_refused_title)}</h2>
                <p class="hint">{t!(i18n, key_refused_hint)}</p>
                <ul class="fingerprints">
                    <li>{t!(i18n, key_refused_pinned, fingerprint = move || pinned.clone())}</li>
                    <li>{t!(i18n, key_refused_offered, fingerprint = move || offered.clone())}</li>
                </ul>
            }
            .into_any()
        }
        StartError::NotInTeams => view! {
            <h2>{t!(i18n, not_in_teams_title)}</h2>
            <p class="hint">{t!(i18n, not_in_teams_hint)}</p>
        }
        .into_any(),
        StartError::HostSilent => view! {
            <h2>{t!(i18n, host_silent_title)}</h2>
            <p class="hint">{t!(i18n, host_silent_hint)}</p>
        }
        .into_any(),
        StartError::Incomplete => view! { <p>{t!(i18n, error_incomplete)}</p> }.into_any(),
        StartError::ConsentNeeded(_) => view! { <p>{t!(i18n, error_consent)}</p> }.into_any(),
        StartError::SignIn(_) => view! { <p>{t!(i18n, error_signed_out)}</p> }.into_any(),
        StartError::Api(e) => match crate::state::search::Failure::from(e) {
            crate::state::search::Failure::Offline => {
                view! { <p>{t!(i18n, error_offline)}</p> }.into_any()
            }
            crate::state::search::Failure::SignedOut => {
                view! { <p>{t!(i18n, error_signed_out)}</p> }.into_any()
            }
            crate::state::search::Failure::NotRegistered => {
                view! { <p>{t!(i18n, error_not_registered)}</p> }.into_any()
            }
            crate::state::search::Failure::DirectoryOffline => {
                view! { <p>{t!(i18n, error_directory_offline_start)}</p> }.into_any()
            }
            crate::state::search::Failure::SubscriptionEnded => {
                view! { <p>{t!(i18n, error_subscription_ended)}</p> }.into_any()
            }
            _ => view! { <p>{t!(i18n, error_service_down)}</p> }.into_any(),
        },
    };
    // The last resort of Teams SSO: a sign-in window where the user can consent.
    let sign_in = {
        let retry = retry.clone();
        move |_| {
            let retry = retry.clone();
            leptos::task::spawn_local(async move {
                let origin = web_sys::window()
                    .and_then(|w| w.location().origin().ok())
                    .unwrap_or_default();
                match teams::authenticate(&format!("{origin}/auth-start")).await {
                    Ok(_) => retry(),
                    Err(e) => sign_in_error.set(Some(e.message)),
                }
            });
        }
    };
    view! {
        <section class="start-failed" role="alert">
            {body}
            {detail.map(|detail| view! { <p class="hint detail">{t!(i18n, error_detail, detail = move || detail.clone())}</p> })}
            {move || sign_in_error.get().map(|detail| view! { <p class="hint">{t!(i18n, sign_in_failed, detail = move || detail.clone())}</p> })}
            <div class="button-row">
                {refused.map(|refused| {
                    let retry = retry.clone();
                    view! {
                        <button class="button danger" type="button" on:click=move |_| {
                            refused.trust_offered();
                            retry();
                        }>{t!(i18n, trust_new_key)}</button>
                    }
                })}
                {needs_sign_in.then(|| view! {
                    <button class="button primary" type="button" on:click=sign_in.clone()>{t!(i18n, sign_in)}</button>
                })}
                <button class="button" type="button" on:click=move |_| retry()>{t!(i18n, retry)}</button>
            </div>
        </section>
    }
}

/// `<html lang>` follows the language in use, for screen readers and hyphenation.
fn set_document_language(locale: Locale) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", if locale == Locale::de { "de" } else { "en" });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_teams_locales_pick_german_everything_else_english() {
        for tag in ["de-de", "de-AT", "DE-ch", "de"] {
            assert!(locale_of(tag) == Locale::de, "{tag}");
        }
        for tag in ["en-us", "fr-fr", "", "nl-de"] {
            assert!(locale_of(tag) == Locale::en, "{tag}");
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn theme() -> Option<String> {
        web_sys::window()?
            .document()?
            .document_element()?
            .get_attribute("data-theme")
    }

    #[wasm_bindgen_test]
    fn the_three_teams_themes_switch_the_token_set_and_unknown_ones_fall_back() {
        for (teams, css) in [
            ("dark", "dark"),
            ("contrast", "contrast"),
            ("default", "default"),
            ("sepia", "default"),
        ] {
            apply_theme(Some(teams));
            assert_eq!(theme().as_deref(), Some(css), "{teams}");
        }
        apply_theme(Some("dark"));
        apply_theme(None);
        assert_eq!(theme().as_deref(), Some("default"));
    }

    /// The admin reading over a user's shoulder sees what Teams or the service said, in the
    /// words docs/deploy.md's troubleshooting table starts from.
    #[wasm_bindgen_test]
    async fn a_failed_start_shows_the_technical_reason_for_the_it_department() {
        use crate::i18n::Locale;
        use crate::testing::{mount_in, settle, text};
        let refused = StartError::Api(ApiError::NotRegistered(
            "your organisation (tenant 1234) is not registered with this service".into(),
        ));
        let root = mount_in(Locale::de, move || {
            view! { <StartFailed error=refused.clone() retry=|| () /> }
        });
        settle().await;
        assert!(text(&root, "p").contains("nicht registriert"));
        assert_eq!(
            text(&root, ".detail"),
            "Details für Ihre IT-Abteilung: your organisation (tenant 1234) is not registered with this service"
        );
        let root = mount_in(Locale::en, || {
            view! { <StartFailed error=StartError::SignIn("resourceDisabled".into()) retry=|| () /> }
        });
        settle().await;
        assert_eq!(
            text(&root, ".detail"),
            "Details for your IT department: resourceDisabled"
        );
        let root = mount_in(Locale::en, || {
            view! { <StartFailed error=StartError::HostSilent retry=|| () /> }
        });
        settle().await;
        assert_eq!(text(&root, "h2"), "Microsoft Teams did not answer");
        assert!(root.query_selector(".detail").unwrap().is_none());
    }
}
