//! Everything one query word matches, resolved against the term dictionary once per query.
//!
//! Tiers, best first:
//! - 0 exact: the whole word;
//! - 1 prefix: the start of a word;
//! - 2 typo: a whole word within the allowed edits;
//! - 3 typo prefix: the start of a word within the allowed edits (typing on);
//! - 4 phonetic: a name that sounds the same.
//!
//! Allowed edits (insert, delete, replace, swap two neighbours): one for words of 5 letters
//! or more, never on the first letter; two for 9 or more, anywhere. A typed word of 4
//! letters gets one edit against whole words of 5 letters or more — a dropped letter
//! ("Whie" for "White") should not cost the match. Edits are counted on two spellings of the
//! typed word, folded ("huar") and as typed ("huaer"), so folding `ae` → `a` cannot eat a
//! typo.

use fst::raw::{Fst, Node, Output};
use fst::{IntoStreamer, Streamer};

use super::automaton::{Automaton, SINK};
use super::numbers::range_of;
use super::{Index, short_key};
use crate::fields::{FIELD_BITS, Field};

pub const EXACT: u8 = 0;
pub const PREFIX: u8 = 1;
pub const TYPO: u8 = 2;
pub const TYPO_PREFIX: u8 = 3;
pub const PHONETIC: u8 = 4;

/// Words this long get one typo, the first letter excepted.
pub const ONE_TYPO_FROM: usize = 5;
/// Words this long get two typos, anywhere.
pub const TWO_TYPOS_FROM: usize = 9;
/// Typed words this long match whole words of `ONE_TYPO_FROM` letters with one edit.
const WHOLE_WORD_TYPO_FROM: usize = 4;

/// The typo rule for one spelling of a typed word.
pub struct Typo {
    spelling: String,
    /// Edits may not touch the first letter.
    fix_first: bool,
    /// Only whole words of at least `ONE_TYPO_FROM` letters match (a short typed word).
    whole_word_only: bool,
    /// Automaton for the spelling, without its first letter when that is fixed. Made per
    /// query: where each byte stands in the word, over shared tables (`super::automaton`).
    automaton: Automaton,
}

impl Typo {
    pub fn for_spelling(spelling: &str) -> Option<Typo> {
        let len = spelling.len();
        let (distance, fix_first, whole_word_only) = if len >= TWO_TYPOS_FROM {
            (2, false, false)
        } else if len >= ONE_TYPO_FROM {
            (1, true, false)
        } else if len >= WHOLE_WORD_TYPO_FROM {
            (1, true, true)
        } else {
            return None;
        };
        let rest = if fix_first { &spelling[1..] } else { spelling };
        Some(Typo {
            spelling: spelling.to_owned(),
            fix_first,
            whole_word_only,
            // No typos in words of sixty letters and more (none are names).
            automaton: Automaton::new(distance, rest)?,
        })
    }

    /// The automaton's start, after the fixed first letter of `term` if it has to match.
    fn start(&self, term: &[u8]) -> Option<(u32, usize)> {
        if self.fix_first {
            (term.first() == self.spelling.as_bytes().first())
                .then(|| (self.automaton.initial_state(), 1))
        } else {
            Some((self.automaton.initial_state(), 0))
        }
    }

    fn accepting(&self, state: u32) -> bool {
        self.automaton.accepting(state)
    }

    /// The whole `term` is within the allowed edits.
    pub fn accepts_whole(&self, term: &[u8]) -> bool {
        if self.whole_word_only && term.len() < ONE_TYPO_FROM {
            return false;
        }
        let Some((mut state, skip)) = self.start(term) else {
            return false;
        };
        for &b in &term[skip..] {
            state = self.automaton.transition(state, b);
            if state == SINK {
                return false;
            }
        }
        self.accepting(state)
    }

    /// Length of the shortest prefix of `term` within the allowed edits (prefix rule only).
    pub fn matched_prefix(&self, term: &[u8]) -> Option<usize> {
        if self.whole_word_only {
            return None;
        }
        let (mut state, skip) = self.start(term)?;
        if self.accepting(state) {
            return Some(skip.max(1));
        }
        for (i, &b) in term[skip..].iter().enumerate() {
            state = self.automaton.transition(state, b);
            if state == SINK {
                return None;
            }
            if self.accepting(state) {
                return Some(skip + i + 1);
            }
        }
        None
    }
}

pub struct WordMatcher {
    /// The folded query word.
    pub word: String,
    exact: Option<u32>,
    prefix: (u32, u32),
    /// Whole words within the allowed edits, sorted.
    typo_terms: Vec<u32>,
    /// Words starting within the allowed edits: ranges disjoint from `prefix`, sorted.
    fuzzy: Vec<(u32, u32)>,
    /// Name terms with the same Kölner Phonetik code, sorted.
    phonetic: Vec<u32>,
    /// One- to three-letter words: the key of their merged short-prefix list.
    short: Option<u16>,
    pub typos: Vec<Typo>,
    /// Postings this word's terms hold, counted per category (so a typo that is also a
    /// sound-alike twice, though `visit` reads it once): decides how it is evaluated, and
    /// [`super::eval`]'s `FORWARD_COST` was measured against this count.
    pub cost: usize,
}

impl WordMatcher {
    /// `word` is the folded word, `typed` the same word without German spellings merged.
    pub fn new(index: &Index, word: &str, typed: &str) -> WordMatcher {
        let (plo, phi) = range_of(&index.terms, word.as_bytes());
        let (plo, phi) = (plo as u32, phi as u32);
        let exact = index.terms.get(word).map(|t| t as u32);
        let mut spellings = vec![word];
        if typed != word {
            spellings.push(typed);
        }
        let typos: Vec<Typo> = spellings
            .into_iter()
            .filter_map(Typo::for_spelling)
            .collect();
        let mut fuzzy = Vec::new();
        let mut typo_terms = Vec::new();
        for typo in &typos {
            if typo.whole_word_only {
                typo_terms.extend(whole_word_matches(index.terms.as_fst(), typo));
                continue;
            }
            for prefix in fuzzy_prefixes(index.terms.as_fst(), typo) {
                // Whole words under the prefix that are themselves close enough rank higher.
                let mut upper = prefix.clone();
                upper.push(0xff);
                let mut stream = index.terms.range().ge(&prefix).lt(&upper).into_stream();
                while let Some((term, id)) = stream.next() {
                    if typo.accepts_whole(term) {
                        typo_terms.push(id as u32);
                    }
                }
                let (lo, hi) = range_of(&index.terms, &prefix);
                let (lo, hi) = (lo as u32, hi as u32);
                // What the exact prefix already covers is not a typo.
                for (a, b) in [(lo, hi.min(plo)), (lo.max(phi), hi)] {
                    if a < b {
                        fuzzy.push((a, b));
                    }
                }
            }
        }
        typo_terms.retain(|t| !(plo..phi).contains(t));
        typo_terms.sort_unstable();
        typo_terms.dedup();
        fuzzy.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(fuzzy.len());
        for (a, b) in fuzzy {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let code = crate::phonetic::code(word);
        let phonetic = code
            .as_ref()
            .and_then(|c| index.phonetic.get(c))
            .cloned()
            .unwrap_or_default();
        let span = |lo: u32, hi: u32| index.postings_len(lo, hi);
        let short = short_key(word.as_bytes());
        let prefix_cost = match short {
            Some(key) => index.short_len(key) + exact.map_or(0, |e| span(e, e + 1)),
            None => span(plo, phi),
        };
        let cost = prefix_cost
            + typo_terms.iter().map(|&t| span(t, t + 1)).sum::<usize>()
            + merged.iter().map(|&(a, b)| span(a, b)).sum::<usize>()
            + phonetic.iter().map(|&t| span(t, t + 1)).sum::<usize>();
        WordMatcher {
            word: word.to_owned(),
            exact,
            prefix: (plo, phi),
            typo_terms,
            fuzzy: merged,
            phonetic,
            short,
            typos,
            cost,
        }
    }

    /// The key of the merged prefix list, when this word is answered from one alone (short,
    /// no typos, no sound-alikes).
    pub fn short_list(&self) -> Option<u16> {
        let key = self.short?;
        (self.typo_terms.is_empty() && self.fuzzy.is_empty() && self.phonetic.is_empty())
            .then_some(key)
    }

    /// Calls `f` with the postings of the term that equals the word, if there is one.
    pub fn for_each_exact_posting(&self, index: &Index, f: impl FnMut(u32)) {
        if let Some(e) = self.exact {
            index.for_each_posting(e, e + 1, f);
        }
    }

    pub fn matches_nothing(&self) -> bool {
        self.cost == 0
    }

    /// The tier at which `term` (in `field`) matches this word.
    pub fn tier(&self, term: u32, field: Field) -> Option<u8> {
        self.tier_before_phonetic(term).or_else(|| {
            (field == Field::Name && self.phonetic.binary_search(&term).is_ok()).then_some(PHONETIC)
        })
    }

    /// Calls `visit(doc, tier, fields)` (a bit per [`Field`]) for every posting this word
    /// matches. A document can come several times (several terms or fields).
    pub fn visit(&self, index: &Index, mut visit: impl FnMut(u32, u8, u8)) {
        // The typo and sound-alike terms' postings lie apart from each other and from the
        // prefix's: asked for now, they arrive while the prefix's are read.
        index.warm_postings(
            (self.typo_terms.iter().chain(&self.phonetic).copied())
                .chain(self.fuzzy.iter().map(|&(lo, _)| lo)),
        );
        self.visit_prefix(index, &mut visit);
        // A term read above is not read again at a worse tier: the merge would keep the
        // better one anyway. Every whole word within the edits lies inside the range of its
        // prefix, and most sound-alikes ("maier" for "meyer") are typos or under the prefix
        // as well — read again, they were a third to a half of a common surname's postings.
        for &(lo, hi) in &self.fuzzy {
            let mut from = lo;
            for &t in self.typo_terms_in(lo, hi) {
                if from < t {
                    emit(index, (from, t), TYPO_PREFIX, false, &mut visit);
                }
                from = t + 1;
            }
            if from < hi {
                emit(index, (from, hi), TYPO_PREFIX, false, &mut visit);
            }
        }
        for &t in &self.phonetic {
            if self.tier_before_phonetic(t).is_none() {
                emit(index, (t, t + 1), PHONETIC, true, &mut visit);
            }
        }
    }

    /// The postings of the word itself, of the words it begins and of its whole-word typos:
    /// the categories every other one is read after.
    fn visit_prefix(&self, index: &Index, visit: &mut impl FnMut(u32, u8, u8)) {
        let (plo, phi) = self.prefix;
        match (self.short, self.exact) {
            (Some(key), exact) => {
                if let Some(e) = exact {
                    emit(index, (e, e + 1), EXACT, false, visit);
                }
                index.for_each_short(key, |doc, fields| visit(doc, PREFIX, fields));
            }
            (None, Some(e)) => {
                emit(index, (e, e + 1), EXACT, false, visit);
                emit(index, (e + 1, phi), PREFIX, false, visit);
            }
            (None, None) => emit(index, (plo, phi), PREFIX, false, visit),
        }
        for &t in &self.typo_terms {
            emit(index, (t, t + 1), TYPO, false, visit);
        }
    }

    /// The whole words within the edits that lie in the term range `lo..hi`.
    fn typo_terms_in(&self, lo: u32, hi: u32) -> &[u32] {
        let start = self.typo_terms.partition_point(|&t| t < lo);
        let end = self.typo_terms.partition_point(|&t| t < hi);
        &self.typo_terms[start..end]
    }

    /// The tier `term` matches at without its sound (in any field), if any.
    fn tier_before_phonetic(&self, term: u32) -> Option<u8> {
        if self.exact == Some(term) {
            Some(EXACT)
        } else if (self.prefix.0..self.prefix.1).contains(&term) {
            Some(PREFIX)
        } else if self.typo_terms.binary_search(&term).is_ok() {
            Some(TYPO)
        } else if self.fuzzy.iter().any(|&(a, b)| (a..b).contains(&term)) {
            Some(TYPO_PREFIX)
        } else {
            None
        }
    }

    /// How many folded characters of `term` this word covers (for highlights), if any.
    /// The sound-alike check looks `term` up among the name terms the word sounds like
    /// (a dictionary lookup) instead of computing its code, which allocates.
    pub fn matched_len(&self, index: &Index, term: &str, field: Field) -> Option<usize> {
        if term.starts_with(self.word.as_str()) {
            return Some(self.word.len());
        }
        for typo in &self.typos {
            if typo.accepts_whole(term.as_bytes()) {
                return Some(term.len());
            }
            if let Some(len) = typo.matched_prefix(term.as_bytes()) {
                return Some(len);
            }
        }
        let sounds_alike = field == Field::Name
            && !self.phonetic.is_empty()
            && index
                .terms
                .get(term)
                .is_some_and(|t| self.phonetic.binary_search(&(t as u32)).is_ok());
        sounds_alike.then_some(term.len())
    }
}

/// Postings (`doc << 3 | field`) → `visit(doc, tier, field bit)`.
fn emit(
    index: &Index,
    (lo, hi): (u32, u32),
    tier: u8,
    names_only: bool,
    visit: &mut impl FnMut(u32, u8, u8),
) {
    index.for_each_posting(lo, hi, |p| {
        let field = Field::from_bits(p);
        if !names_only || field == Field::Name {
            visit(p >> FIELD_BITS, tier, 1 << field as u8);
        }
    });
}

/// The root of the walk: after the fixed first letter when edits may not touch it.
fn walk_start<'f>(fst: &'f Fst<Vec<u8>>, typo: &Typo) -> Option<(Node<'f>, Output, Vec<u8>)> {
    let root = fst.root();
    if !typo.fix_first {
        return Some((root, Output::zero(), Vec::new()));
    }
    let first = typo.spelling.as_bytes()[0];
    let t = root.transition(root.find_input(first)?);
    Some((fst.node(t.addr), t.out, vec![first]))
}

/// Walks the term FST with the spelling's Levenshtein automaton and returns the shortest
/// prefixes within the allowed edits; every term under such a prefix is a typo match.
fn fuzzy_prefixes(fst: &Fst<Vec<u8>>, typo: &Typo) -> Vec<Vec<u8>> {
    let Some((start, _, prefix)) = walk_start(fst, typo) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack: Vec<(Node<'_>, u32, Vec<u8>)> =
        vec![(start, typo.automaton.initial_state(), prefix)];
    while let Some((node, state, prefix)) = stack.pop() {
        if typo.accepting(state) {
            out.push(prefix);
            continue;
        }
        for t in node.transitions() {
            let next = typo.automaton.transition(state, t.inp);
            if next != SINK {
                let mut p = prefix.clone();
                p.push(t.inp);
                stack.push((fst.node(t.addr), next, p));
            }
        }
    }
    out
}

/// Term ids of the whole words within the allowed edits (for short typed words).
fn whole_word_matches(fst: &Fst<Vec<u8>>, typo: &Typo) -> Vec<u32> {
    let Some((start, out, prefix)) = walk_start(fst, typo) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut stack: Vec<(Node<'_>, u32, Output, usize)> =
        vec![(start, typo.automaton.initial_state(), out, prefix.len())];
    while let Some((node, state, out, depth)) = stack.pop() {
        if node.is_final() && depth >= ONE_TYPO_FROM && typo.accepting(state) {
            found.push(out.cat(node.final_output()).value() as u32);
        }
        for t in node.transitions() {
            let next = typo.automaton.transition(state, t.inp);
            if next != SINK {
                stack.push((fst.node(t.addr), next, out.cat(t.out), depth + 1));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::index::query::{Parsed, parse};

    fn prefix_len(word: &str, term: &str) -> Option<usize> {
        Typo::for_spelling(word)?.matched_prefix(term.as_bytes())
    }

    fn whole(word: &str, term: &str) -> bool {
        Typo::for_spelling(word).is_some_and(|t| t.accepts_whole(term.as_bytes()))
    }

    /// What `visit` read before it skipped terms read already: after the prefix and the
    /// whole-word typos, every term of the other categories, each at its category's tier.
    fn visit_every_term(w: &WordMatcher, index: &Index, mut visit: impl FnMut(u32, u8, u8)) {
        w.visit_prefix(index, &mut visit);
        for &range in &w.fuzzy {
            emit(index, range, TYPO_PREFIX, false, &mut visit);
        }
        for &t in &w.phonetic {
            emit(index, (t, t + 1), PHONETIC, true, &mut visit);
        }
    }

    /// Documents → (best tier, fields matched at it), as the evaluation merges postings.
    fn merged(read: impl FnOnce(&mut dyn FnMut(u32, u8, u8))) -> BTreeMap<u32, (u8, u8)> {
        let mut docs = BTreeMap::new();
        read(&mut |doc, tier, fields| {
            let e = docs.entry(doc).or_insert((tier, 0));
            if tier < e.0 {
                *e = (tier, fields);
            } else if tier == e.0 {
                e.1 |= fields;
            }
        });
        docs
    }

    /// Skipping the terms read already changes no document's tier or fields, for names
    /// as typed, misspelt, sound-alike, cut short and with umlauts, over a demo directory.
    #[test]
    fn terms_read_once_give_what_every_term_read_gave() {
        let d = crate::Directory::build(
            crate::demo::generate(3_000, 5),
            crate::phone::PhoneNormalizer::new(&crate::demo::dialing()).unwrap(),
        );
        let index = d.index();
        let mut words: Vec<String> = (0..d.len())
            .step_by(13)
            .flat_map(|doc| {
                let c = d.contact(doc);
                [
                    c.given_name,
                    c.surname,
                    c.company,
                    c.address.and_then(|a| a.city),
                ]
            })
            .flatten()
            .flat_map(|name| {
                name.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        words.extend(
            [
                "Meyer",
                "Maier",
                "Jonas",
                "Schmitt",
                "Müler",
                "Zimmerman",
                "Lena",
            ]
            .map(String::from),
        );
        let variants = |w: &str| {
            let chars: Vec<char> = w.chars().collect();
            let mut v = vec![w.to_owned()];
            for cut in [3, 4, 6] {
                v.push(chars.iter().take(cut).collect());
            }
            if chars.len() > 4 {
                let mut dropped = chars.clone();
                dropped.remove(chars.len() / 2);
                v.push(dropped.into_iter().collect());
                let mut swapped = chars.clone();
                swapped.swap(1, 2);
                v.push(swapped.into_iter().collect());
            }
            v.push(w.replace("ei", "ai").replace('y', "i").replace("tt", "dt"));
            v
        };
        let mut compared = 0;
        let mut skipped_some = 0;
        for word in words.iter().flat_map(|w| variants(w)) {
            let Parsed::Words { words: parsed, .. } = parse(&word, d.normalizer()) else {
                continue;
            };
            for q in parsed {
                let m = WordMatcher::new(index, &q.folded, &q.typed);
                let once = merged(|f| m.visit(index, f));
                let every = merged(|f| visit_every_term(&m, index, f));
                assert_eq!(once, every, "{word:?} ({})", q.folded);
                compared += 1;
                let mut reads = (0, 0);
                m.visit(index, |_, _, _| reads.0 += 1);
                visit_every_term(&m, index, |_, _, _| reads.1 += 1);
                skipped_some += usize::from(reads.0 < reads.1);
            }
        }
        assert!(compared > 1_000, "{compared} words compared");
        assert!(
            skipped_some > compared / 10,
            "{skipped_some} of {compared} words read less"
        );
    }

    #[test]
    fn typo_rules_by_length() {
        assert!(Typo::for_spelling("mul").is_none());
        assert!(Typo::for_spelling("mull").unwrap().whole_word_only);
        let t = Typo::for_spelling("muller").unwrap();
        assert!(t.fix_first && !t.whole_word_only);
        assert!(!Typo::for_spelling("bergmannx").unwrap().fix_first);
    }

    #[test]
    fn prefixes_within_the_allowed_edits() {
        assert_eq!(prefix_len("muler", "muller"), Some(6)); // one inserted "l"
        assert_eq!(prefix_len("muler", "mulerstrase"), Some(4)); // "mule" is one edit away
        assert_eq!(prefix_len("muler", "nuler"), None); // the first letter is fixed
        assert_eq!(prefix_len("schmidt", "schmitt"), Some(6)); // "schmit"
        assert_eq!(prefix_len("schmidt", "schulz"), None);
        assert_eq!(prefix_len("muller", "mulelr"), Some(6)); // a swap is one edit
        assert_eq!(prefix_len("bergmannx", "vergmanny"), Some(8)); // two edits, first letter too
    }

    #[test]
    fn whole_words_within_the_allowed_edits() {
        assert!(whole("whie", "white"), "a dropped letter in a short word");
        assert!(
            !whole("whie", "whit"),
            "whole words of at least five letters only"
        );
        assert!(!whole("whie", "whiteboard"), "whole words, not prefixes");
        assert!(whole("oliva", "olivia"));
        assert!(!whole("oliva", "oliver"));
        assert!(whole("huaer", "huber"));
    }
}
