//! The searchable set of contacts of one tenant.

use std::collections::HashMap;

use kontakt_api::{Contact, Highlight, SearchHit};

use crate::phone::{PhoneNormalizer, digits_of};
use crate::text::{fold, terms};

/// Contacts of one tenant, ready to search. Immutable: a refresh builds a new one.
pub struct Directory {
    /// Sorted by folded display name, so position is the stable tie-break.
    contacts: Vec<Contact>,
    by_id: HashMap<String, u32>,
    normalizer: PhoneNormalizer,
}

/// What a search found.
#[derive(Debug)]
pub struct SearchResults {
    /// All matches, of which `hits` holds the best `limit`.
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

/// A text field of a contact that words are matched against, by its API path.
struct Field<'c> {
    path: String,
    text: &'c str,
    is_name: bool,
}

fn fields(c: &Contact) -> Vec<Field<'_>> {
    let mut out = vec![Field {
        path: "display_name".into(),
        text: &c.display_name,
        is_name: true,
    }];
    for (path, value) in [
        ("company", &c.company),
        ("department", &c.department),
        ("job_title", &c.job_title),
    ] {
        if let Some(text) = value {
            out.push(Field {
                path: path.into(),
                text,
                is_name: false,
            });
        }
    }
    if let Some(city) = c.city() {
        out.push(Field {
            path: "address.city".into(),
            text: city,
            is_name: false,
        });
    }
    for (i, email) in c.emails.iter().enumerate() {
        // Only the local part names the person; the domain would match everyone.
        let local = email.split('@').next().unwrap_or(email);
        out.push(Field {
            path: format!("emails[{i}]"),
            text: local,
            is_name: false,
        });
    }
    out
}

impl Directory {
    /// Indexes `contacts`, filling in each number's E.164 form with `normalizer`.
    pub fn build(mut contacts: Vec<Contact>, normalizer: PhoneNormalizer) -> Self {
        for c in &mut contacts {
            for p in &mut c.phones {
                p.e164 = normalizer.normalize(&p.raw);
            }
        }
        contacts.sort_by_cached_key(|c| (fold(&c.display_name), c.id.clone()));
        let by_id = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i as u32))
            .collect();
        Directory {
            contacts,
            by_id,
            normalizer,
        }
    }

    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Contact> {
        self.by_id.get(id).map(|&i| &self.contacts[i as usize])
    }

    /// Every word of `query` must start a word of a searchable field; a query that is
    /// mostly digits searches phone numbers instead.
    pub fn search(&self, query: &str, limit: usize) -> SearchResults {
        let query = Query::parse(query, &self.normalizer);
        let mut matched: Vec<(u32, u32)> = self
            .contacts
            .iter()
            .enumerate()
            .filter_map(|(i, c)| query.score(c).map(|s| (s, i as u32)))
            .collect();
        let total = matched.len();
        matched.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let hits = matched
            .into_iter()
            .take(limit)
            .map(|(score, i)| {
                let contact = &self.contacts[i as usize];
                SearchHit {
                    highlights: query.highlights(contact),
                    contact: contact.clone(),
                    score: f64::from(score),
                }
            })
            .collect();
        SearchResults { total, hits }
    }
}

enum Query {
    Words(Vec<String>),
    /// E.164 digits of the query (or its bare digits when it does not normalise).
    Number {
        e164_digits: String,
        digits: String,
    },
    Empty,
}

/// Characters a typed phone number may contain besides digits.
fn is_number_punctuation(c: char) -> bool {
    matches!(c, '+' | '(' | ')' | '/' | '-' | '.' | ' ')
}

impl Query {
    fn parse(text: &str, normalizer: &PhoneNormalizer) -> Query {
        let digits = digits_of(text);
        let non_space = text.chars().filter(|c| !c.is_whitespace()).count();
        let numeric = digits.len() >= 3
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || is_number_punctuation(c))
            && digits.len() * 2 >= non_space;
        if numeric {
            let e164_digits = normalizer
                .normalize(text)
                .map(|e| e[1..].to_owned())
                .unwrap_or_else(|| digits.clone());
            return Query::Number {
                e164_digits,
                digits,
            };
        }
        let words: Vec<String> = terms(text).into_iter().map(|t| t.text).collect();
        if words.is_empty() {
            Query::Empty
        } else {
            Query::Words(words)
        }
    }

    fn score(&self, c: &Contact) -> Option<u32> {
        match self {
            Query::Empty => None,
            Query::Words(words) => {
                let fields = fields(c);
                let mut total = 0;
                for w in words {
                    let mut best = 0;
                    for f in &fields {
                        for t in terms(f.text) {
                            let s = if t.text == *w {
                                4
                            } else if t.text.starts_with(w.as_str()) {
                                2
                            } else {
                                0
                            };
                            if s > 0 {
                                best = best.max(s + u32::from(f.is_name));
                            }
                        }
                    }
                    if best == 0 {
                        return None;
                    }
                    total += best;
                }
                Some(total)
            }
            Query::Number {
                e164_digits,
                digits,
            } => c
                .phones
                .iter()
                .filter_map(|p| p.e164.as_deref())
                .map(|e| &e[1..])
                .filter_map(|e| {
                    if e == e164_digits {
                        Some(3)
                    } else if e.starts_with(e164_digits.as_str()) {
                        Some(2)
                    } else if e.ends_with(digits.as_str()) {
                        Some(1)
                    } else {
                        None
                    }
                })
                .max(),
        }
    }

    fn highlights(&self, c: &Contact) -> Vec<Highlight> {
        match self {
            Query::Empty => vec![],
            Query::Words(words) => fields(c)
                .into_iter()
                .filter_map(|f| {
                    let ranges: Vec<[u32; 2]> = terms(f.text)
                        .iter()
                        .filter_map(|t| {
                            words
                                .iter()
                                .filter(|w| t.text.starts_with(w.as_str()))
                                .map(|w| w.len())
                                .max()
                                .map(|len| t.span_of_prefix(len))
                        })
                        .collect();
                    (!ranges.is_empty()).then_some(Highlight {
                        field: f.path,
                        ranges,
                    })
                })
                .collect(),
            Query::Number { .. } => c
                .phones
                .iter()
                .enumerate()
                .filter(|(_, p)| self.score_phone(p))
                .map(|(i, p)| Highlight {
                    field: format!("phones[{i}]"),
                    ranges: vec![[0, p.raw.chars().count() as u32]],
                })
                .collect(),
        }
    }

    fn score_phone(&self, p: &kontakt_api::Phone) -> bool {
        let Query::Number {
            e164_digits,
            digits,
        } = self
        else {
            return false;
        };
        p.e164.as_deref().is_some_and(|e| {
            e[1..].starts_with(e164_digits.as_str()) || e.ends_with(digits.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn demo_directory() -> Directory {
        Directory::build(
            demo::generate(2_000, demo::DEFAULT_SEED),
            PhoneNormalizer::new(&demo::dialing()).unwrap(),
        )
    }

    #[test]
    fn finds_by_name_prefix_with_umlaut_spellings() {
        let d = demo_directory();
        let r = d.search("mueller", 25);
        assert!(r.total > 0);
        assert!(
            r.hits
                .iter()
                .all(|h| fold(&h.contact.display_name).contains("muller")
                    || h.contact.emails.iter().any(|e| e.contains("mueller")))
        );
        let umlaut = d.search("Müller", 25);
        assert_eq!(umlaut.total, r.total);
    }

    #[test]
    fn all_words_must_match() {
        let d = demo_directory();
        let first = &d.contacts[100];
        let q = format!(
            "{} {}",
            first.given_name.as_deref().unwrap(),
            first.surname.as_deref().unwrap()
        );
        let r = d.search(&q, 100);
        assert!(r.hits.iter().any(|h| h.contact.id == first.id));
        assert!(d.search(&format!("{q} zzzzzz"), 10).total == 0);
    }

    #[test]
    fn highlights_cover_the_typed_prefix() {
        let d = demo_directory();
        let r = d.search("jürg", 5);
        let h = &r.hits[0];
        let name = h
            .highlights
            .iter()
            .find(|h| h.field == "display_name")
            .unwrap();
        let marked: Vec<_> = Highlight::split(&h.contact.display_name, &name.ranges)
            .into_iter()
            .filter(|(_, m)| *m)
            .map(|(s, _)| s.to_lowercase())
            .collect();
        assert!(marked.iter().all(|s| s == "jürg"), "{marked:?}");
    }

    #[test]
    fn numbers_in_any_form_find_the_contact() {
        let d = demo_directory();
        let c = d
            .contacts
            .iter()
            .find(|c| c.phones[0].raw.starts_with("089/452000"))
            .unwrap();
        let e164 = c.phones[0].e164.clone().unwrap();
        let ext = &e164[e164.len() - 3..];
        for q in [
            e164.clone(),
            format!("+49 (0)89 452000-{ext}"),
            format!("0049 89 452000{ext}"),
        ] {
            let r = d.search(&q, 10);
            assert!(r.hits.iter().any(|h| h.contact.id == c.id), "{q}");
        }
    }

    #[test]
    fn get_by_id() {
        let d = demo_directory();
        assert_eq!(d.get("demo:000042").unwrap().id, "demo:000042");
        assert!(d.get("demo:999999").is_none());
    }
}
