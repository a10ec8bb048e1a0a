//! Helpers for component tests in headless Chromium (wasm-bindgen-test).

use std::time::Duration;

use kontakt_api::{Contact, Highlight, Phone, PhoneKind, SearchHit, SourceRef};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::{I18nContextProvider, Locale, use_i18n};

/// Mounts `view` into a fresh `<div>` in the test page and returns that element. The view
/// stays mounted for the rest of the test run.
pub fn mount_test<V: IntoView + 'static>(
    view: impl FnOnce() -> V + 'static,
) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone(), view);
    handle.forget();
    root
}

/// Mounts `view` with translations in `locale`, as the app does: the language is settled
/// (after the provider's own first pick, the browser's) before the view is built, because
/// views translate once, when they are built.
pub fn mount_in<V: IntoView + 'static>(
    locale: Locale,
    view: impl FnOnce() -> V + Clone + Send + Sync + 'static,
) -> web_sys::HtmlElement {
    mount_test(move || {
        view! {
            <I18nContextProvider>
                {
                    let i18n = use_i18n();
                    let ready = RwSignal::new(false);
                    Effect::new(move |_| {
                        i18n.set_locale(locale);
                        ready.set(true);
                    });
                    let view = view.clone();
                    move || ready.get().then(|| view.clone()())
                }
            </I18nContextProvider>
        }
    })
}

/// Lets effects run and the DOM catch up.
pub async fn settle() {
    crate::teams::sleep(Duration::from_millis(20)).await;
}

pub fn text(root: &web_sys::HtmlElement, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .text_content()
        .unwrap_or_default()
}

pub fn count(root: &web_sys::HtmlElement, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

pub fn attr(root: &web_sys::HtmlElement, selector: &str, name: &str) -> Option<String> {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .get_attribute(name)
}

/// A contact as a directory source would deliver it.
pub fn contact(id: &str, given: &str, surname: &str) -> Contact {
    Contact {
        id: format!("test:{id}"),
        source: SourceRef {
            id: "test".into(),
            name: "Test directory".into(),
        },
        display_name: format!("{given} {surname}"),
        given_name: Some(given.into()),
        surname: Some(surname.into()),
        company: Some("Contoso".into()),
        department: Some("Einkauf".into()),
        job_title: Some("Einkäuferin".into()),
        emails: vec![format!("{}@contoso.example", given.to_lowercase())],
        phones: vec![
            Phone {
                kind: PhoneKind::Fax,
                raw: "089 1234-99".into(),
                e164: Some("+4989123499".into()),
            },
            Phone {
                kind: PhoneKind::Business,
                raw: "089 1234-56".into(),
                e164: Some("+49891234056".into()),
            },
        ],
        address: None,
        upn: None,
    }
}

pub fn hit(contact: Contact, name_ranges: Vec<[u32; 2]>) -> SearchHit {
    SearchHit {
        contact,
        score: 1.0,
        highlights: vec![Highlight {
            field: "display_name".into(),
            ranges: name_ranges,
        }],
    }
}

/// Loads the real Teams library (the file the app ships) into the test page, once.
pub fn load_teams_library() {
    let loaded = js_sys::Reflect::has(&js_sys::global(), &"microsoftTeams".into()).unwrap_or(false);
    if !loaded {
        js_sys::eval(include_str!(
            "../node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js"
        ))
        .expect("the Teams library loads");
    }
}
