//! A deterministic generator of realistic contacts for demos, tests and benchmarks.
//!
//! The same `(count, seed)` always gives the same contacts, on every machine and every run.
//! A quarter of the people work for the demo tenant's own company in Munich and are written
//! with the short forms a real PBX export uses (`-78`, `089/452000-78`); the rest work for
//! customers and suppliers in Germany, Austria, Switzerland and the UK. Names carry umlauts,
//! `ß`, double names and titles; numbers are written the many ways real sources write them.

mod companies;
mod numbers;
mod people;
mod vocabulary;

use kontakt_api::Contact;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::phone::DialingParams;
use companies::{Company, company};
use people::{external_contact, own_employee};

pub const SOURCE_ID: &str = "demo";
pub const SOURCE_NAME: &str = "Demo directory";
pub const DEFAULT_COUNT: usize = 2_000;
pub const DEFAULT_SEED: u64 = 42;
/// The company the demo tenant is: a quarter of the generated people work there.
pub const OWN_COMPANY: &str = "Kontakt Demo GmbH";
const OWN_DOMAIN: &str = "kontakt-demo.de";

/// Dialling parameters of the demo tenant: Munich, with a PBX behind +49 89 452000.
pub fn dialing() -> DialingParams {
    DialingParams {
        country: "DE".into(),
        area_code: Some("89".into()),
        main_number: Some("+49 89 452000".into()),
    }
}

/// Generates `count` contacts, identical for identical `(count, seed)`.
pub fn generate(count: usize, seed: u64) -> Vec<Contact> {
    Generator::new(count, seed).collect()
}

/// Streams the contacts of [`generate`] without holding them all.
pub struct Generator {
    seed: u64,
    next: usize,
    count: usize,
    companies: Vec<Company>,
}

impl Generator {
    pub fn new(count: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // About 150 people per company outside the own one, as in a real CRM.
        let n_companies = (count / 200).max(40);
        let mut companies = Vec::with_capacity(n_companies);
        for i in 0..n_companies {
            companies.push(company(&mut rng, i));
        }
        Generator {
            seed,
            next: 0,
            count,
            companies,
        }
    }
}

impl Iterator for Generator {
    type Item = Contact;

    fn next(&mut self) -> Option<Contact> {
        if self.next >= self.count {
            return None;
        }
        let i = self.next;
        self.next += 1;
        // One stream per contact: contact i does not depend on how contacts before it drew.
        let mut rng =
            ChaCha8Rng::seed_from_u64(self.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Some(if i.is_multiple_of(4) {
            own_employee(&mut rng, i, 100 + i / 4)
        } else {
            let j = i - i / 4 - 1;
            let company = &self.companies[j % self.companies.len()];
            external_contact(&mut rng, i, company, 10 + j / self.companies.len())
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

fn pick<'a, T: ?Sized>(rng: &mut impl Rng, items: &'a [&'a T]) -> &'a T {
    items[rng.random_range(0..items.len())]
}

fn chance(rng: &mut impl Rng, percent: u32) -> bool {
    rng.random_range(0..100) < percent
}

/// A different-looking number for every `i` below `10^digits`: multiplying by a number
/// coprime to 10 permutes the residues, so distinct inputs give distinct numbers.
fn scramble(i: u64, digits: u32) -> u64 {
    let modulus = 10u64.pow(digits);
    (i.wrapping_mul(7_919) + 3_141_593) % modulus
}

/// The ASCII spelling German addresses use: `ü` → `ue`, `ß` → `ss`.
fn mail_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            '\'' => {}
            ' ' => out.push('.'),
            c => out.push_str(&deunicode::deunicode_char(c).unwrap_or("").to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_contacts() {
        assert_eq!(generate(300, 7), generate(300, 7));
        assert_ne!(generate(300, 7), generate(300, 8));
    }

    #[test]
    fn ids_are_unique_and_stable() {
        let contacts = generate(2_000, DEFAULT_SEED);
        let ids: std::collections::HashSet<_> = contacts.iter().map(|c| &c.id).collect();
        assert_eq!(ids.len(), 2_000);
        assert_eq!(contacts[42].id, "demo:000042");
    }

    #[test]
    fn looks_like_a_german_speaking_directory() {
        let contacts = generate(2_000, DEFAULT_SEED);
        let names: String = contacts.iter().map(|c| c.display_name.as_str()).collect();
        assert!(names.contains('ü') && names.contains('ö') && names.contains('ß'));
        let raws: Vec<&str> = contacts
            .iter()
            .flat_map(|c| c.phones.iter().map(|p| p.raw.as_str()))
            .collect();
        assert!(raws.iter().any(|r| r.starts_with("+49 (0)")));
        assert!(raws.iter().any(|r| r.starts_with("0049 ")));
        assert!(raws.iter().any(|r| r.starts_with('-')));
        assert!(raws.iter().any(|r| r.contains('/')));
        assert!(raws.iter().any(|r| r.starts_with("+43 ")));
        assert!(raws.iter().any(|r| r.starts_with("+41 ")));
        assert!(
            contacts
                .iter()
                .all(|c| !c.emails.is_empty() && !c.phones.is_empty())
        );
        assert!(contacts.iter().all(|c| c.emails[0].is_ascii()));
    }

    #[test]
    fn every_generated_number_normalises() {
        let n = crate::phone::PhoneNormalizer::new(&dialing()).unwrap();
        for c in generate(2_000, DEFAULT_SEED) {
            for p in &c.phones {
                assert!(n.normalize(&p.raw).is_some(), "{} {:?}", c.id, p.raw);
            }
        }
    }
}
