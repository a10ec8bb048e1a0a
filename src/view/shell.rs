use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::details::ContactDetails;
use super::device::DevicePanel;
use super::home::{Home, SavedFocus};
use super::icons::ShieldIcon;
use super::results::ResultGrid;
use super::search_box::SearchBox;
use super::status::Status;
use super::toast::Toasts;
use crate::i18n::*;
use crate::infra::session::Session;
use crate::state::{self, Feedback, Nav, Saved, Screen};

/// The whole tab once signed in: header, search, then favourites and recents, results,
/// a contact's details or the device panel; messages at the bottom.
#[component]
pub fn Shell(session: Session) -> impl IntoView {
    let i18n = use_i18n();
    let demo = session.demo;
    state::provide(session);
    let (nav, saved, feedback) = (
        expect_context::<Nav>(),
        expect_context::<Saved>(),
        expect_context::<Feedback>(),
    );
    provide_context(SavedFocus::new(saved, nav));
    install_shortcuts(nav);
    let on_search = move || {
        nav.screen
            .with(|s| matches!(s, Screen::Home | Screen::Results))
    };
    let main = move || match nav.screen.get() {
        Screen::Home => view! { <Home /> }.into_any(),
        Screen::Results => view! { <ResultGrid /> }.into_any(),
        Screen::Contact(contact) => view! { <ContactDetails contact=*contact /> }.into_any(),
        Screen::Device => view! { <DevicePanel /> }.into_any(),
    };
    let device_open = move || nav.screen.with(|s| *s == Screen::Device);
    view! {
        <div class="shell" class:compact=move || saved.settings.get().compact>
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
                    aria-pressed=move || device_open().to_string()
                    on:click=move |_| {
                        if device_open() {
                            nav.back_to_search();
                        } else {
                            nav.show(Screen::Device);
                        }
                    }
                >
                    <ShieldIcon />
                    <span class="device-button-label">{t_string!(i18n, device_button)}</span>
                </button>
            </header>
            <div class:hidden=move || !on_search()>
                <SearchBox />
                <Status />
            </div>
            {main}
            <p id="announcer" class="visually-hidden" role="status" aria-live="polite">{move || feedback.announcement.get()}</p>
            <Toasts />
        </div>
    }
}

/// `/` and Ctrl+K jump to the search field from anywhere; Esc leaves the details and the
/// device panel.
fn install_shortcuts(nav: Nav) {
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
            let elsewhere = nav
                .screen
                .with_untracked(|s| matches!(s, Screen::Contact(_) | Screen::Device));
            let jump = (key == "/" && !typing) || (ctrl && key.eq_ignore_ascii_case("k"));
            if jump || (key == "Escape" && elsewhere) {
                ev.prevent_default();
                nav.back_to_search();
            }
        });
    let _ = window.add_event_listener_with_callback("keydown", handler.as_ref().unchecked_ref());
    // The tab lives as long as the page.
    handler.forget();
}
