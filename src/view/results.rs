use kontakt_api::SearchHit;
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
    let rows = move || {
        search.response.with(|r| {
            r.as_ref()
                .map(|r| r.hits.iter().cloned().enumerate().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
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
            // Not a keyed <For>: nearly every key changes with every answer, and rows built
            // by position let each new row be patched into the old row's elements, which
            // measured 4–5 ms faster per keystroke (docs/performance.md).
            {move || {
                rows()
                    .into_iter()
                    .map(|(index, hit)| view! { <ResultRow index=index hit=hit /> })
                    .collect_view()
            }}
        </div>
    }
}

/// One contact: who, what they do, where, and the number a click calls.
#[component]
fn ResultRow(index: usize, hit: SearchHit) -> impl IntoView {
    let i18n = use_i18n();
    let (nav, actions) = (expect_context::<Nav>(), expect_context::<Actions>());
    let contact = hit.contact.clone();
    let name_ranges = ranges_for(&hit, "display_name").to_vec();
    let role = [contact.job_title.clone(), contact.company.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let department = contact.department.clone();
    let best = contact.best_phone().cloned().map(|p| {
        let i = contact.phones.iter().position(|q| *q == p).unwrap_or(0);
        let ranges = ranges_for(&hit, &format!("phones[{i}]")).to_vec();
        (p, ranges)
    });
    let callable = best.as_ref().is_some_and(|(p, _)| p.e164.is_some()) && actions.caps.pstn;
    let pin_contact = contact.clone();
    let id = row_id(index);
    let cell_id = format!("{id}-name");
    let active = move || nav.active.get() == Some(index);
    let open = {
        let contact = contact.clone();
        move |_| actions.run(Action::Open(contact.clone()))
    };
    view! {
        <div
            id=id
            role="row"
            class="result"
            class:active=active
            aria-selected=move || active().to_string()
            data-contact-id=contact.id.clone()
            on:click=open
        >
            <div role="gridcell" id=cell_id class="result-main">
                <Avatar contact=contact.clone() />
                <div class="result-text">
                    <div class="result-name">
                        <Highlighted text=contact.display_name.clone() ranges=name_ranges />
                    </div>
                    {(!role.is_empty()).then(|| view! { <div class="result-role">{role}</div> })}
                    {department.map(|d| view! { <div class="result-department">{d}</div> })}
                </div>
            </div>
            <div role="gridcell" class="result-actions">
                {best.map(|(phone, ranges)| {
                    let number = phone.shown().to_owned();
                    let label = number.clone();
                    let title = number.clone();
                    let contact = contact.clone();
                    // An extension of the user's own switchboard: the whole number on hover.
                    let whole = phone.extension_of.clone();
                    view! {
                        <span class="result-phone" title=whole><Highlighted text=number ranges=ranges /></span>
                        {callable.then(|| view! {
                            <button
                                class="icon-button call-button"
                                type="button"
                                tabindex="-1"
                                aria-label=t_string!(i18n, call_number, number = label.clone()).to_string()
                                title=t_string!(i18n, call_number, number = title.clone()).to_string()
                                on:click=move |ev| {
                                    ev.stop_propagation();
                                    actions.run(Action::CallBest(contact.clone()));
                                }
                            >
                                <CallIcon />
                            </button>
                        })}
                    }
                })}
                <PinButton contact=pin_contact untabbable=true />
            </div>
        </div>
    }
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
