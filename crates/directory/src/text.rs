//! Folding and word splitting shared by indexing and querying.
//!
//! Both sides must see the same words, so there is exactly one function that turns text into
//! searchable terms. Folding maps every spelling of a German name to one form:
//! `Müller`, `Mueller` and `Muller` all become `muller`; `Straße` and `Strasse` become
//! `strase`. Each term remembers where it came from in the original text (in Unicode scalar
//! values), so a match can be highlighted in the text the user sees.

/// Original char range `[start, end)` covered by the first `len` folded characters of a
/// word that starts at `start`; `ends[k - 1]` is where the first `k` folded characters end.
pub fn span_of_prefix(start: u32, ends: &[u32], len: usize) -> [u32; 2] {
    let len = len.clamp(1, ends.len());
    [start, ends[len - 1]]
}

/// Characters that belong to a word without separating it (`O'Brien` is one word).
fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '`' | '´')
}

/// Splits `text` into folded words as the index holds them: anything that is not a letter
/// or digit after transliteration separates words, except apostrophes, which are dropped
/// (`O'Brien` is `obrien`) — and a word with apostrophes also yields its parts (`brien`),
/// so that `Brien`, `d angelo` and `Dell Acqua` find `O'Brien`, `D'Angelo`, `Dell'Acqua`.
/// Calls `f(word, start, ends)`: the folded word (lowercase ASCII letters and digits), the
/// char offset of its first character in `text`, and for every folded character the char
/// offset just past the original characters it came from. Nothing is allocated per word:
/// highlighting the shown hits calls this for every field of every hit.
pub fn for_each_term(text: &str, mut f: impl FnMut(&str, u32, &[u32])) {
    scan(text, true, true, true, |word, start, ends, _| {
        f(word, start, ends)
    });
}

/// Calls `f` with every folded word of `text` as typed in a query, without offsets. A word
/// with an apostrophe stays one word here: `O'Brien` asks for `obrien`, which the index
/// holds for `O'Brien` and `OBrien` alike.
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    scan(text, false, true, false, |word, _, _, _| f(word));
}

/// Calls `f` with every word the index holds for `text` — [`for_each_term`] without offsets, the
/// fast path for indexing — and whether it is only a part of a word with apostrophes.
pub fn for_each_indexed_word(text: &str, mut f: impl FnMut(&str, bool)) {
    scan(text, false, true, true, |word, _, _, part| f(word, part));
}

/// The words of `text` transliterated and lowercased but with `ae`/`oe`/`ue`/`ss` left as
/// typed: a typo right after a vowel ("Huaer") must not be folded into another word
/// ("huar") before typo matching sees it. Same words, same order as [`for_each_word`].
pub fn unmerged_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    scan(text, false, false, false, |word, _, _, _| {
        out.push(word.to_owned())
    });
    out
}

/// The folded words of `text`, separated by single spaces: `"Dr. Jürgen Müller"` →
/// `"dr jurgen muller"`. The sort key of names; idempotent for text without apostrophes
/// (`S'Sa` folds to `ssa`, which folds on to `sa`: merging never crosses an apostrophe).
pub fn fold(text: &str) -> String {
    let mut out = String::new();
    for_each_word(text, |w| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    });
    out
}

/// The one place where text becomes words. `track` decides whether offsets are recorded,
/// `merge` whether German two-letter spellings are folded, `parts` whether a word with
/// apostrophes also yields its parts (`emit`'s last argument says which is a part).
fn scan(
    text: &str,
    track: bool,
    merge: bool,
    parts: bool,
    mut emit: impl FnMut(&str, u32, &[u32], bool),
) {
    thread_local! {
        // The word buffers of the last scan on this thread: indexing a million contacts and
        // highlighting every hit scan several texts each, and growing fresh buffers for
        // every one of them was most of their allocations. (Taken, not borrowed: `emit`
        // may scan again.)
        static SPARE: std::cell::Cell<Word> = std::cell::Cell::new(Word::default());
    }
    let mut word = SPARE.take();
    word.clear();
    let mut flush = |word: &mut Word| {
        emit(&word.text, word.start, &word.ends, false);
        if parts && !word.splits.is_empty() {
            let mut from = (0, word.start);
            for &split in word.splits.iter().chain([&(word.text.len(), 0)]) {
                let (a, b) = (from.0, split.0);
                if b > a {
                    let ends = if track { &word.ends[a..b] } else { &[] };
                    emit(&word.text[a..b], from.1, ends, true);
                }
                from = split;
            }
        }
        word.clear();
    };
    for (pos, c) in text.chars().enumerate() {
        let pos = pos as u32;
        if is_joiner(c) {
            word.after_joiner = !word.text.is_empty();
            continue;
        }
        // A combining mark (decomposed text: `u` + U+0308) belongs to the letter before it.
        if !c.is_ascii() && unicode_normalization::char::is_combining_mark(c) {
            if track && let Some(end) = word.ends.last_mut() {
                *end = pos + 1;
            }
            continue;
        }
        let mut any = false;
        let mut take = |b: u8| {
            if b.is_ascii_alphanumeric() {
                if word.text.is_empty() {
                    word.start = pos;
                }
                if std::mem::take(&mut word.after_joiner) {
                    word.splits.push((word.text.len(), pos));
                }
                word.push(b.to_ascii_lowercase(), pos + 1, track, merge);
                any = true;
            }
        };
        if c.is_ascii() {
            take(c as u8);
        } else if c.is_alphanumeric() {
            // Symbols and emoji separate words; deunicode would spell them out as names.
            deunicode::deunicode_char(c)
                .unwrap_or("")
                .bytes()
                .for_each(take);
        }
        if !any && !word.text.is_empty() {
            flush(&mut word);
        }
        if !any {
            word.after_joiner = false;
        }
    }
    if !word.text.is_empty() {
        flush(&mut word);
    }
    SPARE.set(word);
}

/// A folded word being built.
#[derive(Default)]
struct Word {
    text: String,
    start: u32,
    ends: Vec<u32>,
    /// Where apostrophes split the word: folded length and original offset of the part
    /// after each.
    splits: Vec<(usize, u32)>,
    /// An apostrophe came since the last letter: the next letter starts a part.
    after_joiner: bool,
}

impl Word {
    /// German spellings without umlauts write `ae`, `oe`, `ue` and `ss`; folding both
    /// spellings to the single vowel or `s` makes `Mueller`, `Müller` and `Muller` one word.
    /// Merging against what was already written (not against the input) leaves no pair
    /// behind, so folding folded text changes nothing.
    fn push(&mut self, b: u8, end: u32, track: bool, merge: bool) {
        // Never across an apostrophe: the part after it keeps its first letter.
        let at_split = self.splits.last().is_some_and(|s| s.0 == self.text.len());
        let merges = merge
            && !at_split
            && matches!(
                (self.text.as_bytes().last(), b),
                (Some(b'a' | b'o' | b'u'), b'e') | (Some(b's'), b's')
            );
        if merges {
            if track {
                *self.ends.last_mut().expect("text and ends grow together") = end;
            }
        } else {
            self.text.push(b as char);
            if track {
                self.ends.push(end);
            }
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.splits.clear();
        self.after_joiner = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One word of a text as [`for_each_term`] hands it out, kept.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Term {
        text: String,
        start: u32,
        ends: Vec<u32>,
    }

    impl Term {
        fn span_of_prefix(&self, len: usize) -> [u32; 2] {
            span_of_prefix(self.start, &self.ends, len)
        }

        fn span(&self) -> [u32; 2] {
            self.span_of_prefix(self.ends.len())
        }
    }

    fn terms(text: &str) -> Vec<Term> {
        let mut out = Vec::new();
        for_each_term(text, |word, start, ends| {
            out.push(Term {
                text: word.to_owned(),
                start,
                ends: ends.to_vec(),
            });
        });
        out
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,40}") {
            prop_assume!(!s.chars().any(is_joiner));
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(once.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '));
        }

        #[test]
        fn offsets_stay_inside_the_text(s in "\\PC{0,40}") {
            let len = s.chars().count() as u32;
            for t in terms(&s) {
                prop_assert!(!t.text.is_empty());
                prop_assert_eq!(t.ends.len(), t.text.len());
                prop_assert!(t.start < len && t.span()[1] <= len && t.span()[0] < t.span()[1]);
            }
        }
    }

    fn words(s: &str) -> Vec<String> {
        terms(s).into_iter().map(|t| t.text).collect()
    }

    fn words_of(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_word(s, |w| out.push(w.to_owned()));
        assert_eq!(out, words(s), "both scanners agree");
        out
    }

    #[test]
    fn umlaut_spellings_fold_together() {
        for s in ["Müller", "Mueller", "Muller", "MÜLLER", "Müller"] {
            assert_eq!(fold(s), "muller", "{s}");
        }
        assert_eq!(fold("Straße"), fold("Strasse"));
        assert_eq!(fold("Groß"), fold("Gross"));
        assert_eq!(fold("Jörg"), fold("Joerg"));
        assert_eq!(fold("Bäcker"), fold("Baecker"));
    }

    #[test]
    fn accents_and_other_scripts_fold_to_ascii() {
        assert_eq!(fold("José"), "jose");
        assert_eq!(fold("Łukasz"), "lukasz");
        assert_eq!(fold("Ørsted"), "orsted");
        assert_eq!(fold("Genève"), "geneve");
        assert_eq!(fold("Škoda Ōsaka Ærø"), "skoda osaka aro");
        assert_eq!(words_of("Anna 😀 Berg"), ["anna", "berg"]);
        assert_eq!(
            unmerged_words("Hans Huaer-Straße"),
            ["hans", "huaer", "strasse"]
        );
    }

    #[test]
    fn separators_split_and_apostrophes_join() {
        assert_eq!(
            words("Müller-Lüdenscheidt, Dr."),
            ["muller", "ludenscheidt", "dr"]
        );
        assert_eq!(words("O'Brien"), ["obrien", "o", "brien"]);
        assert_eq!(
            words("anna.berg+x@example.com"),
            ["anna", "berg", "x", "example", "com"]
        );
        assert_eq!(words("  "), Vec::<String>::new());
        assert_eq!(words("A4 Büro"), ["a4", "buro"]);
    }

    #[test]
    fn decomposed_umlauts_are_the_same_word() {
        // macOS writes ü as u + U+0308 (NFD).
        assert_eq!(fold("Wu\u{308}st"), fold("Wüst"));
        assert_eq!(fold("Mu\u{308}ller"), "muller");
        assert_eq!(fold("Jo\u{308}rg Stra\u{301}"), "jorg stra");
        let t = terms("Wu\u{308}st");
        assert_eq!(t.len(), 1);
        // The highlight of "wu" covers the mark too.
        assert_eq!(t[0].span_of_prefix(2), [0, 3]);
        assert_eq!(t[0].span(), [0, 5]);
    }

    #[test]
    fn names_with_apostrophes_are_found_by_their_parts() {
        let indexed = |s: &str| {
            let mut out = Vec::new();
            for_each_indexed_word(s, |w, part| out.push((w.to_owned(), part)));
            let via_terms: Vec<String> = terms(s).into_iter().map(|t| t.text).collect();
            assert_eq!(
                via_terms,
                out.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>()
            );
            out
        };
        assert_eq!(
            indexed("D'Angelo"),
            [
                ("dangelo".into(), false),
                ("d".into(), true),
                ("angelo".into(), true)
            ]
        );
        assert_eq!(
            indexed("Sean O’Brien"),
            [
                ("sean".into(), false),
                ("obrien".into(), false),
                ("o".into(), true),
                ("brien".into(), true)
            ]
        );
        assert_eq!(indexed("Dell'Acqua")[2].0, "acqua");
        // The part keeps its own first letter: no umlaut merge across the apostrophe.
        assert_eq!(indexed("Da'Ecco")[2].0, "ecco");
        // A query keeps the word whole.
        let mut query = Vec::new();
        for_each_word("d'Alembert", |w| query.push(w.to_owned()));
        assert_eq!(query, ["dalembert"]);
        // Highlights of a part point at the part.
        let t = terms("O'Brien");
        assert_eq!(t[2].text, "brien");
        assert_eq!(t[2].span(), [2, 7]);
        // An apostrophe outside a word splits nothing.
        assert_eq!(
            indexed("'quoted' words"),
            [("quoted".into(), false), ("words".into(), false)]
        );
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let t = terms("Jürgen Müller");
        assert_eq!(t[1].text, "muller");
        assert_eq!(t[1].span(), [7, 13]);
        // "mul" covers "Mül"
        assert_eq!(t[1].span_of_prefix(3), [7, 10]);
        let t = terms("Mueller");
        // folded "mu" came from "Mue"
        assert_eq!(t[0].span_of_prefix(2), [0, 3]);
        let t = terms("Straße");
        // ß became "ss" and then "s": one folded char for one original char
        assert_eq!(t[0].text, "strase");
        assert_eq!(t[0].span_of_prefix(5), [0, 5]);
    }

    #[test]
    fn folding_is_idempotent_on_examples() {
        for s in ["Müller", "Strasse", "Baeumer", "Aeoeue", "ssss", "Ååse"] {
            let once = fold(s);
            assert_eq!(fold(&once), once, "{s}");
        }
    }
}
