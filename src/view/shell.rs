use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::details::ContactDetails;
use super::device::DevicePanel;
use super::home::Home;
use super::icons::ShieldIcon;
use super::results::ResultGrid;
use super::search_box::SearchBox;
use super::status::Status;
use super::toast::Toasts;
use crate::i18n::*;
use crate::session::Session;
use crate::ui::{SEARCH_ID, Ui, focus_later};

/// The whole tab once signed in: header, search, then favourites and recents, results,
/// a contact's details or the device panel; messages at the bottom.
#[component]
pub fn Shell(session: Session) -> impl IntoView {
    let i18n = use_i18n();
    let demo = session.demo;
    let ui = Ui::new(session);
    install_shortcuts(ui);
    // Only a change between "nothing typed" and "something typed" swaps the view; a keystroke
    // must not rebuild the result list before its request has even been sent.
    let typed = Memo::new(move |_| !ui.search.query.with(|q| q.trim().is_empty()));
    let elsewhere = move || ui.device_panel.get() || ui.open.with(Option::is_some);
    let main = move || {
        if ui.device_panel.get() {
            return view! { <DevicePanel ui=ui /> }.into_any();
        }
        match ui.open.get() {
            Some(contact) => view! { <ContactDetails ui=ui contact=contact /> }.into_any(),
            None if !typed.get() => view! { <Home ui=ui /> }.into_any(),
            None => view! { <ResultGrid ui=ui /> }.into_any(),
        }
    };
    view! {
        <div class="shell" class:compact=move || ui.saved.settings.get().compact>
            <header class="topbar">
                <h1 class="app-name">{t_string!(i18n, app_name)}</h1>
                {demo.then(|| view! {
                    <span class="badge demo-badge" title=t_string!(i18n, demo_badge_title)>
                        {t_string!(i18n, demo_badge)}
                    </span>
                })}
                <button
                    id="device-button"
                    class="button subtle device-button"
                    type="button"
                    aria-pressed=move || ui.device_panel.get().to_string()
                    on:click=move |_| {
                        let open = !ui.device_panel.get_untracked();
                        ui.device_panel.set(open);
                        focus_later(if open { "device-title" } else { SEARCH_ID });
                    }
                >
                    <ShieldIcon />
                    <span class="device-button-label">{t_string!(i18n, device_button)}</span>
                </button>
            </header>
            <div class:hidden=elsewhere>
                <SearchBox ui=ui />
                <Status ui=ui />
            </div>
            {main}
            <p id="announcer" class="visually-hidden" role="status" aria-live="polite">{move || ui.announcement.get()}</p>
            <Toasts ui=ui />
        </div>
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
                ui.open.set(None);
                ui.device_panel.set(false);
                focus_later(SEARCH_ID);
            } else if key == "Escape" && ui.device_panel.get_untracked() {
                ev.prevent_default();
                ui.device_panel.set(false);
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
