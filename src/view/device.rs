//! "This device": the settings, what Kontakt keeps on this device and how it is protected,
//! and a button that removes all of it.

use leptos::html::{Button, H2};
use leptos::prelude::*;

use super::icons::BackIcon;
use crate::i18n::*;
use crate::infra::browser;
use crate::infra::device::MAX_RECENTS;
use crate::infra::settings::Settings;
use crate::state::saved::StoreState;
use crate::state::{Nav, Saved};

#[component]
pub fn DevicePanel() -> impl IntoView {
    let i18n = use_i18n();
    let (saved, nav) = (expect_context::<Saved>(), expect_context::<Nav>());
    let confirming = RwSignal::new(false);
    let (title, wipe, wipe_yes) = (
        NodeRef::<H2>::new(),
        NodeRef::<Button>::new(),
        NodeRef::<Button>::new(),
    );
    browser::focus(title);
    let close = move |_| nav.back_to_search();
    let set = move |change: fn(&mut Settings, bool)| {
        move |ev| {
            let mut settings = saved.settings.get_untracked();
            change(&mut settings, event_target_checked(&ev));
            saved.set_settings(settings);
        }
    };
    let favourites = move || saved.favourites.with(Vec::len);
    let recents = move || saved.recents.with(Vec::len);
    view! {
        <section class="device-panel" aria-labelledby="device-title">
            <button class="button subtle back-button" type="button" on:click=close>
                <BackIcon />
                {t_string!(i18n, close)}
            </button>
            <h2 id="device-title" tabindex="-1" node_ref=title>{t_string!(i18n, device_button)}</h2>

            <h3>{t_string!(i18n, display_title)}</h3>
            <label class="check">
                <input
                    type="checkbox"
                    id="setting-compact"
                    prop:checked=move || saved.settings.get().compact
                    on:change=set(|s, on| s.compact = on)
                />
                {t_string!(i18n, compact_list)}
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    id="setting-recents"
                    aria-describedby="setting-recents-hint"
                    prop:checked=move || saved.settings.get().keep_recents
                    on:change=set(|s, on| s.keep_recents = on)
                />
                {t_string!(i18n, keep_recents)}
            </label>
            <p id="setting-recents-hint" class="hint">{t_string!(i18n, keep_recents_hint)}</p>

            <h3>{t_string!(i18n, stored_title)}</h3>
            <ul class="stored-list">
                <li>{t!(i18n, stored_favourites, count = favourites)}</li>
                <li>{t!(i18n, stored_recents, count = recents, max = move || MAX_RECENTS)}</li>
                <li>{t_string!(i18n, stored_protection)}</li>
                {move || saved.database.get().map(|name| view! {
                    <li>{t_string!(i18n, stored_database, name = name.clone()).to_string()}</li>
                })}
                <li class="directory-key">{t_string!(i18n, stored_directory_key, fingerprint = saved.directory_key()).to_string()}</li>
                <li>{t_string!(i18n, stored_settings)}</li>
                <li>{t_string!(i18n, stored_nothing_else)}</li>
            </ul>
            <Show when=move || saved.state.get() == StoreState::Unavailable>
                <p class="note">{t_string!(i18n, notice_unavailable)}</p>
            </Show>

            {move || if confirming.get() {
                view! {
                    <div class="confirm" role="group" aria-labelledby="wipe-question">
                        <p id="wipe-question">{t_string!(i18n, wipe_confirm)}</p>
                        <div class="button-row">
                            <button id="wipe-yes" node_ref=wipe_yes class="button danger" type="button" on:click=move |_| {
                                confirming.set(false);
                                saved.wipe();
                                nav.back_to_search();
                            }>
                                {t_string!(i18n, wipe_yes)}
                            </button>
                            <button class="button" type="button" on:click=move |_| {
                                confirming.set(false);
                                browser::focus(wipe);
                            }>
                                {t_string!(i18n, cancel)}
                            </button>
                        </div>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <button id="wipe" node_ref=wipe class="button danger" type="button" on:click=move |_| {
                        confirming.set(true);
                        browser::focus(wipe_yes);
                    }>
                        {t_string!(i18n, wipe)}
                    </button>
                }
                .into_any()
            }}
        </section>
    }
}
