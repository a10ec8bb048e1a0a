//! Evaluating a query against the index: candidates, AND, exclusions, ranking.
//!
//! The most selective word is read from its postings (one contiguous slice for a prefix).
//! Every further word is checked either by reading its postings too, or — when there are
//! few candidates and the word is common — by looking at each candidate's own short term
//! list. Per-document state lives in a reusable, epoch-stamped array, so nothing of size
//! "all documents" is cleared or allocated per query.

use std::cell::RefCell;

use super::Index;
use super::docset::DocSet;
use super::matcher::{PHONETIC, PREFIX, WordMatcher};
use super::numbers::{NumberPattern, NumberTier};
use crate::fields::{FIELD_BITS, Field};

/// At most this many words count; the API's 200-character limit rarely gets near it.
pub const MAX_WORDS: usize = 16;

/// Reading one candidate's term list costs about as much as this many postings.
const FORWARD_COST: usize = 12;

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

struct Scratch {
    epoch: u32,
    /// Per document: `epoch << 32 | value`; stale epochs read as empty.
    slots: Vec<u64>,
}

impl Scratch {
    fn begin(&mut self, docs: usize) -> u32 {
        if self.slots.len() < docs {
            self.slots.resize(docs, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.slots.fill(0);
            self.epoch = 1;
        }
        self.epoch
    }

    fn get(&self, doc: u32) -> Option<u32> {
        let slot = self.slots[doc as usize];
        ((slot >> 32) as u32 == self.epoch).then_some(slot as u32)
    }

    fn set(&mut self, doc: u32, value: u32) {
        self.slots[doc as usize] = u64::from(self.epoch) << 32 | u64::from(value);
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch { epoch: 0, slots: Vec::new() }) };
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

    fn pack(self) -> u32 {
        u32::from(self.tier) | u32::from(self.name) << 3 | u32::from(self.fields) << 4
    }

    fn unpack(v: u32) -> Self {
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
    for &e in index.forward_of(doc) {
        let field = Field::from_bits(e);
        if let Some(tier) = word.tier(e >> FIELD_BITS, field).filter(|&t| t <= max_tier) {
            let bit = 1 << field as u8;
            match &mut hit {
                Some(h) => h.merge(tier, bit),
                None => hit = Some(WordHit::new(tier, bit)),
            }
        }
    }
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
        && let Some(list) = word.short_list(index)
    {
        return evaluate_short(index, word, list, limit, hidden);
    }
    let shown = |doc: u32| hidden.is_none_or(|h| !h.contains(doc));
    let mut order: Vec<&WordMatcher> = words.iter().collect();
    order.sort_by_key(|w| w.cost);
    SCRATCH.with_borrow_mut(|scratch| {
        // The most selective word makes the candidates.
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut hits: Vec<WordHit> = Vec::new();
        scratch.begin(docs);
        order[0].visit(index, |doc, tier, field| match scratch.get(doc) {
            Some(i) => hits[i as usize].merge(tier, field),
            None if !shown(doc) => {}
            None => {
                scratch.set(doc, candidates.len() as u32);
                candidates.push(Candidate {
                    doc,
                    worst: 0,
                    sum: 0,
                    names: 0,
                    fields: 0,
                    name_len: index.name_words(doc),
                });
                hits.push(WordHit::new(tier, field));
            }
        });
        for (c, hit) in candidates.iter_mut().zip(&hits) {
            c.add(*hit);
        }
        // Every further word narrows them down.
        for word in &order[1..] {
            if candidates.len() * FORWARD_COST < word.cost {
                candidates.retain_mut(|c| match forward_hit(index, c.doc, word, u8::MAX) {
                    Some(hit) => {
                        c.add(hit);
                        true
                    }
                    None => false,
                });
            } else {
                scratch.begin(docs);
                word.visit(index, |doc, tier, field| {
                    let hit = match scratch.get(doc) {
                        Some(v) => {
                            let mut h = WordHit::unpack(v);
                            h.merge(tier, field);
                            h
                        }
                        None => WordHit::new(tier, field),
                    };
                    scratch.set(doc, hit.pack());
                });
                candidates.retain_mut(|c| match scratch.get(c.doc) {
                    Some(v) => {
                        c.add(WordHit::unpack(v));
                        true
                    }
                    None => false,
                });
            }
            if candidates.is_empty() {
                break;
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
        let ranked: Vec<Ranked> = candidates.iter().map(Candidate::ranked).collect();
        (ranked.len(), top(ranked, limit))
    })
}

/// One short word and nothing else, the first keystrokes: its merged prefix list is in
/// document order, which is the tie-break order, so the first `limit` documents of each
/// score class are the best of that class. One sequential pass, no per-document state.
fn evaluate_short(
    index: &Index,
    word: &WordMatcher,
    list: &[u32],
    limit: usize,
    hidden: Option<&DocSet>,
) -> (usize, Vec<Ranked>) {
    // Documents containing the word itself, with the fields it is in (postings are sorted
    // by document, so equal documents are neighbours).
    let mut exact_docs: Vec<(u32, u8)> = Vec::new();
    for &p in word.exact_postings(index) {
        let (doc, bit) = (p >> FIELD_BITS, 1u8 << (p & crate::fields::FIELD_MASK));
        match exact_docs.last_mut() {
            Some((d, mask)) if *d == doc => *mask |= bit,
            _ => exact_docs.push((doc, bit)),
        }
    }
    // Classes in rank order: tier (exact, prefix), names first, more fields first, shorter
    // names first. Within a class the document order decides.
    let class = |tier: u8, fields: u8, name_len: u8| -> usize {
        let no_name = usize::from(fields & NAME_BIT == 0);
        ((usize::from(tier) * 2 + no_name) * 8 + (7 - fields.count_ones() as usize)) * 16
            + usize::from(name_len.min(15))
    };
    let mut buckets: Vec<Vec<Ranked>> = vec![Vec::new(); 2 * 2 * 8 * 16];
    let mut next_exact = exact_docs.iter().peekable();
    let mut total = 0;
    for &entry in list {
        let doc = entry >> super::SHORT_SHIFT;
        if hidden.is_some_and(|h| h.contains(doc)) {
            continue;
        }
        let mut fields = entry as u8;
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
        let bucket = &mut buckets[class(tier, fields, name_len)];
        if bucket.len() < limit {
            let mut c = Candidate {
                doc,
                worst: 0,
                sum: 0,
                names: 0,
                fields: 0,
                name_len,
            };
            c.add(WordHit::new(tier, fields));
            bucket.push(c.ranked());
        }
    }
    let ranked: Vec<Ranked> = buckets.into_iter().flatten().take(limit).collect();
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
        scratch.begin(docs);
        let mut found: Vec<u32> = Vec::new();
        index
            .numbers
            .visit(pattern, |doc, _, tier| match scratch.get(doc) {
                Some(t) if t <= tier as u32 => {}
                Some(_) => scratch.set(doc, tier as u32),
                None if hidden.is_some_and(|h| h.contains(doc)) => {}
                None => {
                    scratch.set(doc, tier as u32);
                    found.push(doc);
                }
            });
        let ranked: Vec<Ranked> = found
            .iter()
            .map(|&doc| {
                let tier = scratch.get(doc).unwrap_or(NumberTier::Suffix as u32) as u8;
                // Ranked like a one-word match of that tier, without name or field bonus.
                Candidate {
                    doc,
                    worst: tier,
                    sum: tier,
                    names: 0,
                    fields: 0,
                    name_len: 0,
                }
                .ranked()
            })
            .collect();
        (ranked.len(), top(ranked, limit))
    })
}

/// The `limit` smallest keys, sorted; linear in the number of candidates.
fn top(mut ranked: Vec<Ranked>, limit: usize) -> Vec<Ranked> {
    if ranked.len() > limit {
        if limit == 0 {
            return Vec::new();
        }
        ranked.select_nth_unstable_by_key(limit - 1, |r| r.key);
        ranked.truncate(limit);
    }
    ranked.sort_unstable_by_key(|r| r.key);
    ranked
}
