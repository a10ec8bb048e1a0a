//! What a favourite and a recent row share: the button that opens the contact, and the
//! contact's best number with a call button.

use kontakt_api::Contact;
use leptos::html::Button;
use leptos::prelude::*;

use super::focus::{RowKey, SavedFocus};
use crate::i18n::*;
use crate::state::{Action, Actions};
use crate::view::avatar::Avatar;
use crate::view::icons::CallIcon;

/// "Jobtitel · Firma".
fn subtitle(contact: &Contact) -> String {
    [contact.job_title.clone(), contact.company.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Avatar, name and a line below, as one button that opens the contact; ↑/↓ move between
/// rows.
#[component]
pub fn SavedContact(
    row: RowKey,
    contact: Contact,
    gone: bool,
    detail: Option<Signal<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (actions, focus) = (expect_context::<Actions>(), expect_context::<SavedFocus>());
    let button = NodeRef::<Button>::new();
    focus.register(row.clone(), button);
    let role = subtitle(&contact);
    let name = contact.display_name.clone();
    let open = contact.clone();
    view! {
        <button
            class="saved-open"
            type="button"
            node_ref=button
            on:click=move |_| actions.run(Action::Open(open.clone()))
            on:keydown=move |ev| focus.on_key(&row, &ev)
        >
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
pub fn CallBest(contact: Contact, gone: bool) -> impl IntoView {
    let i18n = use_i18n();
    let actions = expect_context::<Actions>();
    let best = contact.best_phone().cloned();
    let callable = !gone && actions.caps.pstn && best.as_ref().is_some_and(|p| p.e164.is_some());
    best.map(|phone| {
        let shown = phone.shown().to_owned();
        let (label, title) = (shown.clone(), shown.clone());
        view! {
            <span class="saved-phone" title=phone.extension_of.clone()>{shown}</span>
            {callable.then(|| view! {
                <button
                    class="icon-button call-button"
                    type="button"
                    aria-label=t_string!(i18n, call_number, number = label.clone()).to_string()
                    title=t_string!(i18n, call_number, number = title.clone()).to_string()
                    on:click=move |_| actions.run(Action::CallBest(contact.clone()))
                >
                    <CallIcon />
                </button>
            })}
        }
    })
}
