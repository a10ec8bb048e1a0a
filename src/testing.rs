//! Helpers for component tests in headless Chromium (wasm-bindgen-test).

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::{I18nContextProvider, Locale, use_i18n};
use crate::infra::session::Session;
use crate::infra::teams::Context;
use crate::state::{Nav, Saved};
use crate::view::home::SavedFocus;

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

/// Mounts `view` in `locale` under the state of a signed-in tab (`context` says what Teams
/// allows), as the shell provides it.
pub fn mount_with_state<V: IntoView + 'static>(
    locale: Locale,
    context: Context,
    view: impl FnOnce() -> V + Clone + Send + Sync + 'static,
) -> web_sys::HtmlElement {
    mount_in(locale, move || {
        crate::state::provide(Session::for_tests(context.clone()));
        let (saved, nav) = (expect_context::<Saved>(), expect_context::<Nav>());
        provide_context(SavedFocus::new(saved, nav));
        view.clone()()
    })
}

/// Lets effects run and the DOM catch up.
pub async fn settle() {
    crate::infra::browser::sleep(Duration::from_millis(20)).await;
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
