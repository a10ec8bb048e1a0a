//! An in-memory index built for as-you-type contact search.
//!
//! - **Terms**: every folded word of every searchable field, in an FST (`fst::Map`) whose
//!   values are the terms' ranks in lexicographic order. All terms starting with a prefix
//!   are therefore one contiguous range of term ids, and their postings one contiguous
//!   slice of memory: a one-letter query reads a single slice.
//! - **Postings**: per term, the documents containing it, as `doc << 3 | field`, sorted by
//!   document. Documents are numbered in tie-break order (folded name, then id), so equal
//!   scores come out in a stable, sensible order without a second sort key.
//! - **Forward lists**: per document, its terms (`term << 3 | field`), so a second query
//!   word can be checked against a few candidates instead of reading all its postings.
//! - **Short prefixes**: for every one- and two-letter prefix, the documents with a word
//!   starting with it and in which fields — the answer to the first keystrokes, already
//!   merged and in order, instead of hundreds of thousands of postings to merge.
//! - **Phonetic codes**: Kölner Phonetik code → terms that occur in names.
//! - **Numbers** ([`numbers::NumberIndex`]): E.164 digits forwards (prefix search) and
//!   backwards (extension search).
//!
//! `docs/search.md` explains why this beats a general-purpose engine here, with numbers.

pub mod docset;
mod eval;
mod highlight;
mod matcher;
pub mod numbers;
pub mod query;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::fields::{self, FIELD_BITS, Field};
use crate::store::ContactStore;
pub(crate) use eval::{Ranked, evaluate_number as eval_number, evaluate_words as eval_words};
pub(crate) use highlight::{highlights, number_highlights};
pub(crate) use matcher::WordMatcher;

pub struct Index {
    terms: fst::Map<Vec<u8>>,
    postings: Vec<u32>,
    posting_starts: Vec<u32>,
    forward: Vec<u32>,
    forward_starts: Vec<u32>,
    /// [`short_key`] of a one- to three-letter prefix → `doc << 8 | field mask` of every
    /// document with a word starting with it, sorted by document.
    short: HashMap<u16, Vec<u32>>,
    phonetic: HashMap<String, Vec<u32>>,
    /// Words in each document's name (at most 15): among equal matches the name with fewer
    /// words left over wins ("Anna Thiel" before "Anna-Lena Thiel").
    name_words: Vec<u8>,
    pub(crate) numbers: numbers::NumberIndex,
}

/// Words of at most this many letters are answered from the short-prefix lists.
pub const SHORT_PREFIX: usize = 3;
const SHORT_SHIFT: u32 = 8;

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

        // Postings by counting sort: visiting documents in order keeps each list sorted.
        let mut posting_starts = Vec::with_capacity(counts.len());
        let mut total = 0u32;
        for &n in &counts[..strings.len()] {
            posting_starts.push(total);
            total += n;
        }
        posting_starts.push(total);
        let mut cursor = posting_starts.clone();
        let mut postings = vec![0u32; total as usize];
        for doc in 0..docs {
            for &e in &compact[compact_starts[doc] as usize..compact_starts[doc + 1] as usize] {
                let term = (e >> FIELD_BITS) as usize;
                postings[cursor[term] as usize] =
                    (doc as u32) << FIELD_BITS | (e & fields::FIELD_MASK);
                cursor[term] += 1;
            }
        }

        let by_rank: Vec<&[u8]> = order
            .iter()
            .map(|&tmp| strings[tmp as usize].as_bytes())
            .collect();
        let mut short: HashMap<u16, Vec<u32>> = HashMap::new();
        // (key, field bit) for each prefix of each term of one document, then merged.
        let mut per_doc: Vec<(u16, u8)> = Vec::new();
        for doc in 0..docs {
            per_doc.clear();
            for &e in &compact[compact_starts[doc] as usize..compact_starts[doc + 1] as usize] {
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
                short
                    .entry(key)
                    .or_default()
                    .push((doc as u32) << SHORT_SHIFT | u32::from(mask));
                i += 1;
            }
        }
        for list in short.values_mut() {
            list.shrink_to_fit();
        }

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
            forward: compact,
            forward_starts: compact_starts,
            short,
            phonetic,
            name_words,
            numbers: numbers::NumberIndex::build(store),
        }
    }

    pub fn term_count(&self) -> usize {
        self.posting_starts.len() - 1
    }

    /// Postings of the terms `lo..hi`: one slice, because ids are in lexicographic order.
    fn postings_of(&self, lo: u32, hi: u32) -> &[u32] {
        &self.postings
            [self.posting_starts[lo as usize] as usize..self.posting_starts[hi as usize] as usize]
    }

    /// Documents with a word starting with the one- or two-letter `key`, with field masks.
    fn short_list(&self, key: u16) -> &[u32] {
        self.short.get(&key).map_or(&[], Vec::as_slice)
    }

    fn name_words(&self, doc: u32) -> u8 {
        self.name_words[doc as usize]
    }

    fn forward_of(&self, doc: u32) -> &[u32] {
        &self.forward[self.forward_starts[doc as usize] as usize
            ..self.forward_starts[doc as usize + 1] as usize]
    }

    /// Heap bytes by part, for the benchmark's memory report.
    pub fn heap_parts(&self) -> Vec<(&'static str, usize)> {
        let lists = |m: &dyn Fn() -> (usize, usize)| {
            let (entries, lists) = m();
            entries * 4 + lists * 32
        };
        vec![
            ("terms (FST)", self.terms.as_fst().as_bytes().len()),
            (
                "postings",
                (self.postings.len() + self.posting_starts.len()) * 4,
            ),
            (
                "forward lists",
                (self.forward.len() + self.forward_starts.len()) * 4,
            ),
            (
                "short prefixes",
                lists(&|| (self.short.values().map(Vec::len).sum(), self.short.len())),
            ),
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
            ("numbers", self.numbers.heap_bytes()),
        ]
    }

    /// Approximate heap size, for the benchmark's memory report.
    pub fn heap_bytes(&self) -> usize {
        self.terms.as_fst().as_bytes().len()
            + (self.postings.len()
                + self.posting_starts.len()
                + self.forward.len()
                + self.forward_starts.len())
                * 4
            + self.short.values().map(|v| v.len() * 4 + 32).sum::<usize>()
            + self
                .phonetic
                .values()
                .map(|v| v.len() * 4 + 32)
                .sum::<usize>()
            + self.name_words.len()
            + self.numbers.heap_bytes()
    }
}
