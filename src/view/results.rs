use kontakt_api::{Phone, SearchHit};
use leptos::html::Div;
use leptos::prelude::*;

use super::avatar::Avatar;
use super::highlight::{Highlighted, ranges_for};
use super::icons::CallIcon;
use super::pin::PinButton;
use crate::i18n::*;
use crate::infra::browser;
use crate::state::{Action, Actions, Nav, Search};

/// The grid's id, which the search field controls.
pub const RESULTS_ID: &str = "results";

/// Row `index`'s id, for `aria-activedescendant`.
pub fn row_id(index: usize) -> String {
    format!("result-{index}")
}

/// The results: a grid the search field controls. It only has the grid role while it has
/// rows (an empty grid is not a valid one).
#[component]
pub fn ResultGrid() -> impl IntoView {
    let i18n = use_i18n();
    let search = expect_context::<Search>();
    let has_rows = move || search.hit_count() > 0;
    // The highlighted row scrolls into view as the keyboard moves it.
    let (nav, grid) = (expect_context::<Nav>(), NodeRef::<Div>::new());
    Effect::new(move |_| {
        if let (Some(i), Some(grid)) = (nav.active.get(), grid.get_untracked())
            && let Some(row) = grid.children().item(i as u32)
        {
            browser::scroll_into_view(&row);
        }
    });
    view! {
        <div
            id=RESULTS_ID
            node_ref=grid
            class="results"
            role=move || has_rows().then_some("grid")
            aria-label=move || has_rows().then(|| t_string!(i18n, results_label).to_string())
        >
            // Rows are keyed by position and kept from answer to answer: a new answer only
            // changes the texts and attributes that differ, instead of building 25 rows and
            // their event handlers anew at every keystroke (docs/performance.md).
            <For each=move || 0..search.hit_count() key=|index| *index let:index>
                <ResultRow index=index />
            </For>
        </div>
    }
}

/// One contact: who, what they do, where, and the number a click calls. Shows whichever
/// hit is at `index` in the answer on screen.
#[component]
fn ResultRow(index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let (search, nav, actions) = (
        expect_context::<Search>(),
        expect_context::<Nav>(),
        expect_context::<Actions>(),
    );
    // Everything the row shows is read from this memo, so a row is only touched when its
    // hit changed.
    let hit = Memo::new(move |_| {
        search
            .response
            .with(|r| r.as_ref().and_then(|r| r.hits.get(index).cloned()))
    });
    // A memo, not a derived signal: the id, the avatar and the star read the contact half a
    // dozen times per answer, and each read of a derived signal would clone it.
    let contact = Memo::new(move |_| {
        hit.with(|h| h.as_ref().map(|h| h.contact.clone()))
            .unwrap_or_default()
    });
    let name = move || {
        hit.with(|h| {
            h.as_ref().map(|h| {
                let ranges = ranges_for(h, "display_name").to_vec();
                view! { <Highlighted text=h.contact.display_name.clone() ranges=ranges /> }
            })
        })
    };
    let role = move || {
        hit.with(|h| {
            let c = &h.as_ref()?.contact;
            let role = [c.job_title.as_deref(), c.company.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            (!role.is_empty()).then(|| view! { <div class="result-role">{role}</div> })
        })
    };
    let department = move || {
        hit.with(|h| {
            let d = h.as_ref()?.contact.department.clone()?;
            Some(view! { <div class="result-department">{d}</div> })
        })
    };
    let has_phone = Memo::new(move |_| contact.with(|c| c.best_phone().is_some()));
    let callable = Memo::new(move |_| {
        actions.caps.pstn && contact.with(|c| c.best_phone().is_some_and(|p| p.e164.is_some()))
    });
    let number = move || {
        contact.with(|c| {
            c.best_phone()
                .map(|p| p.shown().to_owned())
                .unwrap_or_default()
        })
    };
    let call_label = move || t_string!(i18n, call_number, number = number()).to_string();
    let id = row_id(index);
    let cell_id = format!("{id}-name");
    let active = move || nav.active.get() == Some(index);
    view! {
        <div
            id=id
            role="row"
            class="result"
            class:active=active
            aria-selected=move || active().to_string()
            data-contact-id=move || contact.with(|c| c.id.clone())
            on:click=move |_| actions.run(Action::Open(contact.get_untracked()))
        >
            <div role="gridcell" id=cell_id class="result-main">
                <Avatar contact=contact />
                <div class="result-text">
                    <div class="result-name">{name}</div>
                    {role}
                    {department}
                </div>
            </div>
            <div role="gridcell" class="result-actions">
                {move || has_phone.get().then(|| {
                    // An extension of the user's own switchboard: the whole number on hover.
                    let whole = move || contact.with(|c| c.best_phone()?.extension_of.clone());
                    let shown = move || {
                        hit.with(|h| {
                            let (phone, ranges) = best_phone_marked(h.as_ref()?)?;
                            let (text, ranges) = (phone.shown().to_owned(), ranges.to_vec());
                            Some(view! { <Highlighted text=text ranges=ranges /> })
                        })
                    };
                    view! { <span class="result-phone" title=whole>{shown}</span> }
                })}
                {move || callable.get().then(|| view! {
                    <button
                        class="icon-button call-button"
                        type="button"
                        tabindex="-1"
                        aria-label=call_label
                        title=call_label
                        on:click=move |ev| {
                            ev.stop_propagation();
                            actions.run(Action::CallBest(contact.get_untracked()));
                        }
                    >
                        <CallIcon />
                    </button>
                })}
                <PinButton contact=contact untabbable=true />
            </div>
        </div>
    }
}

/// The number a click calls, with the parts of it the query matched.
fn best_phone_marked(hit: &SearchHit) -> Option<(&Phone, &[[u32; 2]])> {
    let phone = hit.contact.best_phone()?;
    let i = hit
        .contact
        .phones
        .iter()
        .position(|p| std::ptr::eq(p, phone))?;
    Some((phone, ranges_for(hit, &format!("phones[{i}]"))))
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use std::sync::Arc;

    use kontakt_api::SearchResponse;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::fixtures::{contact, hit};
    use crate::infra::teams::Context;
    use crate::testing::{attr, count, mount_with_state, settle, text};

    fn grid(context: Context, hits: Vec<SearchHit>) -> web_sys::HtmlElement {
        mount_with_state(Locale::de, context, move || {
            let search = expect_context::<Search>();
            let total = hits.len() as u64;
            search.response.set(Some(Arc::new(SearchResponse {
                query: "mül".into(),
                total,
                hits: hits.clone(),
            })));
            view! { <ResultGrid /> }
        })
    }

    #[wasm_bindgen_test]
    async fn a_row_shows_initials_highlighted_name_role_department_and_best_number() {
        let root = grid(
            Context::default(),
            vec![
                hit(contact("1", "Jürgen", "Müller"), vec![[7, 10]]),
                hit(contact("2", "Anna", "Mülheim"), vec![[5, 8]]),
            ],
        );
        settle().await;
        assert_eq!(count(&root, "[role=row]"), 2);
        assert_eq!(attr(&root, "#results", "role").as_deref(), Some("grid"));
        assert_eq!(text(&root, ".result .avatar"), "JM");
        assert_eq!(text(&root, ".result-name"), "Jürgen Müller");
        assert_eq!(text(&root, ".result-name mark"), "Mül");
        assert_eq!(text(&root, ".result-role"), "Einkäuferin · Contoso");
        assert_eq!(text(&root, ".result-department"), "Einkauf");
        // Business beats fax, whatever the order in the source.
        assert_eq!(text(&root, ".result-phone"), "089 1234-56");
        assert_eq!(
            attr(&root, ".call-button", "aria-label").as_deref(),
            Some("089 1234-56 anrufen")
        );
        assert_eq!(
            attr(&root, ".result", "data-contact-id").as_deref(),
            Some("test:1")
        );
    }

    #[wasm_bindgen_test]
    async fn a_row_is_kept_across_answers_and_shows_the_new_hit_in_full() {
        // The tab's search state, taken out of the mounted view to answer again later.
        thread_local!(static SEARCH: std::cell::Cell<Option<Search>> = const { std::cell::Cell::new(None) });
        let answer = |search: Search, hits: Vec<SearchHit>| {
            search.response.set(Some(Arc::new(SearchResponse {
                query: "z".into(),
                total: hits.len() as u64,
                hits,
            })));
        };
        let root = mount_with_state(Locale::de, Context::default(), move || {
            let search = expect_context::<Search>();
            SEARCH.set(Some(search));
            answer(
                search,
                vec![
                    hit(contact("1", "Jürgen", "Müller"), vec![[7, 10]]),
                    hit(contact("2", "Anna", "Mülheim"), vec![[5, 8]]),
                ],
            );
            view! { <ResultGrid /> }
        });
        settle().await;
        let first = root.query_selector(".result").unwrap().unwrap();
        let pin_label = || attr(&root, ".result .pin-button", "aria-label");
        assert_eq!(
            pin_label().as_deref(),
            Some("Jürgen Müller zu den Favoriten hinzufügen")
        );

        let mut other = contact("3", "Zoë", "Zander");
        (other.job_title, other.company, other.department) = (None, None, None);
        other.phones.truncate(1); // a fax only: nothing to call
        answer(SEARCH.get().unwrap(), vec![hit(other, vec![[4, 7]])]);
        settle().await;
        assert_eq!(count(&root, "[role=row]"), 1);
        let kept = root.query_selector(".result").unwrap().unwrap();
        assert!(
            kept.is_same_node(Some(&first)),
            "the first row's element is reused"
        );
        assert_eq!(text(&root, ".result-name"), "Zoë Zander");
        assert_eq!(text(&root, ".result-name mark"), "Zan");
        assert_eq!(text(&root, ".result .avatar"), "ZZ");
        assert_eq!(
            attr(&root, ".result", "data-contact-id").as_deref(),
            Some("test:3")
        );
        for gone in [
            ".result-role",
            ".result-department",
            ".result-phone",
            ".call-button",
        ] {
            assert_eq!(count(&root, gone), 0, "{gone} is removed");
        }
        // The star on the kept row pins whoever the row shows now.
        assert_eq!(
            pin_label().as_deref(),
            Some("Zoë Zander zu den Favoriten hinzufügen")
        );

        // And back: the parts come back with the new contact's texts.
        answer(
            SEARCH.get().unwrap(),
            vec![hit(contact("4", "Anna", "Berg"), vec![])],
        );
        settle().await;
        assert_eq!(text(&root, ".result-role"), "Einkäuferin · Contoso");
        assert_eq!(text(&root, ".result-phone"), "089 1234-56");
        assert_eq!(count(&root, ".call-button"), 1);
    }

    #[wasm_bindgen_test]
    async fn without_pstn_calling_or_a_dialable_number_there_is_no_call_button() {
        let no_pstn = Context {
            is_pstn_calling_allowed: Some(false),
            ..Context::default()
        };
        let root = grid(no_pstn, vec![hit(contact("1", "Jürgen", "Müller"), vec![])]);
        settle().await;
        assert_eq!(text(&root, ".result-phone"), "089 1234-56");
        assert_eq!(count(&root, ".call-button"), 0);

        let mut undialable = contact("2", "Anna", "Mülheim");
        for phone in &mut undialable.phones {
            phone.e164 = None;
        }
        let root = grid(Context::default(), vec![hit(undialable, vec![])]);
        settle().await;
        assert_eq!(count(&root, ".call-button"), 0);
    }

    #[wasm_bindgen_test]
    async fn an_empty_answer_is_not_announced_as_a_grid() {
        let root = grid(Context::default(), vec![]);
        settle().await;
        assert_eq!(count(&root, "[role=row]"), 0);
        assert_eq!(attr(&root, "#results", "role"), None);
    }
}
