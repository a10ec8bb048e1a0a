//! The searchable set of contacts of one tenant.

use kontakt_api::{Contact, Highlight, SearchHit};

use crate::index::docset::DocSet;
use crate::index::query::{Parsed, parse};
use crate::index::{Index, Ranked, WordMatcher, highlights, number_highlights};
use crate::phone::PhoneNormalizer;
use crate::store::{ContactStore, StoreBuilder};
use crate::text::fold;

/// Contacts of one tenant, ready to search. Immutable: a refresh builds a new one and
/// swaps it in.
pub struct Directory {
    /// In document order: sorted by folded display name, then id.
    store: ContactStore,
    /// Contact id → document.
    ids: fst::Map<Vec<u8>>,
    index: Index,
    normalizer: PhoneNormalizer,
}

/// What a search found.
#[derive(Debug)]
pub struct SearchResults {
    /// All matches, of which `hits` holds the best `limit`.
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

/// Takes contacts one at a time, so a source of a million never exists as a `Vec<Contact>`.
pub struct DirectoryBuilder {
    store: StoreBuilder,
    normalizer: PhoneNormalizer,
    /// Dropped last, after the build's working lists (`finish` consumes the builder).
    _bulk: crate::memory::Bulk,
}

/// A contact's content as its source gave it, as a number: equal contacts, equal hashes.
/// Held per document, so a refresh finds what changed without comparing whole contacts.
pub fn content_hash(contact: &Contact) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    contact.hash(&mut hasher);
    hasher.finish()
}

impl DirectoryBuilder {
    /// Adds `contact`, filling in each number's E.164 form.
    pub fn push(&mut self, contact: Contact) {
        let hash = content_hash(&contact);
        self.push_hashed(contact, hash);
    }

    /// Adds `contact`, whose [`content_hash`] as its source gave it is `hash` (a contact
    /// taken from a directory has its numbers filled in, which changes its own hash).
    pub(crate) fn push_hashed(&mut self, mut contact: Contact, hash: u64) {
        for p in &mut contact.phones {
            p.e164 = self.normalizer.normalize(&p.raw);
            if let Some(e164) = &p.e164 {
                self.normalizer.learn(e164);
            }
        }
        self.store.push(contact, hash);
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    pub fn finish(self) -> Directory {
        let (store, dropped) = self
            .store
            .finish(|s, doc| (fold(s.display_name(doc)), s.id(doc).to_owned()));
        if dropped > 0 {
            tracing::warn!(dropped, "contacts with an id seen before were dropped");
        }
        let mut by_id: Vec<(&str, u64)> = (0..store.len())
            .map(|doc| (store.id(doc), doc as u64))
            .collect();
        by_id.sort_unstable();
        let ids = fst::Map::from_iter(by_id).expect("ids are sorted and unique");
        let index = Index::build(&store);
        Directory {
            store,
            ids,
            index,
            normalizer: self.normalizer,
        }
    }
}

impl Directory {
    pub fn builder(normalizer: PhoneNormalizer) -> DirectoryBuilder {
        DirectoryBuilder {
            store: StoreBuilder::default(),
            normalizer,
            _bulk: crate::memory::bulk(),
        }
    }

    /// Indexes `contacts`, filling in each number's E.164 form with `normalizer`. Of
    /// several contacts with the same id only the first is kept.
    pub fn build(contacts: impl IntoIterator<Item = Contact>, normalizer: PhoneNormalizer) -> Self {
        let mut builder = Directory::builder(normalizer);
        for c in contacts {
            builder.push(c);
        }
        builder.finish()
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Document `doc` (`0..len()`, in name order).
    pub fn contact(&self, doc: usize) -> Contact {
        self.store.contact(doc)
    }

    pub fn get(&self, id: &str) -> Option<Contact> {
        self.doc_of(id)
            .map(|doc| self.normalizer.presenter().contact(self.store.contact(doc)))
    }

    /// The document of contact `id`.
    pub(crate) fn doc_of(&self, id: &str) -> Option<usize> {
        self.ids.get(id).map(|doc| doc as usize)
    }

    /// [`content_hash`] of document `doc` as its source gave it.
    pub(crate) fn hash_of(&self, doc: usize) -> u64 {
        self.store.hash(doc)
    }

    pub(crate) fn id_of(&self, doc: usize) -> &str {
        self.store.id(doc)
    }

    /// The documents that came from source `source`.
    pub(crate) fn docs_of_source(&self, source: &str) -> Vec<usize> {
        (0..self.len())
            .filter(|&doc| self.store.source_id(doc) == source)
            .collect()
    }

    /// The order documents have, and merged results keep: folded name, then id.
    pub(crate) fn order_key(&self, doc: usize) -> (String, &str) {
        (fold(self.store.display_name(doc)), self.store.id(doc))
    }

    /// Document `doc` as answers carry it, with the [`content_hash`] it was added with.
    pub(crate) fn contact_and_hash(&self, doc: usize) -> (Contact, u64) {
        (self.store.contact(doc), self.store.hash(doc))
    }

    /// Every contact that has `e164` among its numbers (once per number it has), in name
    /// order, as caller ID weighs them.
    pub fn with_number(&self, e164: &str) -> Vec<crate::store::CallerFacts<'_>> {
        self.with_number_but(e164, None)
    }

    /// [`Self::with_number`] without the documents in `hidden`.
    pub(crate) fn with_number_but(
        &self,
        e164: &str,
        hidden: Option<&DocSet>,
    ) -> Vec<crate::store::CallerFacts<'_>> {
        let digits = e164.strip_prefix('+').unwrap_or(e164);
        let mut found = Vec::new();
        self.index.numbers.exact(digits, |doc, phone| {
            if hidden.is_none_or(|h| !h.contains(doc)) {
                found.push(self.store.caller_facts(doc as usize, phone as usize));
            }
        });
        found
    }

    /// The tenant's dialling rules, as this directory was built with them.
    pub fn normalizer(&self) -> &PhoneNormalizer {
        &self.normalizer
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Heap bytes by part: contacts, ids, and each part of the index.
    pub fn heap_parts(&self) -> Vec<(&'static str, usize)> {
        let mut parts = self.store.heap_parts();
        parts.push(("ids (FST)", self.ids.as_fst().as_bytes().len()));
        parts.extend(self.index.heap_parts());
        parts
    }

    /// Heap bytes of contacts, ids and index together.
    pub fn heap_bytes(&self) -> usize {
        self.store.heap_bytes() + self.ids.as_fst().as_bytes().len() + self.index.heap_bytes()
    }

    /// Searches as described in `docs/search.md`.
    pub fn search(&self, query: &str, limit: usize) -> SearchResults {
        let (total, ranked) = self.search_but(query, limit, None);
        SearchResults {
            total,
            hits: ranked.into_iter().map(|(_, _, hit)| hit).collect(),
        }
    }

    /// [`Self::search`] without the documents in `hidden`; each hit with its rank (smaller
    /// is better, documents' order left out) and document, so that the hits of two
    /// directories can be merged in the order one directory of all of them would give.
    pub(crate) fn search_but(
        &self,
        query: &str,
        limit: usize,
        hidden: Option<&DocSet>,
    ) -> (usize, Vec<(u64, usize, SearchHit)>) {
        match parse(query, &self.normalizer) {
            Parsed::Empty => (0, Vec::new()),
            Parsed::Words { words, excluded } => {
                let words: Vec<WordMatcher> = words
                    .iter()
                    .map(|w| WordMatcher::new(&self.index, &w.folded, &w.typed))
                    .collect();
                let excluded: Vec<Vec<WordMatcher>> = excluded
                    .iter()
                    .map(|parts| {
                        parts
                            .iter()
                            .map(|w| WordMatcher::new(&self.index, w, w))
                            .collect()
                    })
                    .collect();
                let (total, ranked) = crate::index::eval_words(
                    &self.index,
                    &words,
                    &excluded,
                    self.len(),
                    limit,
                    hidden,
                );
                (
                    total,
                    self.hits(ranked, |doc, c| highlights(&self.index, doc, c, &words)),
                )
            }
            Parsed::Number(pattern) => {
                let (total, ranked) =
                    crate::index::eval_number(&self.index, &pattern, self.len(), limit, hidden);
                (
                    total,
                    self.hits(ranked, |_, c| number_highlights(c, &pattern)),
                )
            }
        }
    }

    fn hits(
        &self,
        ranked: Vec<Ranked>,
        highlight: impl Fn(u32, &Contact) -> Vec<Highlight>,
    ) -> Vec<(u64, usize, SearchHit)> {
        self.store.warm(ranked.iter().map(|r| r.doc));
        let contacts: Vec<Contact> = ranked
            .iter()
            .map(|r| self.store.contact(r.doc as usize))
            .collect();
        let presenter = self.normalizer.presenter();
        presenter.warm(
            contacts
                .iter()
                .flat_map(|c| &c.phones)
                .filter_map(|p| p.e164.as_deref()),
        );
        ranked
            .into_iter()
            .zip(contacts)
            .map(|(r, contact)| {
                let contact = presenter.contact(contact);
                let hit = SearchHit {
                    highlights: highlight(r.doc, &contact),
                    contact,
                    score: r.score(),
                };
                (r.key >> 32, r.doc as usize, hit)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::demo;

    fn build(size: usize, seed: u64) -> Directory {
        Directory::build(
            demo::generate(size, seed),
            PhoneNormalizer::new(&demo::dialing()).unwrap(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Every contact is found by its full name and by each of its numbers, written in
        /// E.164 and in national form.
        #[test]
        fn every_contact_is_found_by_name_and_numbers(seed in 0u64..1_000, size in 50usize..400, pick in 0usize..400) {
            let d = build(size, seed);
            let c = &d.contact(pick % d.len());
            let found = |q: &str| d.search(q, usize::MAX).hits.iter().any(|h| h.contact.id == c.id);
            prop_assert!(found(&c.display_name), "name {:?}", c.display_name);
            for p in &c.phones {
                let e164 = p.e164.as_deref().expect("demo numbers normalise");
                prop_assert!(found(e164), "{} by {}", c.id, e164);
                if let Some(national) = e164.strip_prefix("+49") {
                    prop_assert!(found(&format!("0{national}")), "{} by 0{}", c.id, national);
                } else {
                    prop_assert!(found(&format!("00{}", &e164[1..])), "{} by 00{}", c.id, &e164[1..]);
                }
                prop_assert!(found(&p.raw), "{} by its written form {:?}", c.id, p.raw);
            }
        }

        #[test]
        fn phone_normalisation_is_idempotent(raw in "[+(]?[0-9]{0,4}[ /()-]?[0-9]{2,5}[ -/]?[0-9]{2,8}") {
            let n = PhoneNormalizer::new(&demo::dialing()).unwrap();
            if let Some(e164) = n.normalize(&raw) {
                let again = n.normalize(&e164);
                prop_assert_eq!(again.as_deref(), Some(e164.as_str()));
            }
        }
    }

    #[test]
    fn duplicate_ids_keep_the_first() {
        let mut contacts = demo::generate(10, 1);
        let mut twin = contacts[3].clone();
        twin.display_name = "Someone Else".into();
        contacts.push(twin);
        let d = Directory::build(contacts, PhoneNormalizer::new(&demo::dialing()).unwrap());
        assert_eq!(d.len(), 10);
        assert_ne!(d.get("demo:000003").unwrap().display_name, "Someone Else");
    }

    /// Where a directory's bytes go, printed: `KONTAKT_SIZE=1000000 cargo test --release -p
    /// kontakt-directory --lib heap_parts -- --ignored --nocapture`.
    #[test]
    #[ignore = "a report, not a check"]
    fn heap_parts() {
        let size = std::env::var("KONTAKT_SIZE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000);
        let d = Directory::build(
            demo::Generator::new(size, demo::DEFAULT_SEED),
            PhoneNormalizer::new(&demo::dialing()).unwrap(),
        );
        let total: usize = d.heap_parts().iter().map(|(_, b)| b).sum();
        println!("| part | MB at {size} | bytes per contact |\n|---|---:|---:|");
        for (part, bytes) in d.heap_parts() {
            println!(
                "| {part} | {:.1} | {:.0} |",
                bytes as f64 / 1e6,
                bytes as f64 / size as f64
            );
        }
        println!(
            "| all | {:.1} | {:.0} |",
            total as f64 / 1e6,
            total as f64 / size as f64
        );
    }
}
