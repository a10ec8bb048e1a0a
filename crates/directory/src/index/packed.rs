//! Many strictly increasing lists of `u32` in one buffer, compressed: the index's
//! postings, forward lists and short-prefix lists (issue 17's memory target — as plain
//! `u32`s they were 175 of the 452 MB of a million contacts).
//!
//! A list is its length and first value as varints, then the differences to the previous
//! value minus one: in blocks of 128 bit-packed with SIMD ([`bitpacking`], tantivy's
//! codec; one byte of bit width per block), the rest as varints. Long lists (a common
//! first letter: hundreds of thousands of documents) decode at memory speed; short ones (a
//! document's dozen terms, a rare surname's few documents) cost a byte or two per value.
//! An empty list takes no bytes, and consecutive lists are consecutive bytes, so a range
//! of lists (all terms with a prefix) is decoded in one pass.

use bitpacking::{BitPacker, BitPacker4x};

const BLOCK: usize = BitPacker4x::BLOCK_LEN;

pub struct PackedLists {
    bytes: Vec<u8>,
    /// Where list `i` starts in `bytes`; one more entry than lists.
    offsets: Vec<u32>,
}

impl Default for PackedLists {
    fn default() -> Self {
        PackedLists {
            bytes: Vec::new(),
            offsets: vec![0],
        }
    }
}

impl PackedLists {
    /// Appends `list`, which must be strictly increasing, as the next list.
    pub fn push(&mut self, list: &[u32]) {
        if let Some((&first, rest)) = list.split_first() {
            write_varint(&mut self.bytes, list.len() as u32);
            write_varint(&mut self.bytes, first);
            let packer = BitPacker4x::new();
            let mut prev = first;
            let mut blocks = rest.chunks_exact(BLOCK);
            for block in blocks.by_ref() {
                let bits = packer.num_bits_strictly_sorted(Some(prev), block);
                self.bytes.push(bits);
                let at = self.bytes.len();
                self.bytes
                    .resize(at + BitPacker4x::compressed_block_size(bits), 0);
                packer.compress_strictly_sorted(Some(prev), block, &mut self.bytes[at..], bits);
                prev = block[BLOCK - 1];
            }
            for &v in blocks.remainder() {
                debug_assert!(v > prev, "lists are strictly increasing");
                write_varint(&mut self.bytes, v - prev - 1);
                prev = v;
            }
        }
        self.offsets.push(
            u32::try_from(self.bytes.len()).expect("the index's lists fit in 4 GB of memory"),
        );
    }

    /// Frees what building reserved beyond the lists.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.offsets.shrink_to_fit();
    }

    #[cfg(test)]
    pub fn lists(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The number of values in list `i`.
    pub fn len_of(&self, i: usize) -> usize {
        let bytes = self.range_bytes(i, i + 1);
        if bytes.is_empty() {
            0
        } else {
            read_varint(bytes, &mut 0) as usize
        }
    }

    /// Calls `f` with every value of the lists `lo..hi`, list by list, each in order.
    #[inline]
    pub fn for_each_in(&self, lo: usize, hi: usize, f: impl FnMut(u32)) {
        decode_each(self.range_bytes(lo, hi), f);
    }

    /// Calls `f` with up to 128 values of list `i` at a time, in order: for a long list
    /// and a large `f` (see [`decode_chunks`]).
    #[inline]
    pub fn for_each_chunk(&self, i: usize, f: impl FnMut(&[u32])) {
        decode_chunks(self.range_bytes(i, i + 1), f);
    }

    /// Calls `f` with every value of list `i`, in order.
    #[inline]
    pub fn for_each(&self, i: usize, f: impl FnMut(u32)) {
        self.for_each_in(i, i + 1, f);
    }

    /// Reads a byte of each of the lists `lists` before any of them is decoded: lists read
    /// one per candidate document are scattered over the buffer, and touched in one loop
    /// their cache misses overlap instead of coming one after another.
    pub fn warm(&self, lists: impl Iterator<Item = usize>) {
        let mut sum = 0u8;
        for i in lists {
            if let Some(&at) = self.offsets.get(i) {
                sum = sum.wrapping_add(self.bytes.get(at as usize).copied().unwrap_or(0));
            }
        }
        std::hint::black_box(sum);
    }

    pub fn heap_bytes(&self) -> usize {
        self.bytes.len() + self.offsets.len() * 4
    }

    fn range_bytes(&self, lo: usize, hi: usize) -> &[u8] {
        &self.bytes[self.offsets[lo] as usize..self.offsets[hi] as usize]
    }
}

/// Decodes consecutive lists value by value: no buffer for a short list (a document's
/// terms, a rare word's postings).
#[inline]
fn decode_each(bytes: &[u8], mut f: impl FnMut(u32)) {
    let mut pos = 0;
    while pos < bytes.len() {
        let (rest, mut prev) = read_head(bytes, &mut pos);
        f(prev);
        if rest >= BLOCK {
            let packer = BitPacker4x::new();
            let mut buf = [0u32; BLOCK];
            for _ in 0..rest / BLOCK {
                read_block(&packer, bytes, &mut pos, &mut prev, &mut buf);
                for &v in &buf {
                    f(v);
                }
            }
        }
        for _ in 0..rest % BLOCK {
            f(read_next(bytes, &mut pos, &mut prev));
        }
    }
}

/// Decodes consecutive lists, handing `f` up to 128 values at a time. `f` is called from
/// one place only, so the compiler inlines a large loop body here: called per value from
/// three places, as [`decode_each`] does, it was not, and the calls cost a tenth of a
/// one-letter query.
#[inline]
fn decode_chunks(bytes: &[u8], mut f: impl FnMut(&[u32])) {
    let packer = BitPacker4x::new();
    let mut buf = [0u32; BLOCK];
    let mut pos = 0;
    // What is left of the list being read.
    let (mut blocks, mut tail, mut prev) = (0, 0, 0u32);
    loop {
        let n = if blocks > 0 {
            read_block(&packer, bytes, &mut pos, &mut prev, &mut buf);
            blocks -= 1;
            BLOCK
        } else if tail > 0 {
            read_tail(bytes, &mut pos, &mut prev, &mut buf[..tail]);
            std::mem::take(&mut tail)
        } else if pos < bytes.len() {
            let rest;
            (rest, prev) = read_head(bytes, &mut pos);
            buf[0] = prev;
            (blocks, tail) = (rest / BLOCK, rest % BLOCK);
            if blocks > 0 {
                1
            } else {
                // No block: the first value and the rest (at most 127) in one go.
                read_tail(bytes, &mut pos, &mut prev, &mut buf[1..=tail]);
                1 + std::mem::take(&mut tail)
            }
        } else {
            return;
        };
        f(&buf[..n]);
    }
}

/// A list's length less its first value, and its first value.
#[inline]
fn read_head(bytes: &[u8], pos: &mut usize) -> (usize, u32) {
    let rest = read_varint(bytes, pos) as usize - 1;
    (rest, read_varint(bytes, pos))
}

/// The next block of 128 into `buf`; `prev` becomes its last value.
#[inline]
fn read_block(
    packer: &BitPacker4x,
    bytes: &[u8],
    pos: &mut usize,
    prev: &mut u32,
    buf: &mut [u32; BLOCK],
) {
    let bits = bytes[*pos];
    *pos += 1;
    *pos += packer.decompress_strictly_sorted(Some(*prev), &bytes[*pos..], buf, bits);
    *prev = buf[BLOCK - 1];
}

/// The value after `prev` from its varint difference; `prev` becomes it.
#[inline]
fn read_next(bytes: &[u8], pos: &mut usize, prev: &mut u32) -> u32 {
    *prev += read_varint(bytes, pos) + 1;
    *prev
}

#[inline]
fn read_tail(bytes: &[u8], pos: &mut usize, prev: &mut u32, out: &mut [u32]) {
    for v in out {
        *v = read_next(bytes, pos, prev);
    }
}

fn write_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn read_varint(bytes: &[u8], pos: &mut usize) -> u32 {
    let mut byte = bytes[*pos];
    *pos += 1;
    let mut v = u32::from(byte & 0x7f);
    let mut shift = 7;
    while byte & 0x80 != 0 {
        byte = bytes[*pos];
        *pos += 1;
        v |= u32::from(byte & 0x7f) << shift;
        shift += 7;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The lists `lo..hi` read value by value, checked against reading them in chunks.
    fn all(p: &PackedLists, lo: usize, hi: usize) -> Vec<u32> {
        let mut out = Vec::new();
        p.for_each_in(lo, hi, |v| out.push(v));
        let mut chunked = Vec::new();
        decode_chunks(p.range_bytes(lo, hi), |c| chunked.extend_from_slice(c));
        assert_eq!(out, chunked, "both ways of reading lists {lo}..{hi}");
        out
    }

    #[test]
    fn lists_of_every_shape_come_back_as_they_went_in() {
        let long: Vec<u32> = (0..1000u32).map(|i| i * 5 + (i % 3)).collect();
        let wide: Vec<u32> = (0..300u32).map(|i| i * 14_000_000).collect();
        let lists: Vec<Vec<u32>> = vec![
            vec![],
            vec![7],
            vec![u32::MAX],
            vec![0, 1, 2],
            long.clone(),
            (0..128).collect(),
            (5..134).collect(),
            wide.clone(),
            vec![],
        ];
        let mut p = PackedLists::default();
        for list in &lists {
            p.push(list);
        }
        assert_eq!(p.lists(), lists.len());
        for (i, list) in lists.iter().enumerate() {
            assert_eq!(&all(&p, i, i + 1), list, "list {i}");
            assert_eq!(p.len_of(i), list.len(), "length of list {i}");
        }
        let joined: Vec<u32> = lists[3..6].concat();
        assert_eq!(
            all(&p, 3, 6),
            joined,
            "a range of lists is their concatenation"
        );
        // A dense long list costs far less than 4 bytes a value.
        let mut dense = PackedLists::default();
        dense.push(&long);
        assert!(
            dense.heap_bytes() < long.len(),
            "{} bytes",
            dense.heap_bytes()
        );
    }

    proptest! {
        #[test]
        fn any_sorted_lists_round_trip(lists in prop::collection::vec(
            prop::collection::btree_set(any::<u32>(), 0..400), 0..6)
        ) {
            let lists: Vec<Vec<u32>> = lists.into_iter().map(|s| s.into_iter().collect()).collect();
            let mut p = PackedLists::default();
            for list in &lists {
                p.push(list);
            }
            for (i, list) in lists.iter().enumerate() {
                prop_assert_eq!(&all(&p, i, i + 1), list);
            }
            prop_assert_eq!(all(&p, 0, lists.len()), lists.concat());
        }
    }
}
