//! An in-memory index built for as-you-type contact search.
//!
//! - **Terms**: every folded word of every searchable field, in an FST (`fst::Map`) whose
//!   values are the terms' ranks in lexicographic order. All terms starting with a prefix
//!   are therefore one contiguous range of term ids, and their postings consecutive bytes
//!   of memory: a one-letter query reads them in a single pass.
//! - **Postings**: per term, the documents containing it, as `doc << 3 | field`, sorted by
//!   document. Documents are numbered in tie-break order (folded name, then id), so equal
//!   scores come out in a stable, sensible order without a second sort key.
//! - **Forward lists**: per document, its terms (`term << 3 | field`), so a second query
//!   word can be checked against a few candidates instead of reading all its postings.
//! - **Short prefixes**: for every one-, two- and three-letter prefix, the documents with a
//!   word starting with it and in which fields — the answer to the first keystrokes, already
//!   merged and in order, instead of hundreds of thousands of postings to merge.
//! - **Phonetic codes**: Kölner Phonetik code → terms that occur in names.
//! - **Numbers** ([`numbers::NumberIndex`]): E.164 digits forwards (prefix search) and
//!   backwards (extension search).
//!
//! Postings, forward lists and short prefixes are packed lists (`packed.rs`): compressed,
//! decoded as they are read.
//!
//! `docs/search.md` explains why this beats a general-purpose engine here, with numbers.

mod automaton;
pub mod docset;
mod eval;
mod highlight;
mod matcher;
pub mod numbers;
mod packed;
pub mod query;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::fields::{self, FIELD_BITS, Field};
use crate::store::ContactStore;
pub(crate) use eval::{Ranked, evaluate_number as eval_number, evaluate_words as eval_words};
pub(crate) use highlight::{highlights, number_highlights};
pub(crate) use matcher::WordMatcher;
use packed::PackedLists;

pub struct Index {
    terms: fst::Map<Vec<u8>>,
    /// Per term.
    postings: PackedLists,
    /// How many postings the terms before each term have: what reading a range costs.
    posting_starts: Vec<u32>,
    /// Per document.
    forward: PackedLists,
    /// Per [`short_key`] of a one- to three-letter prefix: `doc << 6 | field mask` of every
    /// document with a word starting with it, sorted by document.
    short: PackedLists,
    phonetic: HashMap<String, Vec<u32>>,
    /// Words in each document's name (at most 15): among equal matches the name with fewer
    /// words left over wins ("Anna Thiel" before "Anna-Lena Thiel").
    name_words: Vec<u8>,
    pub(crate) numbers: numbers::NumberIndex,
}

/// Words of at most this many letters are answered from the short-prefix lists.
pub const SHORT_PREFIX: usize = 3;
/// A short-prefix entry is `doc << SHORT_SHIFT | field mask`: no wider than the mask, as
/// every bit more costs a bit per entry once packed.
const SHORT_SHIFT: u32 = fields::FIELDS;
/// The largest [`short_key`]: three times the last of 36 symbols.
const SHORT_KEYS: u16 = (36 * 37 + 36) * 37 + 36;

/// `"m"`, `"mu"`, `"mul"` → a key of their short-prefix list; `None` for longer words.
/// Folded words are ASCII letters and digits (36 symbols), so three fit in 16 bits.
pub fn short_key(word: &[u8]) -> Option<u16> {
    fn digit(b: u8) -> u16 {
        match b {
            b'0'..=b'9' => u16::from(b - b'0') + 1,
            _ => u16::from(b.to_ascii_lowercase().wrapping_sub(b'a')) + 11,
        }
    }
    if word.is_empty() || word.len() > SHORT_PREFIX || !word.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(word.iter().fold(0u16, |k, &b| k * 37 + digit(b)))
}

impl Index {
    /// Indexes the contacts of `store`; document `i` is row `i`.
    pub fn build(store: &ContactStore) -> Index {
        let docs = store.len();
        let mut interner: HashMap<Box<str>, u32> = HashMap::new();
        let mut strings: Vec<Box<str>> = Vec::new();
        let mut in_name: Vec<bool> = Vec::new();
        let mut forward: Vec<u32> = Vec::with_capacity(docs * 10);
        let mut forward_starts: Vec<u32> = Vec::with_capacity(docs + 1);
        let mut name_words: Vec<u8> = Vec::with_capacity(docs);
        for doc in 0..docs {
            forward_starts.push(forward.len() as u32);
            let mut in_this_name = 0u8;
            store.for_each_field(doc, |field, text| {
                crate::text::for_each_indexed_word(text, |word, part| {
                    let id = match interner.get(word) {
                        Some(&id) => id,
                        None => {
                            let id = strings.len() as u32;
                            strings.push(word.into());
                            interner.insert(word.into(), id);
                            in_name.push(false);
                            id
                        }
                    };
                    if field == Field::Name {
                        in_name[id as usize] = true;
                        // Parts of a word are not more words of the name.
                        if !part {
                            in_this_name = in_this_name.saturating_add(1);
                        }
                    }
                    forward.push(id << FIELD_BITS | field as u32);
                });
            });
            name_words.push(in_this_name.min(15));
        }
        forward_starts.push(forward.len() as u32);
        drop(interner);

        // Term ids in lexicographic order, so prefixes are ranges.
        let mut order: Vec<u32> = (0..strings.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| strings[a as usize].cmp(&strings[b as usize]));
        let mut rank = vec![0u32; strings.len()];
        for (r, &tmp) in order.iter().enumerate() {
            rank[tmp as usize] = r as u32;
        }
        let terms = fst::Map::from_iter(
            order
                .iter()
                .enumerate()
                .map(|(r, &tmp)| (strings[tmp as usize].as_bytes(), r as u64)),
        )
        .expect("terms are sorted and unique");

        // Forward lists with final ids, each sorted and without duplicates.
        let mut counts = vec![0u32; strings.len() + 1];
        let mut compact = Vec::with_capacity(forward.len());
        let mut compact_starts = Vec::with_capacity(forward_starts.len());
        for doc in 0..docs {
            let slice =
                &mut forward[forward_starts[doc] as usize..forward_starts[doc + 1] as usize];
            for e in slice.iter_mut() {
                *e = rank[(*e >> FIELD_BITS) as usize] << FIELD_BITS | (*e & fields::FIELD_MASK);
            }
            slice.sort_unstable();
            compact_starts.push(compact.len() as u32);
            let mut last = None;
            for &e in slice.iter() {
                if last != Some(e) {
                    compact.push(e);
                    counts[(e >> FIELD_BITS) as usize] += 1;
                    last = Some(e);
                }
            }
        }
        compact_starts.push(compact.len() as u32);
        drop(forward);
        let forward_of =
            |doc: usize| &compact[compact_starts[doc] as usize..compact_starts[doc + 1] as usize];

        // Postings by counting sort: visiting documents in order keeps each list sorted.
        let mut posting_starts = Vec::with_capacity(counts.len());
        let mut total = 0u32;
        for &n in &counts[..strings.len()] {
            posting_starts.push(total);
            total += n;
        }
        posting_starts.push(total);
        let mut cursor = posting_starts.clone();
        let mut flat = vec![0u32; total as usize];
        for doc in 0..docs {
            for &e in forward_of(doc) {
                let term = (e >> FIELD_BITS) as usize;
                flat[cursor[term] as usize] = (doc as u32) << FIELD_BITS | (e & fields::FIELD_MASK);
                cursor[term] += 1;
            }
        }
        drop(cursor);
        let mut postings = PackedLists::default();
        for term in 0..strings.len() {
            postings.push(&flat[posting_starts[term] as usize..posting_starts[term + 1] as usize]);
        }
        drop(flat);
        postings.shrink_to_fit();

        let by_rank: Vec<&[u8]> = order
            .iter()
            .map(|&tmp| strings[tmp as usize].as_bytes())
            .collect();
        // One list per key: every key up to `SHORT_KEYS` has its place, used or not.
        let mut short: Vec<Vec<u32>> = vec![Vec::new(); usize::from(SHORT_KEYS) + 1];
        // (key, field bit) for each prefix of each term of one document, then merged.
        let mut per_doc: Vec<(u16, u8)> = Vec::new();
        for doc in 0..docs {
            per_doc.clear();
            for &e in forward_of(doc) {
                let term = by_rank[(e >> FIELD_BITS) as usize];
                let mask = 1u8 << (e & fields::FIELD_MASK);
                for len in 1..=SHORT_PREFIX.min(term.len()) {
                    if let Some(key) = short_key(&term[..len]) {
                        per_doc.push((key, mask));
                    }
                }
            }
            per_doc.sort_unstable();
            let mut i = 0;
            while i < per_doc.len() {
                let (key, mut mask) = per_doc[i];
                while i + 1 < per_doc.len() && per_doc[i + 1].0 == key {
                    i += 1;
                    mask |= per_doc[i].1;
                }
                short[usize::from(key)].push((doc as u32) << SHORT_SHIFT | u32::from(mask));
                i += 1;
            }
        }
        let mut packed_short = PackedLists::default();
        for list in short {
            packed_short.push(&list);
        }
        packed_short.shrink_to_fit();
        let mut packed_forward = PackedLists::default();
        for doc in 0..docs {
            packed_forward.push(forward_of(doc));
        }
        packed_forward.shrink_to_fit();
        drop(compact);

        let mut phonetic: HashMap<String, Vec<u32>> = HashMap::new();
        for (tmp, word) in strings.iter().enumerate() {
            if in_name[tmp]
                && let Some(code) = crate::phonetic::code(word)
            {
                phonetic.entry(code).or_default().push(rank[tmp]);
            }
        }
        for ids in phonetic.values_mut() {
            ids.sort_unstable();
        }

        Index {
            terms,
            postings,
            posting_starts,
            forward: packed_forward,
            short: packed_short,
            phonetic,
            name_words,
            numbers: numbers::NumberIndex::build(store),
        }
    }

    pub fn term_count(&self) -> usize {
        self.posting_starts.len() - 1
    }

    /// Calls `f` with the postings of the terms `lo..hi`: one pass over consecutive bytes,
    /// because ids are in lexicographic order.
    #[inline]
    fn for_each_posting(&self, lo: u32, hi: u32, f: impl FnMut(u32)) {
        self.postings.for_each_in(lo as usize, hi as usize, f);
    }

    /// How many postings the terms `lo..hi` have.
    fn postings_len(&self, lo: u32, hi: u32) -> usize {
        (self.posting_starts[hi as usize] - self.posting_starts[lo as usize]) as usize
    }

    /// Calls `f(doc, field mask)` for each document with a word starting with the one- to
    /// three-letter `key`, in document order.
    #[inline]
    fn for_each_short(&self, key: u16, mut f: impl FnMut(u32, u8)) {
        self.short.for_each_chunk(usize::from(key), |entries| {
            for &entry in entries {
                f(
                    entry >> SHORT_SHIFT,
                    (entry & ((1 << SHORT_SHIFT) - 1)) as u8,
                );
            }
        });
    }

    fn short_len(&self, key: u16) -> usize {
        self.short.len_of(usize::from(key))
    }

    fn name_words(&self, doc: u32) -> u8 {
        self.name_words[doc as usize]
    }

    /// Calls `f` with each of the document's terms (`term << 3 | field`), in order.
    #[inline]
    fn for_each_forward(&self, doc: u32, f: impl FnMut(u32)) {
        self.forward.for_each(doc as usize, f);
    }

    /// Fetches the postings of `terms` from memory side by side, before they are read.
    fn warm_postings(&self, terms: impl Iterator<Item = u32>) {
        self.postings.warm(terms.map(|t| t as usize));
    }

    /// Fetches the term lists of `docs` from memory side by side, before they are read.
    fn warm_forward(&self, docs: impl Iterator<Item = u32>) {
        self.forward.warm(docs.map(|d| d as usize));
    }

    /// Heap bytes by part, for the benchmark's memory report.
    pub fn heap_parts(&self) -> Vec<(&'static str, usize)> {
        let lists = |m: &dyn Fn() -> (usize, usize)| {
            let (entries, lists) = m();
            entries * 4 + lists * 32
        };
        [
            ("terms (FST)", self.terms.as_fst().as_bytes().len()),
            (
                "postings",
                self.postings.heap_bytes() + self.posting_starts.len() * 4,
            ),
            ("forward lists", self.forward.heap_bytes()),
            ("short prefixes", self.short.heap_bytes()),
            (
                "phonetic codes",
                lists(&|| {
                    (
                        self.phonetic.values().map(Vec::len).sum(),
                        self.phonetic.len(),
                    )
                }),
            ),
            ("name lengths", self.name_words.len()),
        ]
        .into_iter()
        .chain(self.numbers.heap_parts())
        .collect()
    }

    /// Approximate heap size, for the benchmark's memory report.
    pub fn heap_bytes(&self) -> usize {
        self.heap_parts().iter().map(|(_, bytes)| bytes).sum()
    }
}
