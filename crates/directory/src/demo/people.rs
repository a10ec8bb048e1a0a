//! People: the demo tenant's own employees and its contacts at other companies.

use kontakt_api::{Address, Contact, Phone, PhoneKind, SourceRef};
use rand::{Rng, RngExt};

use super::companies::{Company, given_of, surnames_of};
use super::numbers::{business_number, mobile};
use super::vocabulary::*;
use super::{OWN_COMPANY, OWN_DOMAIN, SOURCE_ID, SOURCE_NAME, chance, mail_ascii, pick};

/// Names mostly from the company's country, some from its neighbours.
fn person_name(rng: &mut impl Rng, country: Country) -> (String, String) {
    let name_country = match rng.random_range(0..10) {
        0 => Country::De,
        1 if !matches!(country, Country::Uk) => Country::At,
        2 if !matches!(country, Country::Uk) => Country::Ch,
        3 => Country::Uk,
        _ => country,
    };
    let given = pick(rng, given_of(name_country)).to_owned();
    let mut surname = pick(rng, surnames_of(name_country)).to_owned();
    if !matches!(name_country, Country::Uk) && chance(rng, 5) {
        let second = pick(rng, surnames_of(name_country));
        if second != surname {
            surname = format!("{surname}-{second}");
        }
    }
    (given, surname)
}

fn email(given: &str, surname: &str, domain: &str) -> String {
    format!("{}.{}@{domain}", mail_ascii(given), mail_ascii(surname))
}

fn base_contact(i: usize, given: String, surname: String, title_prefix: bool) -> Contact {
    let display_name = if title_prefix {
        format!("Dr. {given} {surname}")
    } else {
        format!("{given} {surname}")
    };
    Contact {
        id: format!("{SOURCE_ID}:{i:06}"),
        source: SourceRef {
            id: SOURCE_ID.into(),
            name: SOURCE_NAME.into(),
        },
        display_name,
        given_name: Some(given),
        surname: Some(surname),
        ..Contact::default()
    }
}

pub fn own_employee(rng: &mut impl Rng, i: usize, ext: usize) -> Contact {
    let (given, surname) = person_name(rng, Country::De);
    let mut c = base_contact(i, given, surname, chance(rng, 3));
    let mail = email(
        c.given_name.as_deref().unwrap_or(""),
        c.surname.as_deref().unwrap_or(""),
        OWN_DOMAIN,
    );
    // A PBX export writes the same extension many ways.
    let raw = match rng.random_range(0..7) {
        0 => format!("+49 (0)89 452000-{ext}"),
        1 => format!("089/452000{ext}"),
        2 => format!("-{ext}"),
        3 => format!("{ext}"),
        4 => format!("+49 89 452000 {ext}"),
        5 => format!("0049 89 452000-{ext}"),
        _ => format!("(089) 452000-{ext}"),
    };
    c.phones.push(Phone::new(PhoneKind::Business, raw));
    if chance(rng, 60) {
        c.phones
            .push(Phone::new(PhoneKind::Mobile, mobile(rng, Country::De, i)));
    }
    c.company = Some(OWN_COMPANY.into());
    c.department = Some(pick(rng, &DEPARTMENTS_DE).into());
    c.job_title = Some(pick(rng, &TITLES_DE).into());
    c.address = Some(Address {
        street: Some("Leopoldstraße 42".into()),
        postal_code: Some("80802".into()),
        city: Some("München".into()),
        region: Some("Bayern".into()),
        country: Some("Deutschland".into()),
    });
    c.emails.push(mail.clone());
    c.upn = Some(mail);
    c
}

pub fn external_contact(rng: &mut impl Rng, i: usize, company: &Company, ext: usize) -> Contact {
    let country = company.city.country;
    let (given, surname) = person_name(rng, country);
    let mut c = base_contact(i, given, surname, chance(rng, 3));
    let business = business_number(rng, company, &ext.to_string());
    c.phones.push(Phone::new(PhoneKind::Business, business));
    if chance(rng, 45) {
        c.phones
            .push(Phone::new(PhoneKind::Mobile, mobile(rng, country, i)));
    }
    if chance(rng, 10) {
        let fax = business_number(rng, company, "99");
        c.phones.push(Phone::new(PhoneKind::Fax, fax));
    }
    if chance(rng, 3) {
        let home = business_number(rng, company, &format!("{}", 40 + i % 50));
        c.phones.push(Phone::new(
            PhoneKind::Home,
            home.replace(&company.base, &format!("{}", 300_000 + i % 600_000)),
        ));
    }
    let uk = matches!(country, Country::Uk);
    c.company = Some(company.name.clone());
    if chance(rng, 85) {
        c.department = Some(pick(rng, if uk { &DEPARTMENTS_UK } else { &DEPARTMENTS_DE }).into());
    }
    if chance(rng, 90) {
        c.job_title = Some(pick(rng, if uk { &TITLES_UK } else { &TITLES_DE }).into());
    }
    c.emails.push(email(
        c.given_name.as_deref().unwrap_or(""),
        c.surname.as_deref().unwrap_or(""),
        &company.domain,
    ));
    if chance(rng, 5) {
        c.emails.push(format!("info@{}", company.domain));
    }
    let city = company.city;
    c.address = Some(Address {
        street: Some(if uk {
            format!("{} {}", company.street_no, city.street)
        } else {
            format!("{} {}", city.street, company.street_no)
        }),
        postal_code: Some(city.postal.into()),
        city: Some(city.name.into()),
        region: None,
        country: Some(
            match country {
                Country::De => "Deutschland",
                Country::At => "Österreich",
                Country::Ch => "Schweiz",
                Country::Uk => "United Kingdom",
            }
            .into(),
        ),
    });
    c
}
