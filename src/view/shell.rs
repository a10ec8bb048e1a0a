use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::details::ContactDetails;
use super::results::ResultGrid;
use super::search_box::SearchBox;
use super::status::{Home, Status};
use super::toast::Toasts;
use crate::i18n::*;
use crate::session::Session;
use crate::ui::{SEARCH_ID, Ui, focus_later};

/// The whole tab once signed in: header, search, results or details, messages.
#[component]
pub fn Shell(session: Session) -> impl IntoView {
    let i18n = use_i18n();
    let demo = session.demo;
    let ui = Ui::new(session);
    install_shortcuts(ui);
    // Only a change between "nothing typed" and "something typed" swaps the view; a keystroke
    // must not rebuild the result list before its request has even been sent.
    let typed = Memo::new(move |_| !ui.search.query.with(|q| q.trim().is_empty()));
    let main = move || match ui.open.get() {
        Some(contact) => view! { <ContactDetails ui=ui contact=contact /> }.into_any(),
        None if !typed.get() => view! { <Home /> }.into_any(),
        None => view! { <ResultGrid ui=ui /> }.into_any(),
    };
    view! {
        <header class="topbar">
            <h1 class="app-name">{t!(i18n, app_name)}</h1>
            {demo.then(|| view! {
                <span class="badge demo-badge" title=move || t_string!(i18n, demo_badge_title)>
                    {t!(i18n, demo_badge)}
                </span>
            })}
        </header>
        <div class:hidden=move || ui.open.with(Option::is_some)>
            <SearchBox ui=ui />
            <Status ui=ui />
        </div>
        {main}
        <Toasts ui=ui />
    }
}

/// `/` and Ctrl+K jump to the search field from anywhere; Esc leaves the details.
fn install_shortcuts(ui: Ui) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let handler =
        Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |ev: web_sys::KeyboardEvent| {
            let typing = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|e| {
                    matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA")
                        || e.has_attribute("contenteditable")
                });
            let key = ev.key();
            let ctrl = ev.ctrl_key() || ev.meta_key();
            if (key == "/" && !typing) || (ctrl && key.eq_ignore_ascii_case("k")) {
                ev.prevent_default();
                if ui.open.get_untracked().is_some() {
                    ui.open.set(None);
                }
                focus_later(SEARCH_ID);
            } else if key == "Escape" && ui.open.get_untracked().is_some() {
                ev.prevent_default();
                ui.close_details();
            }
        });
    let _ = window.add_event_listener_with_callback("keydown", handler.as_ref().unchecked_ref());
    // The tab lives as long as the page.
    handler.forget();
}
