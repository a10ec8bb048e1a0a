//! Phone numbers, written the many ways people in each country write them.

use rand::{Rng, RngExt};

use super::companies::Company;
use super::vocabulary::*;
use super::{pick, scramble};

/// A company extension, written as people in that country write it. Numbers abroad carry
/// their country code, as they do in a German company's CRM.
pub fn business_number(rng: &mut impl Rng, company: &Company, ext: &str) -> String {
    let area = company.city.area;
    let base = &company.base;
    let (head, tail) = base.split_at(base.len() / 2);
    match company.city.country {
        Country::De => match rng.random_range(0..8) {
            0 => format!("+49 (0){area} {base}-{ext}"),
            1 => format!("0{area}/{base}{ext}"),
            2 => format!("0049 {area} {base}{ext}"),
            3 => format!("+49 {area} {head} {tail} {ext}"),
            4 => format!("(0{area}) {head} {tail}-{ext}"),
            5 => format!("0{area}-{base}-{ext}"),
            6 => format!("+49{area}{base}{ext}"),
            _ => format!("0{area} {base} {ext}"),
        },
        Country::At => match rng.random_range(0..3) {
            0 => format!("+43 {area} {base}-{ext}"),
            1 => format!("0043 {area} {base} {ext}"),
            _ => format!("+43 (0){area} {base}{ext}"),
        },
        Country::Ch => match rng.random_range(0..3) {
            0 => format!("+41 {area} {head} {tail} {ext}"),
            1 => format!("0041 {area} {base}{ext}"),
            _ => format!("+41 (0){area} {base} {ext}"),
        },
        Country::Uk => match rng.random_range(0..2) {
            0 => format!("+44 {area} {base} {ext}"),
            _ => format!("+44 (0){area} {head} {tail}{ext}"),
        },
    }
}

pub fn mobile(rng: &mut impl Rng, country: Country, i: usize) -> String {
    // Unique per contact: the contact index is part of the subscriber number.
    let sub = format!("{:07}", scramble(i as u64, 7));
    match country {
        Country::De => {
            let prefix = pick(rng, &MOBILE_DE);
            match rng.random_range(0..4) {
                0 => format!("0{prefix} {sub}"),
                1 => format!("+49 {prefix} {sub}"),
                2 => format!("0{prefix}/{sub}"),
                _ => format!("+49 (0){prefix} {} {}", &sub[..3], &sub[3..]),
            }
        }
        Country::At => format!("+43 {} {sub}", pick(rng, &MOBILE_AT)),
        Country::Ch => format!(
            "+41 {} {} {} {}",
            pick(rng, &MOBILE_CH),
            &sub[..3],
            &sub[3..5],
            &sub[5..]
        ),
        Country::Uk => format!("+44 7{} {}", rng.random_range(400..=999), &sub[..6]),
    }
}
