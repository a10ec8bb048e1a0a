//! Contacts used lately, newest first: what was done and when.

use leptos::prelude::*;

use super::focus::Section;
use super::row::{CallBest, SavedContact};
use crate::i18n::*;
use crate::infra::device::{Recent, Use};
use crate::state::{Nav, Saved};
use crate::view::icons::DismissIcon;
use crate::view::pin::PinButton;

#[component]
pub fn Recents() -> impl IntoView {
    let i18n = use_i18n();
    let (saved, nav) = (expect_context::<Saved>(), expect_context::<Nav>());
    let key = |r: &Recent| (r.contact.clone(), r.used_at.to_bits(), r.how, r.gone);
    view! {
        <section class="saved" aria-labelledby="recents-title">
            <div class="section-head">
                <h2 id="recents-title" class="section-title">{t_string!(i18n, recents_title)}</h2>
                <button class="button subtle small" type="button" on:click=move |_| {
                    saved.clear_recents();
                    nav.focus_search();
                }>
                    {t_string!(i18n, clear_recents)}
                </button>
            </div>
            <ul class="saved-list">
                <For each=move || saved.recents.get() key=key let(recent)>
                    <RecentRow recent=recent />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn RecentRow(recent: Recent) -> impl IntoView {
    let i18n = use_i18n();
    let saved = expect_context::<Saved>();
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
    let forgotten = id.clone();
    let forget = t_string!(i18n, forget_recent, name = contact.display_name.clone()).to_string();
    view! {
        <li class="saved-row" class:gone=recent.gone data-contact-id=id.clone()>
            <SavedContact
                row=(Section::Recents, id.clone())
                contact=contact.clone()
                gone=recent.gone
                detail=Some(detail)
            />
            <span class="saved-actions">
                <CallBest contact=contact.clone() gone=recent.gone />
                <PinButton contact=contact />
                <button
                    class="icon-button forget-button"
                    type="button"
                    aria-label=forget.clone()
                    title=forget
                    on:click=move |_| saved.forget(forgotten.clone())
                >
                    <DismissIcon />
                </button>
            </span>
        </li>
    }
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
