use kontakt_api::{Address, Contact, Phone, PhoneKind};
use leptos::html::H2;
use leptos::prelude::*;

use super::avatar::Avatar;
use super::icons::{BackIcon, CallIcon, ChatIcon, CopyIcon, MailIcon, PersonCallIcon};
use super::pin::PinButton;
use crate::i18n::*;
use crate::infra::browser;
use crate::state::{Action, Actions, Nav};

/// Everything about one contact, and what can be done with it.
#[component]
pub fn ContactDetails(contact: Contact) -> impl IntoView {
    let i18n = use_i18n();
    let (nav, actions) = (expect_context::<Nav>(), expect_context::<Actions>());
    let role = [contact.job_title.clone(), contact.company.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let person_actions = contact.upn.is_some().then(|| {
        let call_contact = contact.clone();
        let chat_contact = contact.clone();
        view! {
            <div class="person-actions">
                {actions.caps.teams_calls.then(|| view! {
                    <button class="button primary" type="button" on:click=move |_| {
                        actions.run(Action::CallPerson(call_contact.clone()));
                    }>
                        <PersonCallIcon />
                        {t_string!(i18n, call_person)}
                    </button>
                })}
                <button class="button" type="button" on:click=move |_| {
                    actions.run(Action::Chat(chat_contact.clone()));
                }>
                    <ChatIcon />
                    {t_string!(i18n, chat)}
                </button>
            </div>
        }
    });
    let dialable = contact.phones.iter().any(|p| p.e164.is_some());
    let source_name = contact.source.name.clone();
    // Focus lands on the name, so screen readers start there.
    let name = NodeRef::<H2>::new();
    browser::focus(name);
    view! {
        <section class="details" aria-labelledby="details-name">
            <button class="button subtle back-button" type="button" on:click=move |_| nav.back_to_search()>
                <BackIcon />
                {t_string!(i18n, back)}
            </button>
            <header class="details-header">
                <Avatar contact=contact.clone() />
                <div class="details-title">
                    <h2 id="details-name" tabindex="-1" node_ref=name>{contact.display_name.clone()}</h2>
                    {(!role.is_empty()).then(|| view! { <p class="details-role">{role}</p> })}
                    {contact.department.clone().map(|d| view! { <p class="details-department">{d}</p> })}
                </div>
                <PinButton contact=contact.clone() labelled=true />
            </header>
            {person_actions}
            {(!contact.phones.is_empty()).then(|| view! {
                <h3>{t_string!(i18n, phone_numbers)}</h3>
                {(!actions.caps.pstn && dialable).then(|| view! { <p class="note">{t_string!(i18n, pstn_not_allowed)}</p> })}
                <ul class="detail-list">
                    {contact.phones.iter().cloned().map(|p| view! { <PhoneRow contact=contact.clone() phone=p /> }).collect_view()}
                </ul>
            })}
            {(!contact.emails.is_empty()).then(|| view! {
                <h3>{t_string!(i18n, emails)}</h3>
                <ul class="detail-list">
                    {contact.emails.iter().cloned().map(|e| view! { <EmailRow contact=contact.clone() email=e /> }).collect_view()}
                </ul>
            })}
            {contact.address.clone().filter(|a| !a.is_empty()).map(|a| view! { <AddressBlock address=a /> })}
            <p class="source">{t_string!(i18n, from_source, source = source_name.clone()).to_string()}</p>
        </section>
    }
}

#[component]
fn PhoneRow(contact: Contact, phone: Phone) -> impl IntoView {
    let i18n = use_i18n();
    let actions = expect_context::<Actions>();
    let kind = move || match phone.kind {
        PhoneKind::Business => t_string!(i18n, kind_business),
        PhoneKind::Mobile => t_string!(i18n, kind_mobile),
        PhoneKind::Home => t_string!(i18n, kind_home),
        PhoneKind::Fax => t_string!(i18n, kind_fax),
        PhoneKind::Other => t_string!(i18n, kind_other),
    };
    let raw = phone.raw.clone();
    let shown = phone.shown().to_owned();
    // The number as the source wrote it, too, when that reads differently.
    let written = (raw != shown).then(|| raw.clone());
    let whole = phone.extension_of.clone();
    let callable = phone.e164.is_some() && actions.caps.pstn && phone.kind != PhoneKind::Fax;
    let call_label = shown.clone();
    let copy_label = shown.clone();
    let copy_text = phone.e164.clone().unwrap_or_else(|| raw.clone());
    let call_phone = phone.clone();
    view! {
        <li class="detail-row">
            <div class="detail-text">
                <span class="detail-label">{kind}</span>
                <span class="detail-value number" title=whole>{shown}</span>
                {written.map(|w| view! { <span class="detail-written number">{w}</span> })}
            </div>
            <div class="detail-actions">
                {callable.then(|| {
                    let label = call_label.clone();
                    view! {
                        <button
                            class="icon-button call-button"
                            type="button"
                            aria-label=t_string!(i18n, call_number, number = label.clone()).to_string()
                            title=t_string!(i18n, call_number, number = call_label.clone()).to_string()
                            on:click=move |_| {
                                actions.run(Action::CallNumber(contact.clone(), call_phone.clone()));
                            }
                        >
                            <CallIcon />
                        </button>
                    }
                })}
                <CopyButton text=copy_text label=copy_label />
            </div>
        </li>
    }
}

#[component]
fn EmailRow(contact: Contact, email: String) -> impl IntoView {
    let i18n = use_i18n();
    let actions = expect_context::<Actions>();
    let href = format!("mailto:{email}");
    let label = email.clone();
    // The mail program opens outside the tab: writing is as good as it gets for "mailed".
    let mailed = {
        let contact = contact.clone();
        move |_| actions.run(Action::Mailed(contact.clone()))
    };
    view! {
        <li class="detail-row">
            <div class="detail-text">
                <a class="detail-value" href=href on:click=mailed.clone()>{email.clone()}</a>
            </div>
            <div class="detail-actions">
                <a
                    class="icon-button"
                    on:click=mailed
                    href=format!("mailto:{email}")
                    aria-label=t_string!(i18n, email_to, address = label.clone()).to_string()
                    title=t_string!(i18n, email)
                >
                    <MailIcon />
                </a>
                <CopyButton text=email.clone() label=email />
            </div>
        </li>
    }
}

#[component]
fn AddressBlock(address: Address) -> impl IntoView {
    let i18n = use_i18n();
    let city_line = [address.postal_code.clone(), address.city.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let lines: Vec<String> = [
        address.street.clone(),
        (!city_line.is_empty()).then_some(city_line),
        address.region.clone(),
        address.country.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let text = lines.join("\n");
    let label = lines.join(", ");
    view! {
        <h3>{t_string!(i18n, address)}</h3>
        <div class="detail-row">
            <address class="detail-text">
                {lines.into_iter().map(|l| view! { <span class="address-line">{l}</span> }).collect_view()}
            </address>
            <div class="detail-actions">
                <CopyButton text=text label=label />
            </div>
        </div>
    }
}

#[component]
fn CopyButton(text: String, label: String) -> impl IntoView {
    let i18n = use_i18n();
    let actions = expect_context::<Actions>();
    let title_label = label.clone();
    view! {
        <button
            class="icon-button"
            type="button"
            aria-label=t_string!(i18n, copy_value, value = label.clone()).to_string()
            title=t_string!(i18n, copy_value, value = title_label.clone()).to_string()
            on:click=move |_| actions.run(Action::Copy(text.clone()))
        >
            <CopyIcon />
        </button>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use crate::fixtures::contact;
    use crate::infra::teams::Context;
    use crate::testing::{attr, count, mount_with_state, settle, text};

    fn details(locale: Locale, context: Context, contact: Contact) -> web_sys::HtmlElement {
        mount_with_state(locale, context, move || {
            view! { <ContactDetails contact=contact.clone() /> }
        })
    }

    fn colleague() -> Contact {
        let mut c = contact("7", "Jürgen", "Müller");
        c.upn = Some("juergen.mueller@contoso.example".into());
        c.address = Some(Address {
            street: Some("Leopoldstraße 42".into()),
            postal_code: Some("80802".into()),
            city: Some("München".into()),
            region: None,
            country: Some("Deutschland".into()),
        });
        c
    }

    #[wasm_bindgen_test]
    async fn everything_about_a_colleague_with_its_actions() {
        let root = details(Locale::en, Context::default(), colleague());
        settle().await;
        assert_eq!(text(&root, "#details-name"), "Jürgen Müller");
        assert_eq!(text(&root, ".details-role"), "Einkäuferin · Contoso");
        assert_eq!(text(&root, ".person-actions"), "Teams callChat");
        // Every number with its kind; the fax can be copied but not called.
        assert_eq!(count(&root, ".detail-row .number"), 2);
        assert_eq!(text(&root, ".detail-list .detail-label"), "Fax");
        assert_eq!(count(&root, ".detail-list .call-button"), 1);
        assert_eq!(
            attr(&root, ".detail-list .call-button", "aria-label").as_deref(),
            Some("Call 089 1234-56")
        );
        assert_eq!(
            attr(&root, "a.detail-value", "href").as_deref(),
            Some("mailto:jürgen@contoso.example")
        );
        assert_eq!(
            text(&root, "address"),
            "Leopoldstraße 4280802 MünchenDeutschland"
        );
        assert_eq!(count(&root, "address .address-line"), 3);
        assert_eq!(text(&root, ".source"), "From Test directory");
        assert_eq!(count(&root, ".note"), 0);
    }

    #[wasm_bindgen_test]
    async fn without_pstn_calling_numbers_are_not_called_and_the_reason_is_given() {
        let context = Context {
            is_pstn_calling_allowed: Some(false),
            ..Context::default()
        };
        let root = details(Locale::de, context, colleague());
        settle().await;
        assert_eq!(count(&root, ".detail-list .call-button"), 0);
        assert!(text(&root, ".note").contains("nicht freigeschaltet"));
        // Calling the person in Teams is still possible.
        assert_eq!(text(&root, ".person-actions"), "Teams-AnrufChat");
    }

    #[wasm_bindgen_test]
    async fn an_external_contact_has_no_teams_actions_and_missing_parts_leave_no_gaps() {
        let mut c = contact("8", "Anna", "Berg");
        c.emails.clear();
        c.department = None;
        let root = details(Locale::en, Context::default(), c);
        settle().await;
        assert_eq!(count(&root, ".person-actions"), 0);
        assert_eq!(count(&root, ".details-department"), 0);
        assert_eq!(count(&root, "address"), 0);
        assert_eq!(count(&root, "h3"), 1, "only the phone numbers heading");
    }

    #[wasm_bindgen_test]
    async fn numbers_read_as_people_read_them_and_as_written() {
        let mut c = contact("9", "Anna", "Berg");
        c.phones = vec![kontakt_api::Phone {
            kind: kontakt_api::PhoneKind::Business,
            raw: "(089) 452000-592".into(),
            e164: Some("+4989452000592".into()),
            display: Some("592".into()),
            extension_of: Some("089 452000-592".into()),
        }];
        let root = details(Locale::en, Context::default(), c);
        settle().await;
        assert_eq!(text(&root, ".detail-value.number"), "592");
        assert_eq!(
            attr(&root, ".detail-value.number", "title").as_deref(),
            Some("089 452000-592")
        );
        assert_eq!(text(&root, ".detail-written"), "(089) 452000-592");
        assert_eq!(
            attr(&root, ".detail-list .call-button", "aria-label").as_deref(),
            Some("Call 592")
        );
    }
}
