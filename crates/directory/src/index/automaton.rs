//! Levenshtein automata with transpositions (a swap of two neighbours is one edit), run
//! straight from their parametric tables instead of being built for every typed word.
//!
//! The construction is Schulz and Mihov's, as the `levenshtein_automata` crate implements
//! it (and the tests check this against that crate, state by state): an automaton for a
//! word within `k` edits is a table of *shapes* — which positions of a window of `2k + 1`
//! letters are still reachable, and with how many edits — that does not depend on the word
//! at all, plus where the window is. A step reads which letters of the window equal the
//! input byte and looks the next shape up. The crate uses the same tables to build a
//! conventional automaton per word, 1 KB per state (a row for every byte, plus three UTF-8
//! helper states per state): 25 µs and 300 KB for a nine-letter word within two edits, most
//! of the slowest full-name queries. Its parametric tables are private to that crate; here
//! they are built once per process, and a word's automaton is only where each byte stands
//! in it.
//!
//! Words and terms are folded to ASCII letters and digits before they get here, so this
//! works on bytes; a non-ASCII byte never matches.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The state from which no input leads to a match.
pub const SINK: u32 = 0;

/// The longest word that gets typo tolerance: its positions fit in a `u64` with the
/// widest window (two edits: five letters) read past its end.
pub const LONGEST: usize = 64 - 5;

/// One way of having read the input so far: at `offset` in the word with `distance` edits,
/// `in_transpose` when the last byte was the word's next-but-one letter (the first half of
/// a swap).
#[derive(Clone, Copy, Debug, Default, Hash, PartialEq, Eq, PartialOrd, Ord)]
struct NfaState {
    offset: u32,
    distance: u8,
    in_transpose: bool,
}

impl NfaState {
    /// Whatever `other` can still match, `self` matches with no more edits.
    fn implies(self, other: NfaState) -> bool {
        let transpose_implies = self.in_transpose || !other.in_transpose;
        let apart = self.offset.abs_diff(other.offset);
        let need = u32::from(self.distance) + apart;
        if transpose_implies {
            u32::from(other.distance) >= need
        } else {
            u32::from(other.distance) > need
        }
    }
}

/// The NFA states alive at once, none implied by another, sorted: a shape once its
/// offsets start at 0.
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq)]
struct MultiState(Vec<NfaState>);

impl MultiState {
    fn add(&mut self, new: NfaState) {
        if self.0.iter().any(|s| s.implies(new)) {
            return;
        }
        self.0.retain(|&s| !new.implies(s));
        self.0.push(new);
    }

    /// Shifts the offsets to start at 0 and returns by how much.
    fn normalize(&mut self) -> u32 {
        let min = self.0.iter().map(|s| s.offset).min().unwrap_or(0);
        for s in &mut self.0 {
            s.offset -= min;
        }
        self.0.sort_unstable();
        min
    }

    /// Edits of the whole word when it is `len` letters from offset 0, if within `max`.
    fn distance(&self, len: u32, max: u8) -> u8 {
        self.0
            .iter()
            .map(|s| s.distance + s.offset.abs_diff(len) as u8)
            .filter(|&d| d <= max)
            .min()
            .unwrap_or(max + 1)
    }

    /// After one input byte; bit `i` of `chi` says whether it equals the letter at `i`.
    fn step(&self, chi: u32, max: u8, window: u32) -> MultiState {
        let mask = (1 << window) - 1;
        let bit = |symbol: u32, i: u8| symbol >> i & 1 == 1;
        let mut next = MultiState::default();
        for &s in &self.0 {
            let symbol = (chi >> s.offset) & mask;
            let at = |offset: u32, distance: u8, in_transpose: bool| NfaState {
                offset,
                distance,
                in_transpose,
            };
            if s.distance < max {
                // The byte inserted, or put in place of the word's letter.
                next.add(at(s.offset, s.distance + 1, false));
                next.add(at(s.offset + 1, s.distance + 1, false));
                // Letters of the word left out before it.
                for skipped in 1..=max - s.distance {
                    if bit(symbol, skipped) {
                        next.add(at(
                            s.offset + 1 + u32::from(skipped),
                            s.distance + skipped,
                            false,
                        ));
                    }
                }
                if bit(symbol, 1) {
                    next.add(at(s.offset, s.distance + 1, true));
                }
            }
            if bit(symbol, 0) {
                next.add(at(s.offset + 1, s.distance, false));
                if s.in_transpose {
                    next.add(at(s.offset + 2, s.distance, false));
                }
            }
        }
        next.0.sort_unstable();
        next
    }
}

/// The shapes for one number of edits and every way a byte can fall in the window.
pub struct Tables {
    max: u8,
    window: u32,
    /// Per shape and window pattern: the next shape (0: none alive) and how far the
    /// window moves.
    next: Vec<(u32, u32)>,
    /// Per shape and letters left in the word (below the window's width): the edits of
    /// the whole word, `max + 1` when too many.
    distance: Vec<u8>,
}

impl Tables {
    fn new(max: u8) -> Tables {
        let window = 2 * u32::from(max) + 1;
        let patterns = 1u32 << window;
        let mut ids: HashMap<MultiState, u32> = HashMap::new();
        let mut shapes: Vec<MultiState> = Vec::new();
        let mut id_of = |shape: MultiState, shapes: &mut Vec<MultiState>| {
            *ids.entry(shape).or_insert_with_key(|shape| {
                shapes.push(shape.clone());
                shapes.len() as u32 - 1
            })
        };
        id_of(MultiState::default(), &mut shapes);
        id_of(MultiState(vec![NfaState::default()]), &mut shapes);
        let mut next = Vec::new();
        let mut i = 0;
        while i < shapes.len() {
            for chi in 0..patterns {
                let mut to = shapes[i].step(chi, max, window);
                let moved = to.normalize();
                next.push((id_of(to, &mut shapes), moved));
            }
            i += 1;
        }
        let distance = shapes
            .iter()
            .flat_map(|shape| (0..window).map(|left| shape.distance(left, max)))
            .collect();
        Tables {
            max,
            window,
            next,
            distance,
        }
    }

    /// The tables for `max` edits (1 or 2), built on first use.
    pub fn get(max: u8) -> &'static Tables {
        static ONE: OnceLock<Tables> = OnceLock::new();
        static TWO: OnceLock<Tables> = OnceLock::new();
        match max {
            1 => ONE.get_or_init(|| Tables::new(1)),
            2 => TWO.get_or_init(|| Tables::new(2)),
            _ => panic!("typo automata allow one or two edits, not {max}"),
        }
    }
}

/// The automaton for one word: a state is its shape (high 16 bits) and where its window
/// starts in the word (low bits), [`SINK`] when nothing is alive.
#[derive(Clone)]
pub struct Automaton {
    tables: &'static Tables,
    len: u32,
    /// Per ASCII byte, the positions of the word that hold it: a step shifts this to the
    /// window instead of comparing the window's letters one by one.
    positions: Box<[u64; 128]>,
}

impl Automaton {
    /// The automaton for `word` within `max` edits (1 or 2); `None` for a word longer
    /// than [`LONGEST`] bytes.
    pub fn new(max: u8, word: &str) -> Option<Automaton> {
        if word.len() > LONGEST {
            return None;
        }
        let mut positions = Box::new([0u64; 128]);
        for (i, &b) in word.as_bytes().iter().enumerate() {
            // Other bytes never match a folded term's (ASCII) letters anyway.
            if let Some(p) = positions.get_mut(usize::from(b)) {
                *p |= 1 << i;
            }
        }
        Some(Automaton {
            tables: Tables::get(max),
            len: word.len() as u32,
            positions,
        })
    }

    /// Shape 1 (no edits yet) at the start of the word.
    pub fn initial_state(&self) -> u32 {
        1 << 16
    }

    /// The state after reading `byte` in `state` (not [`SINK`]).
    #[inline]
    pub fn transition(&self, state: u32, byte: u8) -> u32 {
        let (shape, offset) = split(state);
        let t = self.tables;
        let at = self.positions.get(usize::from(byte)).copied().unwrap_or(0);
        let chi = (at >> offset) as u32 & ((1 << t.window) - 1);
        let (to, moved) = t.next[((shape as usize) << t.window) + chi as usize];
        if to == 0 {
            SINK
        } else {
            to << 16 | (offset + moved)
        }
    }

    /// Whether the input read so far is within the allowed edits of the whole word.
    #[inline]
    pub fn accepting(&self, state: u32) -> bool {
        let (shape, offset) = split(state);
        let t = self.tables;
        match self.len.checked_sub(offset) {
            Some(left) if shape != 0 && left < t.window => {
                t.distance[(shape * t.window + left) as usize] <= t.max
            }
            _ => false,
        }
    }
}

/// A state's shape and where its window starts.
fn split(state: u32) -> (u32, u32) {
    (state >> 16, state & 0xffff)
}

#[cfg(test)]
mod tests {
    use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};

    use super::*;

    /// Walks `input` through both automata and checks they agree at every byte: the same
    /// states are dead, the same inputs are within the edits.
    fn agree(ours: &Automaton, theirs: &DFA, word: &str, input: &[u8]) {
        let (mut a, mut b) = (ours.initial_state(), theirs.initial_state());
        for (i, &byte) in input.iter().enumerate() {
            a = ours.transition(a, byte);
            b = theirs.transition(b, byte);
            let read = || String::from_utf8_lossy(&input[..=i]).into_owned();
            assert_eq!(
                a == SINK,
                b == SINK_STATE,
                "{word:?} after {:?}: dead",
                read()
            );
            if b == SINK_STATE {
                return;
            }
            assert_eq!(
                ours.accepting(a),
                matches!(theirs.distance(b), Distance::Exact(_)),
                "{word:?} after {:?}: accepting",
                read()
            );
        }
    }

    fn strings(alphabet: &[u8], max_len: usize) -> Vec<Vec<u8>> {
        let mut all = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..max_len {
            last = last
                .iter()
                .flat_map(|s: &Vec<u8>| {
                    alphabet.iter().map(move |&c| {
                        let mut t = s.clone();
                        t.push(c);
                        t
                    })
                })
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn every_word_and_input_over_few_letters_runs_as_the_crate_builds_it() {
        // Few letters, so repeats, swaps and skips happen in every combination.
        let words = strings(b"abc", 5);
        let inputs = strings(b"abcd", 5);
        for max in [1, 2] {
            let builder = LevenshteinAutomatonBuilder::new(max, true);
            for word in &words {
                let word = std::str::from_utf8(word).expect("ascii");
                let (ours, theirs) = (
                    Automaton::new(max, word).expect("short"),
                    builder.build_dfa(word),
                );
                assert_eq!(
                    ours.accepting(ours.initial_state()),
                    matches!(theirs.distance(theirs.initial_state()), Distance::Exact(_)),
                    "{word:?} before any input"
                );
                for input in &inputs {
                    agree(&ours, &theirs, word, input);
                }
            }
        }
    }

    #[test]
    fn words_up_to_the_longest_get_an_automaton() {
        let longest = "ab".repeat(LONGEST).split_at(LONGEST).0.to_owned();
        let a = Automaton::new(2, &longest).expect("the longest");
        let mut typo = longest.clone().into_bytes();
        typo.swap(LONGEST - 2, LONGEST - 1);
        typo.remove(3);
        let end = typo
            .iter()
            .fold(a.initial_state(), |s, &b| a.transition(s, b));
        assert!(a.accepting(end), "two edits at the end of the longest word");
        assert!(Automaton::new(1, &format!("{longest}x")).is_none());
    }

    #[test]
    fn names_and_their_typos_run_as_the_crate_builds_them() {
        let names = [
            "uller",
            "mueller",
            "schneider",
            "zimmermann",
            "baumgartner",
            "eyer",
            "aaaaaaa",
            "abababab",
            "hurlimannbaumann",
            "x",
        ];
        for max in [1, 2] {
            let builder = LevenshteinAutomatonBuilder::new(max, true);
            for name in names {
                let (ours, theirs) = (
                    Automaton::new(max, name).expect("short"),
                    builder.build_dfa(name),
                );
                let mut inputs: Vec<Vec<u8>> = vec![name.as_bytes().to_vec()];
                let bytes = name.as_bytes();
                for i in 0..bytes.len() {
                    let mut dropped = bytes.to_vec();
                    dropped.remove(i);
                    inputs.push(dropped);
                    for c in [b'a', b'e', b'z', b'0'] {
                        let mut replaced = bytes.to_vec();
                        replaced[i] = c;
                        inputs.push(replaced.clone());
                        replaced.insert(i, c);
                        inputs.push(replaced);
                    }
                    if i + 1 < bytes.len() {
                        let mut swapped = bytes.to_vec();
                        swapped.swap(i, i + 1);
                        inputs.push(swapped.clone());
                        if i + 3 < bytes.len() {
                            swapped.swap(i + 2, i + 3);
                            inputs.push(swapped);
                        }
                    }
                }
                for input in &inputs {
                    let mut longer = input.clone();
                    longer.extend_from_slice(b"xyz");
                    agree(&ours, &theirs, name, &longer);
                }
            }
        }
    }
}
