//! The generator's vocabulary, from the lists in `data/`. The order of every list is part
//! of what a seed generates: append, never reorder.

use std::sync::LazyLock;

#[derive(Clone, Copy)]
pub enum Country {
    De,
    At,
    Ch,
    Uk,
}

pub struct City {
    pub name: &'static str,
    pub postal: &'static str,
    pub street: &'static str,
    pub country: Country,
    /// Area code without trunk prefix.
    pub area: &'static str,
}

/// One entry per line of a word list in `data/`.
fn words(text: &'static str) -> Vec<&'static str> {
    text.lines().filter(|l| !l.is_empty()).collect()
}

/// `data/cities.tsv`: name, postal code, street, country, area code; `#` starts a comment.
fn cities(text: &'static str) -> Vec<City> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let country = match f[3] {
                "De" => Country::De,
                "At" => Country::At,
                "Ch" => Country::Ch,
                "Uk" => Country::Uk,
                other => panic!("data/cities.tsv: unknown country {other:?}"),
            };
            City {
                name: f[0],
                postal: f[1],
                street: f[2],
                country,
                area: f[4],
            }
        })
        .collect()
}

pub static CITIES: LazyLock<Vec<City>> = LazyLock::new(|| cities(include_str!("data/cities.tsv")));
pub static GIVEN_DE: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/given-de.txt")));
pub static GIVEN_AT: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/given-at.txt")));
pub static GIVEN_CH: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/given-ch.txt")));
pub static GIVEN_UK: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/given-uk.txt")));
pub static SURNAME_DE: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/surname-de.txt")));
pub static SURNAME_AT: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/surname-at.txt")));
pub static SURNAME_CH: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/surname-ch.txt")));
pub static SURNAME_UK: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/surname-uk.txt")));
pub static COMPANY_STEMS: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/company-stems.txt")));
pub static COMPANY_TRADES: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/company-trades.txt")));
pub static TRADES_UK: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/trades-uk.txt")));
pub static DEPARTMENTS_DE: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/departments-de.txt")));
pub static DEPARTMENTS_UK: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/departments-uk.txt")));
pub static TITLES_DE: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/titles-de.txt")));
pub static TITLES_UK: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/titles-uk.txt")));
pub static MOBILE_DE: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/mobile-de.txt")));
pub static MOBILE_AT: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/mobile-at.txt")));
pub static MOBILE_CH: LazyLock<Vec<&str>> =
    LazyLock::new(|| words(include_str!("data/mobile-ch.txt")));
