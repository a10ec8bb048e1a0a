//! The customers and suppliers the generated people work for.

use rand::{Rng, RngExt};

use super::vocabulary::*;
use super::{mail_ascii, pick, scramble};

pub struct Company {
    pub name: String,
    pub domain: String,
    pub city: &'static City,
    pub street_no: u32,
    /// Digits of the company number after the area code; extensions follow it.
    pub base: String,
}

pub fn company(rng: &mut impl Rng, i: usize) -> Company {
    let city = &CITIES[rng.random_range(0..CITIES.len())];
    let name = match (city.country, rng.random_range(0..3)) {
        (Country::Uk, 0) => format!(
            "{} & {} Ltd",
            pick(rng, &SURNAME_UK),
            pick(rng, &SURNAME_UK)
        ),
        (Country::Uk, _) => format!(
            "{} {} Ltd",
            pick(
                rng,
                &[
                    "Northern", "Albion", "Crown", "Thames", "Highland", "Pennine", "Harbour"
                ]
            ),
            pick(rng, &TRADES_UK)
        ),
        (country, 0) => {
            let surnames = surnames_of(country);
            format!(
                "{} & {} {}",
                pick(rng, surnames),
                pick(rng, surnames),
                legal_form(rng, country)
            )
        }
        (country, _) => format!(
            "{}{} {}",
            pick(rng, &COMPANY_STEMS),
            pick(rng, &COMPANY_TRADES).to_lowercase(),
            legal_form(rng, country)
        ),
    };
    let slug: String = mail_ascii(&name.replace(" & ", "-"))
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .next()
        .unwrap_or("firma")
        .to_owned();
    let tld = match city.country {
        Country::De => "de",
        Country::At => "at",
        Country::Ch => "ch",
        Country::Uk => "co.uk",
    };
    // Distinct company numbers: the index makes every base unique.
    let width = 7 - city.area.len().min(3);
    let base = format!(
        "{}{:0width$}",
        rng.random_range(2..=9),
        scramble(i as u64, width as u32)
    );
    Company {
        domain: format!(
            "{}{}.{tld}",
            slug,
            if i > 60 {
                format!("-{i}")
            } else {
                String::new()
            }
        ),
        name,
        city,
        street_no: rng.random_range(1..200),
        base,
    }
}

fn legal_form(rng: &mut impl Rng, country: Country) -> &'static str {
    match country {
        Country::De => pick(rng, &["GmbH", "AG", "KG", "GmbH & Co. KG", "e.K."]),
        Country::At => pick(rng, &["GmbH", "AG", "OG", "KG"]),
        Country::Ch => pick(rng, &["AG", "GmbH", "SA"]),
        Country::Uk => "Ltd",
    }
}

pub fn surnames_of(country: Country) -> &'static [&'static str] {
    match country {
        Country::De => &SURNAME_DE,
        Country::At => &SURNAME_AT,
        Country::Ch => &SURNAME_CH,
        Country::Uk => &SURNAME_UK,
    }
}

pub fn given_of(country: Country) -> &'static [&'static str] {
    match country {
        Country::De => &GIVEN_DE,
        Country::At => &GIVEN_AT,
        Country::Ch => &GIVEN_CH,
        Country::Uk => &GIVEN_UK,
    }
}
