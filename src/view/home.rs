//! What an empty search box shows: favourites, then recent contacts, straight from the
//! device — or, with neither, what to type.

use kontakt_api::Contact;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::avatar::Avatar;
use super::icons::{CallIcon, DismissIcon, GripIcon};
use super::pin::PinButton;
use crate::device::{Favourite, Recent, Use};
use crate::i18n::*;
use crate::saved::{Notice, StoreState};
use crate::ui::{SEARCH_ID, Ui, focus_later};

#[component]
pub fn Home(ui: Ui) -> impl IntoView {
    let i18n = use_i18n();
    let saved = ui.saved;
    let nothing_saved =
        move || saved.favourites.with(Vec::is_empty) && saved.recents.with(Vec::is_empty);
    view! {
        <div class="home" on:keydown=move |ev| list_keys(&ev)>
            <NoticeBanner ui=ui />
            <Show when=move || !saved.favourites.with(Vec::is_empty)>
                <Favourites ui=ui />
            </Show>
            <Show when=move || !saved.recents.with(Vec::is_empty)>
                <Recents ui=ui />
            </Show>
            // While the store opens (a few milliseconds) nothing: no hint flashing by.
            <Show when=move || nothing_saved() && saved.state.get() != StoreState::Opening>
                <div class="empty-state">
                    <p class="empty-title">{t_string!(i18n, empty_title)}</p>
                    <p class="hint">{t_string!(i18n, empty_hint)}</p>
                    <Show when=move || saved.state.get() == StoreState::Ready>
                        <p class="hint">{t_string!(i18n, saved_empty_hint)}</p>
                    </Show>
                    <p class="hint shortcuts">{t_string!(i18n, shortcuts_hint)}</p>
                </div>
            </Show>
        </div>
    }
}

/// ↑/↓ move between contacts, Esc goes back to the search field.
fn list_keys(ev: &web_sys::KeyboardEvent) {
    let Some(target) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    if !target.class_list().contains("saved-open") {
        return;
    }
    match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            focus_saved_from(&target, 1);
        }
        "ArrowUp" => {
            ev.prevent_default();
            focus_saved_from(&target, -1);
        }
        "Escape" => {
            ev.prevent_default();
            focus_later(SEARCH_ID);
        }
        _ => {}
    }
}

fn saved_buttons() -> Vec<web_sys::HtmlElement> {
    let Some(list) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all(".saved-open").ok())
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

/// Focuses the first saved contact (↓ from an empty search field). False if there is none.
pub fn focus_first_saved() -> bool {
    saved_buttons()
        .first()
        .map(|b| b.focus().is_ok())
        .unwrap_or(false)
}

fn focus_saved_from(current: &web_sys::Element, delta: isize) {
    let buttons = saved_buttons();
    let Some(at) = buttons.iter().position(|b| b.is_same_node(Some(current))) else {
        return;
    };
    let next = at as isize + delta;
    if next < 0 {
        focus_later(SEARCH_ID);
    } else if let Some(b) = buttons.get(next as usize) {
        let _ = b.focus();
    }
}

#[component]
fn NoticeBanner(ui: Ui) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        ui.saved.notice.get().map(|notice| {
            let urgent = matches!(notice, Notice::QuotaFull | Notice::Failed(_));
            let text = match notice {
                Notice::KeyChanged => t_string!(i18n, notice_key_changed).to_string(),
                Notice::QuotaFull => t_string!(i18n, notice_quota).to_string(),
                Notice::Unavailable => t_string!(i18n, notice_unavailable).to_string(),
                Notice::Wiped => t_string!(i18n, notice_wiped).to_string(),
                Notice::Failed(detail) => t_string!(i18n, notice_failed, detail = detail).to_string(),
            };
            view! {
                <div class="notice" class:urgent=urgent role=if urgent { "alert" } else { "status" }>
                    <p>{text}</p>
                    <button
                        class="icon-button"
                        type="button"
                        aria-label=t_string!(i18n, dismiss)
                        title=t_string!(i18n, dismiss)
                        on:click=move |_| ui.saved.notice.set(None)
                    >
                        <DismissIcon />
                    </button>
                </div>
            }
        })
    }
}

/// "Jobtitel · Firma", or that the contact is gone from the directory.
fn subtitle(contact: &Contact) -> String {
    [contact.job_title.clone(), contact.company.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

#[component]
fn Favourites(ui: Ui) -> impl IntoView {
    let i18n = use_i18n();
    // Drag and drop: which favourite is being dragged, and over which row.
    let dragging = RwSignal::new(None::<String>);
    let over = RwSignal::new(None::<usize>);
    let rows = move || {
        let favourites = ui.saved.favourites.get();
        let count = favourites.len();
        favourites
            .into_iter()
            .enumerate()
            .map(|(index, favourite)| view! { <FavouriteRow ui=ui favourite=favourite index=index count=count dragging=dragging over=over /> })
            .collect_view()
    };
    view! {
        <section class="saved" aria-labelledby="favourites-title">
            <h2 id="favourites-title" class="section-title">{t_string!(i18n, favourites_title)}</h2>
            <ul class="saved-list">{rows}</ul>
        </section>
    }
}

#[component]
fn FavouriteRow(
    ui: Ui,
    favourite: Favourite,
    index: usize,
    count: usize,
    dragging: RwSignal<Option<String>>,
    over: RwSignal<Option<usize>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let contact = favourite.contact.clone();
    let id = contact.id.clone();
    let name = contact.display_name.clone();
    let handle_id = format!("move-{id}");
    let moved = {
        let (id, name) = (id.clone(), name.clone());
        move |delta: isize| {
            if let Some(to) = ui.saved.move_by(&id, delta) {
                let message = t_string!(
                    i18n,
                    moved_to,
                    name = name.clone(),
                    position = to + 1,
                    count = count
                )
                .to_string();
                ui.announce(message);
                focus_later(format!("move-{id}"));
            }
        }
    };
    let on_handle_key = {
        let moved = moved.clone();
        move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
            "ArrowUp" => {
                ev.prevent_default();
                ev.stop_propagation();
                moved(-1);
            }
            "ArrowDown" => {
                ev.prevent_default();
                ev.stop_propagation();
                moved(1);
            }
            _ => {}
        }
    };
    let drag_id = id.clone();
    let on_drop = {
        move |ev: web_sys::DragEvent| {
            ev.prevent_default();
            over.set(None);
            let Some(from) = dragging.get_untracked() else {
                return;
            };
            let Some(at) = ui
                .saved
                .favourites
                .with_untracked(|f| f.iter().position(|f| f.contact.id == from))
            else {
                return;
            };
            ui.saved.move_by(&from, index as isize - at as isize);
            dragging.set(None);
        }
    };
    let move_label = name.clone();
    view! {
        <li
            class="saved-row"
            class:gone=favourite.gone
            class:drop-target=move || over.get() == Some(index) && dragging.get().is_some()
            class:dragging={
                let id = id.clone();
                move || dragging.get().as_deref() == Some(id.as_str())
            }
            data-contact-id=id.clone()
            draggable="true"
            on:dragstart=move |ev: web_sys::DragEvent| {
                if let Some(transfer) = ev.data_transfer() {
                    transfer.set_effect_allowed("move");
                    // Firefox starts a drag only with data set.
                    let _ = transfer.set_data("text/plain", "");
                }
                dragging.set(Some(drag_id.clone()));
            }
            on:dragover=move |ev: web_sys::DragEvent| {
                if dragging.get_untracked().is_some() {
                    ev.prevent_default();
                    over.set(Some(index));
                }
            }
            on:dragend=move |_| {
                dragging.set(None);
                over.set(None);
            }
            on:drop=on_drop
        >
            <button
                id=handle_id
                class="icon-button drag-handle"
                type="button"
                aria-label=t_string!(i18n, move_favourite, name = move_label.clone()).to_string()
                title=t_string!(i18n, move_favourite, name = name.clone()).to_string()
                on:keydown=on_handle_key
            >
                <GripIcon />
            </button>
            <SavedContact ui=ui contact=contact.clone() gone=favourite.gone detail=None />
            <span class="saved-actions">
                <CallBest ui=ui contact=contact.clone() gone=favourite.gone />
                <PinButton ui=ui contact=contact />
            </span>
        </li>
    }
}

#[component]
fn Recents(ui: Ui) -> impl IntoView {
    let i18n = use_i18n();
    let rows = move || {
        ui.saved
            .recents
            .get()
            .into_iter()
            .map(|recent| view! { <RecentRow ui=ui recent=recent /> })
            .collect_view()
    };
    view! {
        <section class="saved" aria-labelledby="recents-title">
            <div class="section-head">
                <h2 id="recents-title" class="section-title">{t_string!(i18n, recents_title)}</h2>
                <button class="button subtle small" type="button" on:click=move |_| {
                    ui.saved.clear_recents();
                    focus_later(SEARCH_ID);
                }>
                    {t_string!(i18n, clear_recents)}
                </button>
            </div>
            <ul class="saved-list">{rows}</ul>
        </section>
    }
}

#[component]
fn RecentRow(ui: Ui, recent: Recent) -> impl IntoView {
    let i18n = use_i18n();
    let contact = recent.contact.clone();
    let (used_at, how) = (recent.used_at, recent.how);
    let detail = Signal::derive(move || {
        let how = match how {
            Use::Opened => t_string!(i18n, use_opened),
            Use::Called => t_string!(i18n, use_called),
            Use::Chatted => t_string!(i18n, use_chatted),
            Use::Mailed => t_string!(i18n, use_mailed),
        };
        format!("{how} · {}", ago(used_at, i18n.get_locale()))
    });
    let id = contact.id.clone();
    let row_id = id.clone();
    let forget_name = contact.display_name.clone();
    let title_name = contact.display_name.clone();
    view! {
        <li class="saved-row" class:gone=recent.gone data-contact-id=row_id>
            <SavedContact ui=ui contact=contact.clone() gone=recent.gone detail=Some(detail) />
            <span class="saved-actions">
                <CallBest ui=ui contact=contact.clone() gone=recent.gone />
                <PinButton ui=ui contact=contact />
                <button
                    class="icon-button forget-button"
                    type="button"
                    aria-label=t_string!(i18n, forget_recent, name = forget_name.clone()).to_string()
                    title=t_string!(i18n, forget_recent, name = title_name.clone()).to_string()
                    on:click=move |_| ui.saved.forget(id.clone())
                >
                    <DismissIcon />
                </button>
            </span>
        </li>
    }
}

/// Avatar, name and a line below, as one button that opens the contact.
#[component]
fn SavedContact(
    ui: Ui,
    contact: Contact,
    gone: bool,
    detail: Option<Signal<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let role = subtitle(&contact);
    let name = contact.display_name.clone();
    let open = contact.clone();
    view! {
        <button class="saved-open" type="button" on:click=move |_| ui.open_contact(open.clone())>
            <Avatar contact=contact />
            <span class="saved-text">
                <span class="saved-name">{name}</span>
                {gone.then(|| view! { <span class="badge gone-badge">{t_string!(i18n, gone)}</span> })}
                {(!role.is_empty()).then(|| view! { <span class="saved-role">{role}</span> })}
                {detail.map(|d| view! { <span class="saved-detail">{move || d.get()}</span> })}
            </span>
        </button>
    }
}

/// The best number and a button that calls it (not for contacts gone from the directory:
/// their numbers may be stale).
#[component]
fn CallBest(ui: Ui, contact: Contact, gone: bool) -> impl IntoView {
    let i18n = use_i18n();
    let best = contact.best_phone().cloned();
    let callable = !gone && ui.caps.pstn && best.as_ref().is_some_and(|p| p.e164.is_some());
    best.map(|phone| {
        let (label, title) = (phone.raw.clone(), phone.raw.clone());
        view! {
            <span class="saved-phone">{phone.raw.clone()}</span>
            {callable.then(|| view! {
                <button
                    class="icon-button call-button"
                    type="button"
                    aria-label=t_string!(i18n, call_number, number = label.clone()).to_string()
                    title=t_string!(i18n, call_number, number = title.clone()).to_string()
                    on:click=move |_| ui.call_best(&contact)
                >
                    <CallIcon />
                </button>
            })}
        }
    })
}

/// "5 minutes ago", "gestern", … in the user's language (`Intl.RelativeTimeFormat`).
fn ago(then: f64, locale: Locale) -> String {
    let seconds = (then - js_sys::Date::now()) / 1000.0;
    let (value, unit) = match seconds.abs() {
        s if s < 45.0 => (0.0, "second"),
        s if s < 45.0 * 60.0 => ((seconds / 60.0).round(), "minute"),
        s if s < 20.0 * 3600.0 => ((seconds / 3600.0).round(), "hour"),
        s if s < 6.0 * 86400.0 => ((seconds / 86400.0).round(), "day"),
        _ => ((seconds / (7.0 * 86400.0)).round(), "week"),
    };
    let tag = if locale == Locale::de { "de" } else { "en" };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"numeric".into(), &"auto".into());
    let format = js_sys::Intl::RelativeTimeFormat::new(&js_sys::Array::of1(&tag.into()), &options);
    format.format(value, unit).into()
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn times_of_use_read_naturally_in_both_languages() {
        let now = js_sys::Date::now();
        let minute = 60_000.0;
        let cases = [
            (Locale::en, now - 10_000.0, "now"),
            (Locale::en, now - 5.0 * minute, "5 minutes ago"),
            (Locale::en, now - 3.0 * 60.0 * minute, "3 hours ago"),
            (Locale::en, now - 24.0 * 60.0 * minute, "yesterday"),
            (Locale::en, now - 21.0 * 24.0 * 60.0 * minute, "3 weeks ago"),
            (Locale::de, now - 10_000.0, "jetzt"),
            (Locale::de, now - 5.0 * minute, "vor 5 Minuten"),
            (Locale::de, now - 24.0 * 60.0 * minute, "gestern"),
        ];
        for (locale, then, expected) in cases {
            assert_eq!(ago(then, locale), expected);
        }
    }
}
