//! The directory being served, with a refresh's few changes applied to it instead of a
//! rebuild: the directory built last (`base`), the contacts changed or added since then as
//! a small directory of their own (`delta`), and the documents of `base` that those replace
//! or that are gone (`hidden`). A search asks both and merges their hits in the order one
//! directory of all the contacts would give, so users see what a full rebuild would show
//! (tests hold it to that). A million-contact rebuild takes some 20 s; a thousand changes
//! applied this way take milliseconds. When the changes grow past a share of the whole, the
//! next refresh rebuilds instead.

use std::collections::HashSet;
use std::sync::Arc;

use kontakt_api::{Contact, SearchHit};

use crate::directory::content_hash;
use crate::index::docset::DocSet;
use crate::phone::PhoneNormalizer;
use crate::store::CallerFacts;
use crate::text::fold;
use crate::{Directory, SearchResults};

/// Changes held apart from the last rebuild: at most this many, or this share of it.
const MIN_CHANGES: usize = 2_000;
const SHARE_OF_BASE: usize = 50; // 2 %

pub struct Served {
    base: Arc<Directory>,
    delta: Directory,
    hidden: DocSet,
}

impl Served {
    /// `base` as it is, nothing changed.
    pub fn new(base: Directory) -> Served {
        let delta = Directory::build([], base.normalizer().clone());
        Served {
            base: Arc::new(base),
            delta,
            hidden: DocSet::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.base.len() - self.hidden.len() + self.delta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tenant's dialling rules, as the directory was built with them.
    pub fn normalizer(&self) -> &PhoneNormalizer {
        self.base.normalizer()
    }

    /// Heap bytes of both directories and the set of hidden documents.
    pub fn heap_bytes(&self) -> usize {
        self.base.heap_bytes() + self.delta.heap_bytes() + self.hidden.heap_bytes()
    }

    /// How many changes may be held apart from the last rebuild.
    pub fn change_limit(&self) -> usize {
        MIN_CHANGES.max(self.base.len() / SHARE_OF_BASE)
    }

    /// Changes held apart from the last rebuild (a changed contact counts twice: its old
    /// document hidden, its new one in the delta).
    pub fn changes(&self) -> usize {
        self.hidden.len() + self.delta.len()
    }

    /// Searches as described in `docs/search.md`.
    pub fn search(&self, query: &str, limit: usize) -> SearchResults {
        if self.delta.is_empty() && self.hidden.is_empty() {
            return self.base.search(query, limit);
        }
        let (base_total, base_hits) = self.base.search_but(query, limit, Some(&self.hidden));
        let (delta_total, delta_hits) = self.delta.search_but(query, limit, None);
        let keyed = |d: &Directory, hits: Vec<(u64, usize, SearchHit)>| {
            hits.into_iter()
                .map(|(rank, doc, hit)| {
                    let (name, id) = d.order_key(doc);
                    ((rank, name, id.to_owned()), hit)
                })
                .collect::<Vec<_>>()
        };
        let mut all = keyed(&self.base, base_hits);
        all.extend(keyed(&self.delta, delta_hits));
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.truncate(limit);
        SearchResults {
            total: base_total + delta_total,
            hits: all.into_iter().map(|(_, hit)| hit).collect(),
        }
    }

    /// Contact `id`, the newest version of it.
    pub fn get(&self, id: &str) -> Option<Contact> {
        match self.find(id)? {
            (true, _) => self.delta.get(id),
            (false, _) => self.base.get(id),
        }
    }

    /// Every contact that has `e164` among its numbers (once per number it has), in name
    /// order, as caller ID weighs them.
    pub fn with_number(&self, e164: &str) -> Vec<CallerFacts<'_>> {
        let mut found = self.base.with_number_but(e164, Some(&self.hidden));
        let newer = self.delta.with_number(e164);
        if newer.is_empty() {
            return found;
        }
        found.extend(newer);
        // Stable: a contact with the number twice stays together.
        found.sort_by_cached_key(|f| (fold(f.display_name), f.id.to_owned()));
        found
    }

    /// Where contact `id` is now: in the delta (`true`) or in the base, and its document.
    fn find(&self, id: &str) -> Option<(bool, usize)> {
        if let Some(doc) = self.delta.doc_of(id) {
            return Some((true, doc));
        }
        self.base
            .doc_of(id)
            .filter(|&doc| !self.hidden.contains(doc as u32))
            .map(|doc| (false, doc))
    }

    /// Watches a refresh of source `source`: shown every contact the source gives, it keeps
    /// those that differ from what is served, up to `limit`.
    pub fn tracker(&self, source: &str, limit: usize) -> ChangeTracker<'_> {
        ChangeTracker {
            served: self,
            source: source.to_owned(),
            changed: Vec::new(),
            seen_base: DocSet::with_capacity(self.base.len()),
            seen_delta: DocSet::with_capacity(self.delta.len()),
            limit,
            over: false,
        }
    }

    /// This directory with `changes` applied: `base` shared, a new delta, more hidden.
    pub fn apply(&self, changes: Changes) -> Served {
        let replaced: HashSet<&str> = changes
            .changed
            .iter()
            .map(|(c, _)| c.id.as_str())
            .chain(changes.gone.iter().map(String::as_str))
            .collect();
        let mut hidden = self.hidden.clone();
        for id in &replaced {
            if let Some(doc) = self.base.doc_of(id) {
                hidden.insert(doc as u32);
            }
        }
        let mut builder = Directory::builder(self.base.normalizer().clone());
        for doc in 0..self.delta.len() {
            if !replaced.contains(self.delta.id_of(doc)) {
                let (contact, hash) = self.delta.contact_and_hash(doc);
                builder.push_hashed(contact, hash);
            }
        }
        for (contact, hash) in changes.changed {
            builder.push_hashed(contact, hash);
        }
        Served {
            base: Arc::clone(&self.base),
            delta: builder.finish(),
            hidden,
        }
    }
}

/// What one refresh of a source changed: contacts new or different (with their
/// [`content_hash`]), and the ids of contacts it no longer has.
#[derive(Debug, Default)]
pub struct Changes {
    changed: Vec<(Contact, u64)>,
    gone: Vec<String>,
}

impl Changes {
    pub fn len(&self) -> usize {
        self.changed.len() + self.gone.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// See [`Served::tracker`].
pub struct ChangeTracker<'a> {
    served: &'a Served,
    source: String,
    changed: Vec<(Contact, u64)>,
    seen_base: DocSet,
    seen_delta: DocSet,
    limit: usize,
    /// More changed than `limit`: nothing more is kept, the refresh rebuilds.
    over: bool,
}

impl ChangeTracker<'_> {
    /// The source gave `contact`.
    pub fn note(&mut self, contact: &Contact) {
        if self.over {
            return;
        }
        let hash = content_hash(contact);
        let served = self.served;
        let same = match served.find(&contact.id) {
            Some((true, doc)) => {
                self.seen_delta.insert(doc as u32);
                served.delta.hash_of(doc) == hash
            }
            Some((false, doc)) => {
                self.seen_base.insert(doc as u32);
                served.base.hash_of(doc) == hash
            }
            None => false,
        };
        if same {
            return;
        }
        if self.changed.len() >= self.limit {
            self.over = true;
            self.changed = Vec::new();
        } else {
            self.changed.push((contact.clone(), hash));
        }
    }

    /// What changed, once the source has given everything; `None` when it was too much to
    /// apply (then rebuild).
    pub fn finish(self) -> Option<Changes> {
        if self.over {
            return None;
        }
        let served = self.served;
        let mut gone: Vec<String> = served
            .base
            .docs_of_source(&self.source)
            .into_iter()
            .filter(|&doc| {
                !served.hidden.contains(doc as u32) && !self.seen_base.contains(doc as u32)
            })
            .map(|doc| served.base.id_of(doc).to_owned())
            .collect();
        gone.extend(
            served
                .delta
                .docs_of_source(&self.source)
                .into_iter()
                .filter(|&doc| !self.seen_delta.contains(doc as u32))
                .map(|doc| served.delta.id_of(doc).to_owned()),
        );
        let changes = Changes {
            changed: self.changed,
            gone,
        };
        (changes.len() <= self.limit).then_some(changes)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::demo;

    fn normalizer() -> PhoneNormalizer {
        PhoneNormalizer::new(&demo::dialing()).unwrap()
    }

    /// `served` answers `queries` exactly as a directory built from `contacts` does: the
    /// same hits in the same order, the same totals, the same contacts by id and number.
    fn assert_same(served: &Served, contacts: &[Contact], queries: &[String]) {
        let full = Directory::build(contacts.iter().cloned(), normalizer());
        assert_eq!(served.len(), full.len());
        for q in queries {
            for limit in [1, 5, 25] {
                let (a, b) = (served.search(q, limit), full.search(q, limit));
                let ids = |r: &SearchResults| {
                    r.hits
                        .iter()
                        .map(|h| (h.contact.id.clone(), h.score.to_bits()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(ids(&a), ids(&b), "{q:?} limit {limit}");
                assert_eq!(a.total, b.total, "{q:?} total");
                assert_eq!(a.hits, b.hits, "{q:?} hits");
            }
        }
        for c in contacts.iter().take(50) {
            assert_eq!(served.get(&c.id), full.get(&c.id), "{}", c.id);
            for p in &c.phones {
                let e164 = full.normalizer().normalize(&p.raw).unwrap_or_default();
                let who = |f: Vec<CallerFacts<'_>>| {
                    f.iter()
                        .map(|f| (f.id.to_owned(), f.kind))
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    who(served.with_number(&e164)),
                    who(full.with_number(&e164)),
                    "{e164}"
                );
            }
        }
    }

    /// Queries of every kind about `contacts`: names, surnames, prefixes, a typo, numbers.
    fn queries(contacts: &[Contact]) -> Vec<String> {
        let mut q = vec![
            "a".to_owned(),
            "mü".to_owned(),
            "ber".to_owned(),
            "0891".to_owned(),
        ];
        for c in contacts.iter().step_by(contacts.len() / 12 + 1) {
            q.push(c.display_name.clone());
            if let Some(s) = &c.surname {
                q.push(s.clone());
                q.push(s.chars().take(4).collect());
                if s.chars().count() > 5 {
                    let mut typo: Vec<char> = s.chars().collect();
                    typo.swap(2, 3);
                    q.push(typo.into_iter().collect());
                }
            }
            if let Some(p) = c.phones.first() {
                q.push(p.raw.clone());
            }
        }
        q
    }

    /// One refresh of `source` giving `now`, applied through a tracker.
    fn refresh(served: &Served, source: &str, now: &[Contact]) -> Option<Served> {
        let mut tracker = served.tracker(source, served.change_limit());
        for c in now.iter().filter(|c| c.source.id == source) {
            tracker.note(c);
        }
        tracker.finish().map(|changes| served.apply(changes))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Changes, additions and removals, over several refreshes in a row: the served
        /// directory always answers as a full rebuild would.
        #[test]
        fn applied_changes_answer_as_a_full_rebuild(seed in 0u64..1_000, size in 100usize..400, edits in proptest::collection::vec((0usize..400, 0u8..4), 1..40)) {
            let mut contacts = demo::generate(size, seed);
            let mut served = Served::new(Directory::build(contacts.iter().cloned(), normalizer()));
            let newcomers = demo::generate(size + 60, seed + 1);
            let source = contacts[0].source.id.clone();
            for (round, chunk) in edits.chunks(8).enumerate() {
                for &(pick, what) in chunk {
                    let i = pick % contacts.len();
                    match what {
                        // A new name: the contact moves in name order.
                        0 => contacts[i].display_name = format!("Zander {round}{pick}"),
                        // A new number.
                        1 => {
                            if let Some(p) = contacts[i].phones.first_mut() {
                                p.raw = format!("089 77{pick:04}");
                            }
                        }
                        // Gone.
                        2 if contacts.len() > 10 => {
                            contacts.remove(i);
                        }
                        // Someone new (an id the directory has not seen).
                        _ => {
                            let mut c = newcomers[size + pick % 60].clone();
                            c.id = format!("{source}:new{round}-{pick}");
                            c.source = contacts[0].source.clone();
                            contacts.retain(|x| x.id != c.id);
                            contacts.push(c);
                        }
                    }
                }
                served = refresh(&served, &source, &contacts).expect("few changes are applied");
                assert_same(&served, &contacts, &queries(&contacts));
            }
        }
    }

    #[test]
    fn too_many_changes_ask_for_a_rebuild_and_nothing_changed_changes_nothing() {
        let contacts = demo::generate(300, 3);
        let served = Served::new(Directory::build(contacts.iter().cloned(), normalizer()));
        let source = contacts[0].source.id.clone();
        let mut tracker = served.tracker(&source, 10);
        for c in &contacts {
            tracker.note(c);
        }
        assert!(tracker.finish().unwrap().is_empty());

        let renamed: Vec<Contact> = contacts
            .iter()
            .map(|c| Contact {
                display_name: format!("{} Jr.", c.display_name),
                ..c.clone()
            })
            .collect();
        let mut tracker = served.tracker(&source, 10);
        for c in &renamed {
            tracker.note(c);
        }
        assert!(
            tracker.finish().is_none(),
            "300 changes are over a limit of 10"
        );
        // All of them gone is too much as well.
        assert!(served.tracker(&source, 10).finish().is_none());
    }
}
