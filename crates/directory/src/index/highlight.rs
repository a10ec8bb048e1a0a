//! Where the query matched, for the hits that are shown: ranges in the original text.

use kontakt_api::{Contact, Highlight};

use super::Index;
use super::matcher::WordMatcher;
use super::numbers::NumberPattern;
use crate::fields::{FIELD_BITS, Field, for_each_field_with_path};
use crate::text::{for_each_term, span_of_prefix};

/// Highlights of a word query in every matched field of `contact`, document `doc`.
pub fn highlights(
    index: &Index,
    doc: u32,
    contact: &Contact,
    words: &[WordMatcher],
) -> Vec<Highlight> {
    // The fields some word matched in, from the document's term list: the other fields'
    // words (most of a hit's texts, for a name) are not folded and compared at all.
    let mut matched_fields = 0u8;
    index.for_each_forward(doc, |e| {
        let field = Field::from_bits(e);
        if words
            .iter()
            .any(|w| w.tier(e >> FIELD_BITS, field).is_some())
        {
            matched_fields |= 1 << field as u8;
        }
    });
    let mut out = Vec::new();
    for_each_field_with_path(contact, |field, text, path| {
        if matched_fields & 1 << field as u8 == 0 {
            return;
        }
        let mut ranges: Vec<[u32; 2]> = Vec::new();
        for_each_term(text, |term, start, ends| {
            let matched = words
                .iter()
                .filter_map(|w| w.matched_len(index, term, field))
                .max();
            if let Some(len) = matched {
                ranges.push(span_of_prefix(start, ends, len));
            }
        });
        if !ranges.is_empty() {
            out.push(Highlight {
                field: path(),
                ranges,
            });
        }
    });
    out
}

/// Highlights of a number query: the digits of each matching number as shown (as people
/// read it here, else as written). Both end with the E.164 form's last digits.
pub fn number_highlights(contact: &Contact, pattern: &NumberPattern) -> Vec<Highlight> {
    let mut out = Vec::new();
    for (i, phone) in contact.phones.iter().enumerate() {
        let Some(e164) = phone.e164.as_deref().map(|e| &e[1..]) else {
            continue;
        };
        // Digit positions (in chars) of the number as shown.
        let shown = phone.shown();
        let digits: Vec<u32> = shown
            .chars()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_digit())
            .map(|(p, _)| p as u32)
            .collect();
        let (Some(&first), Some(&last)) = (digits.first(), digits.last()) else {
            continue;
        };
        let whole = [
            first.min(if shown.starts_with('+') { 0 } else { first }),
            last + 1,
        ];
        let range = if pattern.exact.iter().any(|e| e == e164) {
            Some(whole)
        } else if let Some(p) = pattern
            .prefixes
            .iter()
            .filter(|p| e164.starts_with(p.as_str()))
            .max_by_key(|p| p.len())
        {
            // The unmatched tail of the E.164 form is the same digits at the end as written.
            let tail = e164.len() - p.len();
            if tail == 0 || tail >= digits.len() {
                Some(whole)
            } else {
                Some([whole[0], digits[digits.len() - tail - 1] + 1])
            }
        } else if let Some(s) = pattern.suffix.as_deref().filter(|s| e164.ends_with(s)) {
            let n = s.len().min(digits.len());
            Some([digits[digits.len() - n], last + 1])
        } else {
            None
        };
        if let Some(range) = range {
            out.push(Highlight {
                field: format!("phones[{i}]"),
                ranges: vec![range],
            });
        }
    }
    out
}
