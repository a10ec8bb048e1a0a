//! Evaluating a query against the index: candidates, AND, exclusions, ranking.
//!
//! The most selective word is read from its postings (one contiguous slice for a prefix).
//! Every further word is checked either by reading its postings too, or — when there are
//! few candidates and the word is common — by looking at each candidate's own short term
//! list. Per-document state lives in a reusable per-thread array that each query zeroes
//! where it wrote, so nothing of size "all documents" is cleared or allocated per query.

use std::cell::RefCell;
use std::collections::BinaryHeap;

use super::Index;
use super::docset::DocSet;
use super::matcher::{PHONETIC, PREFIX, WordMatcher};
use super::numbers::NumberPattern;
use crate::fields::{FIELD_BITS, Field};

/// At most this many words count; the API's 200-character limit rarely gets near it.
pub const MAX_WORDS: usize = 16;

/// Reading one candidate's term list costs about as much as this many postings. Measured
/// (performance.md, "Memory, round two"): with both kinds of lists compressed, 24 instead
/// of 12 halves the p99 of typos, umlauts and sound-alikes at a million; 6 and 48 are worse.
const FORWARD_COST: usize = 24;

/// A ranked document: smaller `key` is better; the low 32 bits are the document number,
/// which is the stable tie-break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranked {
    pub doc: u32,
    pub key: u64,
}

impl Ranked {
    /// A number where higher is better, for the API. Consistent with the order of `key`:
    /// each component's weight exceeds everything below it.
    pub fn score(&self) -> f64 {
        let worst = (self.key >> 60) & 0xF;
        let sum = (self.key >> 52) & 0xFF;
        let names = 15 - ((self.key >> 48) & 0xF);
        let fields = 15 - ((self.key >> 44) & 0xF);
        let max_sum = MAX_WORDS as u64 * u64::from(PHONETIC);
        let per_sum = 16 * 7 + 8;
        let per_worst = (max_sum + 1) * per_sum;
        ((u64::from(PHONETIC) - worst.min(4)) * per_worst
            + (max_sum - sum.min(max_sum)) * per_sum
            + names * 7
            + fields) as f64
    }
}

/// Per-document state of one query: a [`WordHit`] packed into 16 bits, or 0 for "not
/// seen". Two bytes per document keep a million documents' state at 2 MB, mostly in the
/// CPU's caches, where the postings' random order visits it; the entries a query set are
/// zeroed again before it returns (it lists them anyway), so nothing of size "all
/// documents" is cleared per query. The lists of one query are kept for the next on the
/// same thread: allocating and freeing a few megabytes per query cost page faults.
struct Scratch {
    state: Vec<u16>,
    seen: Vec<u32>,
    candidates: Vec<Candidate>,
    /// A query left entries set (it panicked halfway): clear everything before the next.
    dirty: bool,
}

/// One query's share of the [`Scratch`].
struct Work<'s> {
    state: &'s mut [u16],
    seen: &'s mut Vec<u32>,
    candidates: &'s mut Vec<Candidate>,
}

/// Marks a state entry as set; a packed [`WordHit`] uses the low 12 bits.
const SEEN: u16 = 1 << 15;

/// Lists longer than these are not kept for the next query (4 and 3 MB per thread).
const KEEP_SEEN: usize = 1 << 20;
const KEEP_CANDIDATES: usize = 1 << 18;

impl Scratch {
    fn begin(&mut self, docs: usize) -> Work<'_> {
        if self.dirty {
            self.state.fill(0);
        }
        if self.state.len() < docs {
            self.state.resize(docs, 0);
        }
        self.dirty = true;
        self.seen.clear();
        self.candidates.clear();
        Work {
            state: &mut self.state[..docs],
            seen: &mut self.seen,
            candidates: &mut self.candidates,
        }
    }

    fn end(&mut self) {
        #[cfg(test)]
        assert!(self.state.iter().all(|&s| s == 0), "state left behind");
        self.dirty = false;
        if self.seen.capacity() > KEEP_SEEN {
            self.seen = Vec::new();
        }
        if self.candidates.capacity() > KEEP_CANDIDATES {
            self.candidates = Vec::new();
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch {
            state: Vec::new(),
            seen: Vec::new(),
            candidates: Vec::new(),
            dirty: false,
        })
    };
}

/// Merges one posting into its document's state; lists the document when it is new.
#[inline]
fn record(state: &mut [u16], seen: &mut Vec<u32>, doc: u32, tier: u8, fields: u8) {
    let slot = &mut state[doc as usize];
    if *slot == 0 {
        seen.push(doc);
        *slot = SEEN | WordHit::new(tier, fields).pack();
    } else {
        let mut hit = WordHit::unpack(*slot);
        hit.merge(tier, fields);
        *slot = SEEN | hit.pack();
    }
}

/// How one word matched one document.
#[derive(Clone, Copy)]
struct WordHit {
    tier: u8,
    name: bool,
    fields: u8,
}

const NAME_BIT: u8 = 1 << Field::Name as u8;

impl WordHit {
    fn new(tier: u8, fields: u8) -> Self {
        WordHit {
            tier,
            name: fields & NAME_BIT != 0,
            fields,
        }
    }

    /// Only matches at the word's best tier count for the name bonus and the field count:
    /// "wood" matching the company "Wood & Co" exactly and the name "White" by sound is
    /// not a name match.
    fn merge(&mut self, tier: u8, fields: u8) {
        if tier < self.tier {
            *self = WordHit::new(tier, fields);
        } else if tier == self.tier {
            self.name |= fields & NAME_BIT != 0;
            self.fields |= fields;
        }
    }

    fn pack(self) -> u16 {
        u16::from(self.tier) | u16::from(self.name) << 3 | u16::from(self.fields) << 4
    }

    fn unpack(v: u16) -> Self {
        WordHit {
            tier: (v & 7) as u8,
            name: v & 8 != 0,
            fields: (v >> 4) as u8,
        }
    }
}

/// A document that matched every word so far.
struct Candidate {
    doc: u32,
    worst: u8,
    sum: u8,
    names: u8,
    fields: u8,
    /// Words in the document's name: fewer means fewer left unmatched.
    name_len: u8,
}

impl Candidate {
    /// A document as the first word matched it.
    fn first(doc: u32, name_len: u8, hit: WordHit) -> Candidate {
        let mut c = Candidate {
            doc,
            worst: 0,
            sum: 0,
            names: 0,
            fields: 0,
            name_len,
        };
        c.add(hit);
        c
    }

    fn add(&mut self, hit: WordHit) {
        self.worst = self.worst.max(hit.tier);
        self.sum += hit.tier;
        self.names += u8::from(hit.name);
        self.fields |= hit.fields;
    }

    fn ranked(&self) -> Ranked {
        let key = u64::from(self.worst) << 60
            | u64::from(self.sum) << 52
            | u64::from(15 - self.names.min(15)) << 48
            | u64::from(15 - (self.fields.count_ones() as u8).min(15)) << 44
            | u64::from(self.name_len.min(15)) << 40
            | u64::from(self.doc);
        Ranked { doc: self.doc, key }
    }
}

/// How a document's own term list matches `word`, if at all.
fn forward_hit(index: &Index, doc: u32, word: &WordMatcher, max_tier: u8) -> Option<WordHit> {
    let mut hit: Option<WordHit> = None;
    index.for_each_forward(doc, |e| {
        let field = Field::from_bits(e);
        if let Some(tier) = word.tier(e >> FIELD_BITS, field).filter(|&t| t <= max_tier) {
            let bit = 1 << field as u8;
            match &mut hit {
                Some(h) => h.merge(tier, bit),
                None => hit = Some(WordHit::new(tier, bit)),
            }
        }
    });
    hit
}

/// All documents matching every word and none of the exclusions; the best `limit` of them
/// ranked, and how many there were in all.
pub fn evaluate_words(
    index: &Index,
    words: &[WordMatcher],
    excluded: &[Vec<WordMatcher>],
    docs: usize,
    limit: usize,
    hidden: Option<&DocSet>,
) -> (usize, Vec<Ranked>) {
    if words.is_empty() || words.iter().any(WordMatcher::matches_nothing) {
        return (0, Vec::new());
    }
    if let ([word], []) = (words, excluded)
        && let Some(key) = word.short_list()
    {
        return evaluate_short(index, word, key, limit, hidden);
    }
    let mut order: Vec<&WordMatcher> = words.iter().collect();
    order.sort_by_key(|w| w.cost);
    SCRATCH.with_borrow_mut(|scratch| {
        let Work {
            state,
            seen,
            candidates,
        } = scratch.begin(docs);
        // The most selective word makes the candidates.
        order[0].visit(index, |doc, tier, fields| {
            record(state, seen, doc, tier, fields)
        });
        let mut firsts = seen.iter().filter_map(|&doc| {
            let hit = WordHit::unpack(std::mem::take(&mut state[doc as usize]));
            if hidden.is_some_and(|h| h.contains(doc)) {
                return None;
            }
            Some(Candidate::first(doc, index.name_words(doc), hit))
        });
        if let ([_], []) = (&order[..], excluded) {
            // One word (typing the first name): ranked straight from its documents.
            let mut total = 0;
            let best = top(
                firsts.by_ref().inspect(|_| total += 1).map(|c| c.ranked()),
                limit,
            );
            scratch.end();
            return (total, best);
        }
        candidates.extend(firsts);
        // Every further word narrows them down.
        for word in &order[1..] {
            if candidates.is_empty() {
                break;
            }
            if candidates.len() * FORWARD_COST < word.cost {
                index.warm_forward(candidates.iter().map(|c| c.doc));
                candidates.retain_mut(|c| match forward_hit(index, c.doc, word, u8::MAX) {
                    Some(hit) => {
                        c.add(hit);
                        true
                    }
                    None => false,
                });
            } else {
                seen.clear();
                word.visit(index, |doc, tier, fields| {
                    record(state, seen, doc, tier, fields)
                });
                candidates.retain_mut(|c| match state[c.doc as usize] {
                    0 => false,
                    v => {
                        c.add(WordHit::unpack(v));
                        true
                    }
                });
                for &doc in seen.iter() {
                    state[doc as usize] = 0;
                }
            }
        }
        // `-word` removes documents where the word matches exactly or as a prefix.
        for parts in excluded {
            candidates.retain(|c| {
                !parts
                    .iter()
                    .all(|p| forward_hit(index, c.doc, p, PREFIX).is_some())
            });
        }
        let found = (
            candidates.len(),
            top(candidates.iter().map(Candidate::ranked), limit),
        );
        scratch.end();
        found
    })
}

/// One short word and nothing else, the first keystrokes: its merged prefix list is in
/// document order, which is the tie-break order, so the first `limit` documents of each
/// score class are the best of that class. One sequential pass, no per-document state.
fn evaluate_short(
    index: &Index,
    word: &WordMatcher,
    key: u16,
    limit: usize,
    hidden: Option<&DocSet>,
) -> (usize, Vec<Ranked>) {
    // Documents containing the word itself, with the fields it is in (postings are sorted
    // by document, so equal documents are neighbours).
    let mut exact_docs: Vec<(u32, u8)> = Vec::new();
    word.for_each_exact_posting(index, |p| {
        let (doc, bit) = (p >> FIELD_BITS, 1u8 << (p & crate::fields::FIELD_MASK));
        match exact_docs.last_mut() {
            Some((d, mask)) if *d == doc => *mask |= bit,
            _ => exact_docs.push((doc, bit)),
        }
    });
    // Classes in rank order: tier (exact, prefix), names first, more fields first, shorter
    // names first. Within a class the document order decides.
    let class = |tier: u8, fields: u8, name_len: u8| -> usize {
        let no_name = usize::from(fields & NAME_BIT == 0);
        ((usize::from(tier) * 2 + no_name) * 8 + (7 - fields.count_ones() as usize)) * 16
            + usize::from(name_len.min(15))
    };
    // The first `limit` documents of each class are kept (one list, counted per class),
    // then ordered by class; within a class they already are in document order.
    let mut per_class = [0u16; 2 * 2 * 8 * 16];
    let mut kept: Vec<(u16, Ranked)> = Vec::new();
    let mut next_exact = exact_docs.iter().peekable();
    let mut total = 0;
    index.for_each_short(key, |doc, mut fields| {
        if hidden.is_some_and(|h| h.contains(doc)) {
            return;
        }
        let mut tier = PREFIX;
        while next_exact.next_if(|&&(d, _)| d < doc).is_some() {}
        if let Some(&&(d, exact_fields)) = next_exact.peek()
            && d == doc
        {
            tier = super::matcher::EXACT;
            fields = exact_fields;
        }
        total += 1;
        let name_len = index.name_words(doc);
        let class = class(tier, fields, name_len);
        if usize::from(per_class[class]) < limit {
            per_class[class] += 1;
            let c = Candidate::first(doc, name_len, WordHit::new(tier, fields));
            kept.push((class as u16, c.ranked()));
        }
    });
    kept.sort_by_key(|&(class, _)| class);
    let ranked: Vec<Ranked> = kept.into_iter().map(|(_, r)| r).take(limit).collect();
    (total, ranked)
}

/// Documents with a number that `pattern` selects, best tier first.
pub fn evaluate_number(
    index: &Index,
    pattern: &NumberPattern,
    docs: usize,
    limit: usize,
    hidden: Option<&DocSet>,
) -> (usize, Vec<Ranked>) {
    SCRATCH.with_borrow_mut(|scratch| {
        // Per document: its best tier + 1.
        let Work { state, seen, .. } = scratch.begin(docs);
        index.numbers.visit(pattern, |doc, _, tier| {
            let slot = &mut state[doc as usize];
            let tier = tier as u16 + 1;
            if *slot == 0 {
                seen.push(doc);
                *slot = tier;
            } else {
                *slot = (*slot).min(tier);
            }
        });
        let mut total = 0;
        let ranked = seen.iter().filter_map(|&doc| {
            let tier = std::mem::take(&mut state[doc as usize]) as u8 - 1;
            if hidden.is_some_and(|h| h.contains(doc)) {
                return None;
            }
            total += 1;
            // Ranked like a one-word match of that tier, without name or field bonus.
            let c = Candidate {
                doc,
                worst: tier,
                sum: tier,
                names: 0,
                fields: 0,
                name_len: 0,
            };
            Some(c.ranked())
        });
        let best = top(ranked, limit);
        scratch.end();
        (total, best)
    })
}

/// The `limit` smallest keys, sorted. A bounded max-heap: most candidates are rejected by
/// one comparison with the worst kept, and nothing of the candidates' size is allocated.
/// Always reads `ranked` to the end, even for `limit` 0: callers count, and zero the
/// query's state, as it is read.
fn top(ranked: impl Iterator<Item = Ranked>, limit: usize) -> Vec<Ranked> {
    let mut heap: BinaryHeap<u64> = BinaryHeap::with_capacity(limit.min(1024));
    for r in ranked {
        if heap.len() < limit {
            heap.push(r.key);
        } else if heap.peek().is_some_and(|&worst| r.key < worst) {
            *heap.peek_mut().expect("the heap is full") = r.key;
        }
    }
    heap.into_sorted_vec()
        .into_iter()
        .map(|key| Ranked {
            doc: key as u32,
            key,
        })
        .collect()
}
