use kontakt_api::SearchHit;
use leptos::prelude::*;

use super::avatar::Avatar;
use super::highlight::{Highlighted, ranges_for};

/// One line of the result list: who, what they do, and the number to call.
#[component]
pub fn ResultRow(hit: SearchHit) -> impl IntoView {
    let contact = hit.contact.clone();
    let name_ranges = ranges_for(&hit, "display_name").to_vec();
    let role = [contact.job_title.clone(), contact.company.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let best = contact.best_phone().map(|p| {
        let index = contact.phones.iter().position(|q| q == p).unwrap_or(0);
        (
            p.raw.clone(),
            ranges_for(&hit, &format!("phones[{index}]")).to_vec(),
        )
    });
    let department = contact.department.clone();
    view! {
        <li class="result" data-contact-id=contact.id.clone()>
            <Avatar contact=contact.clone() />
            <div class="result-text">
                <div class="result-name">
                    <Highlighted text=contact.display_name.clone() ranges=name_ranges />
                </div>
                {(!role.is_empty()).then(|| view! { <div class="result-role">{role}</div> })}
                {department.map(|d| view! { <div class="result-department">{d}</div> })}
            </div>
            {best.map(|(raw, ranges)| view! {
                <div class="result-phone">
                    <Highlighted text=raw ranges=ranges />
                </div>
            })}
        </li>
    }
}
