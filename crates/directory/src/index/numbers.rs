//! Phone numbers, searchable by any prefix of their E.164 form and by their last digits.

use crate::store::ContactStore;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{pack_reversed, range_of};

    /// What `range_of` computes, by fst's own range streams.
    fn range_by_streams(map: &fst::Map<Vec<u8>>, prefix: &[u8]) -> (u64, u64) {
        use fst::{IntoStreamer, Streamer};
        let first = |key: &[u8]| map.range().ge(key).into_stream().next().map(|(_, v)| v);
        let end = map.len() as u64;
        let lo = first(prefix).unwrap_or(end);
        let hi = first(&[prefix, &[0xff]].concat()).unwrap_or(end);
        (lo, hi.max(lo))
    }

    proptest! {
        /// Keys from a small alphabet, so that prefixes share nodes, miss, and run past the
        /// last key; the empty prefix and prefixes longer than any key included.
        #[test]
        fn ranges_walked_on_the_nodes_equal_fst_streams(
            keys in proptest::collection::btree_set("[0-3]{0,6}", 0..60),
            prefixes in proptest::collection::vec("[0-4]{0,7}", 1..20),
        ) {
            let map = fst::Map::from_iter(keys.iter().enumerate().map(|(i, k)| (k, i as u64)))
                .unwrap();
            for p in prefixes.iter().map(String::as_bytes).chain([b"".as_slice()]) {
                prop_assert_eq!(range_of(&map, p), range_by_streams(&map, p), "prefix {:?}", p);
            }
        }
    }

    #[test]
    fn packed_suffixes_order_like_reversed_strings() {
        let lo = pack_reversed("123", 0);
        let hi = pack_reversed("123", 0xF);
        for number in ["4989123", "123", "49890123"] {
            let k = pack_reversed(number, 0);
            assert!(lo <= k && k <= hi, "{number}");
        }
        for number in ["4989124", "1230", "23"] {
            let k = pack_reversed(number, 0);
            assert!(k < lo || k > hi, "{number}");
        }
    }
}

/// Bits for the phone's position within its contact.
const PHONE_BITS: u32 = 4;
const PHONE_MASK: u32 = (1 << PHONE_BITS) - 1;

pub struct NumberIndex {
    /// E.164 digits (without `+`) → rank in lexicographic order.
    forward: fst::Map<Vec<u8>>,
    /// Every number's digits reversed and packed ([`pack_reversed`]), sorted: the numbers
    /// ending in some digits are one binary-searched range.
    suffix_keys: Vec<u64>,
    /// The rank in `forward` of the number at the same place in `suffix_keys` (a separate
    /// list: `(u64, u32)` pairs would pad to 16 bytes).
    suffix_ranks: Vec<u32>,
    /// Per number: `doc << 4 | phone index`, sorted by document.
    postings: Vec<u32>,
    starts: Vec<u32>,
}

/// How a number matched; lower is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NumberTier {
    Exact = 0,
    Prefix = 1,
    Suffix = 2,
}

impl NumberIndex {
    pub fn build(store: &ContactStore) -> NumberIndex {
        let mut entries: Vec<(&str, u32)> = Vec::new();
        for doc in 0..store.len() {
            store.for_each_e164(doc, |i, e164| {
                if i <= PHONE_MASK as usize {
                    entries.push((&e164[1..], (doc as u32) << PHONE_BITS | i as u32));
                }
            });
        }
        // Sort by number, then document: postings come out grouped and ordered.
        entries.sort_unstable();
        let mut keys: Vec<&str> = Vec::new();
        let mut postings = Vec::with_capacity(entries.len());
        let mut starts = Vec::new();
        for (digits, posting) in entries {
            if keys.last() != Some(&digits) {
                keys.push(digits);
                starts.push(postings.len() as u32);
            }
            postings.push(posting);
        }
        starts.push(postings.len() as u32);
        starts.shrink_to_fit();
        let forward = fst::Map::from_iter(
            keys.iter()
                .enumerate()
                .map(|(r, k)| (k.as_bytes(), r as u64)),
        )
        .expect("sorted, unique");
        let mut by_suffix: Vec<(u64, u32)> = keys
            .iter()
            .enumerate()
            .map(|(r, k)| (pack_reversed(k, 0), r as u32))
            .collect();
        by_suffix.sort_unstable();
        let (suffix_keys, suffix_ranks) = by_suffix.into_iter().unzip();
        NumberIndex {
            forward,
            suffix_keys,
            suffix_ranks,
            postings,
            starts,
        }
    }

    fn postings_of(&self, lo: u64, hi: u64) -> &[u32] {
        &self.postings[self.starts[lo as usize] as usize..self.starts[hi as usize] as usize]
    }

    /// Calls `visit(doc, phone index)` for every number that is exactly `digits`.
    pub fn exact(&self, digits: &str, mut visit: impl FnMut(u32, u32)) {
        if let Some(r) = self.forward.get(digits) {
            for &p in self.postings_of(r, r + 1) {
                visit(p >> PHONE_BITS, p & PHONE_MASK);
            }
        }
    }

    /// Calls `visit(doc, phone index, tier)` for every number that `pattern` selects.
    pub fn visit(&self, pattern: &NumberPattern, mut visit: impl FnMut(u32, u32, NumberTier)) {
        let mut each = |slice: &[u32], tier| {
            for &p in slice {
                visit(p >> PHONE_BITS, p & PHONE_MASK, tier);
            }
        };
        for exact in &pattern.exact {
            if let Some(r) = self.forward.get(exact) {
                each(self.postings_of(r, r + 1), NumberTier::Exact);
            }
        }
        for prefix in &pattern.prefixes {
            let (lo, hi) = range_of(&self.forward, prefix.as_bytes());
            each(self.postings_of(lo, hi), NumberTier::Prefix);
        }
        if let Some(suffix) = &pattern.suffix {
            // All numbers ending in `suffix`: reversed, they start with it.
            let lo = pack_reversed(suffix, 0);
            let hi = pack_reversed(suffix, 0xF);
            let first = self.suffix_keys.partition_point(|&k| k < lo);
            let last = self.suffix_keys.partition_point(|&k| k <= hi);
            for &r in &self.suffix_ranks[first..last] {
                each(
                    self.postings_of(u64::from(r), u64::from(r) + 1),
                    NumberTier::Suffix,
                );
            }
        }
    }

    /// Heap bytes by part, for the benchmark's memory report.
    pub fn heap_parts(&self) -> [(&'static str, usize); 3] {
        [
            (
                "numbers: E.164 (FST)",
                self.forward.as_fst().as_bytes().len(),
            ),
            (
                "numbers: by last digits",
                self.suffix_keys.capacity() * 8 + self.suffix_ranks.capacity() * 4,
            ),
            (
                "numbers: their contacts",
                (self.postings.capacity() + self.starts.capacity()) * 4,
            ),
        ]
    }
}

/// Up to 15 digits (E.164's maximum), last digit first, 4 bits each from the top, digit `d`
/// as `d + 1` so that shorter is smaller; unused nibbles are `fill` (0 for the lowest key
/// with this suffix, 0xF for the highest).
pub fn pack_reversed(digits: &str, fill: u64) -> u64 {
    let mut packed = 0u64;
    let mut used = 0;
    for b in digits.bytes().rev().take(15) {
        packed = packed << 4 | u64::from(b - b'0' + 1);
        used += 1;
    }
    for _ in used..16 {
        packed = packed << 4 | fill;
    }
    packed
}

/// The ranks `[lo, hi)` of all keys starting with `prefix` (the maps' values are their
/// keys' ranks).
pub fn range_of(map: &fst::Map<Vec<u8>>, prefix: &[u8]) -> (u64, u64) {
    let fst = map.as_fst();
    let end = map.len() as u64;
    let lo = first_at_or_after(fst, prefix).unwrap_or(end);
    // No key has a 0xFF byte (they are UTF-8), so this bounds the keys with the prefix.
    let mut upper = [0u8; 64];
    let hi = match upper.get_mut(..=prefix.len()) {
        Some(upper) => {
            upper[..prefix.len()].copy_from_slice(prefix);
            upper[prefix.len()] = 0xff;
            first_at_or_after(fst, upper)
        }
        None => first_at_or_after(fst, &[prefix, &[0xff]].concat()),
    }
    .unwrap_or(end);
    (lo, hi.max(lo))
}

/// The value of the first key at or after `key`, walking the automaton's nodes: fst's
/// range stream allocates its stack and key buffers on every call, which was a sixth of a
/// number query and is called twice for every word and prefix of a name query.
fn first_at_or_after(fst: &fst::raw::Fst<Vec<u8>>, key: &[u8]) -> Option<u64> {
    use fst::raw::{Fst, Node, Output};
    // The smallest key under `node`: the node itself when final (a key sorts before its
    // extensions), else down the smallest transition (none only in an empty map).
    fn smallest<'f>(fst: &'f Fst<Vec<u8>>, mut node: Node<'f>, mut out: Output) -> Option<u64> {
        loop {
            if node.is_final() {
                return Some(out.cat(node.final_output()).value());
            }
            let t = node.transitions().next()?;
            out = out.cat(t.out);
            node = fst.node(t.addr);
        }
    }
    fn walk<'f>(fst: &'f Fst<Vec<u8>>, node: Node<'f>, out: Output, key: &[u8]) -> Option<u64> {
        let Some((&b, rest)) = key.split_first() else {
            return smallest(fst, node, out);
        };
        // Transitions are in byte order: after the one for `b` (if no key under it is at or
        // after the rest of `key`), the first greater byte leads to the answer.
        let next = match node.find_input(b) {
            Some(i) => {
                let t = node.transition(i);
                if let Some(v) = walk(fst, fst.node(t.addr), out.cat(t.out), rest) {
                    return Some(v);
                }
                i + 1
            }
            None => node
                .transitions()
                .position(|t| t.inp > b)
                .unwrap_or(node.len()),
        };
        let t = (next < node.len()).then(|| node.transition(next))?;
        smallest(fst, fst.node(t.addr), out.cat(t.out))
    }
    walk(fst, fst.root(), Output::zero(), key)
}

/// What a number query looks for, as E.164 digit strings without `+`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NumberPattern {
    /// The whole number, when the query is a complete number.
    pub exact: Vec<String>,
    /// Numbers that start with these digits.
    pub prefixes: Vec<String>,
    /// Numbers that end with these digits (an extension).
    pub suffix: Option<String>,
}
