use kontakt_api::Contact;
use leptos::prelude::*;

use super::icons::StarIcon;
use crate::i18n::*;
use crate::state::Saved;
use crate::state::saved::StoreState;

/// The star: pins a contact to the favourites or removes it (a toggle button). Hidden when
/// this browser cannot keep favourites. Reactive, so a result row kept from answer to answer
/// pins whoever it shows now.
#[component]
pub fn PinButton(
    #[prop(into)] contact: Signal<Contact>,
    /// Show the word next to the star (details), not just the star (lists).
    #[prop(optional)]
    labelled: bool,
    /// Keyboard focus comes through the list's own navigation, not Tab.
    #[prop(optional)]
    untabbable: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let saved = expect_context::<Saved>();
    let pinned = Memo::new(move |_| contact.with(|c| saved.is_pinned(&c.id)));
    let name = move || contact.with(|c| c.display_name.clone());
    view! {
        <Show when=move || saved.state.get() != StoreState::Unavailable>
            <button
                class="icon-button pin-button"
                class:labelled=labelled
                class:pinned=move || pinned.get()
                type="button"
                tabindex=untabbable.then_some("-1")
                aria-pressed=move || pinned.get().to_string()
                // With the word shown, the word is the name (what people see is
                // what voice control users say); the star alone gets a full label.
                aria-label=move || {
                    (!labelled).then(|| t_string!(i18n, pin_contact, name = name()).to_string())
                }
                title=move || {
                    if pinned.get() {
                        t_string!(i18n, unpin_contact, name = name()).to_string()
                    } else {
                        t_string!(i18n, pin_contact, name = name()).to_string()
                    }
                }
                on:click=move |ev| {
                    ev.stop_propagation();
                    saved.toggle_pin(contact.get_untracked());
                }
            >
                {move || view! { <StarIcon filled=pinned.get() /> }}
                {labelled.then(|| view! { <span>{t_string!(i18n, favourite)}</span> })}
            </button>
        </Show>
    }
}
