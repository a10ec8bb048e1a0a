//! Folding and word splitting shared by indexing and querying.
//!
//! Both sides must see the same words, so there is exactly one function that turns text into
//! searchable terms. Folding maps every spelling of a German name to one form:
//! `Müller`, `Mueller` and `Muller` all become `muller`; `Straße` and `Strasse` become
//! `strase`. Each term remembers where it came from in the original text (in Unicode scalar
//! values), so a match can be highlighted in the text the user sees.

/// One searchable word of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The folded form: lowercase ASCII letters and digits.
    pub text: String,
    /// Char offset of the word's first character in the original text.
    pub start: u32,
    /// For every folded character, the char offset just past the original characters it
    /// came from; `ends[k - 1]` is where a match of the first `k` folded characters ends.
    pub ends: Vec<u32>,
}

impl Term {
    /// Original char range `[start, end)` covered by the first `len` folded characters.
    pub fn span_of_prefix(&self, len: usize) -> [u32; 2] {
        let len = len.clamp(1, self.ends.len());
        [self.start, self.ends[len - 1]]
    }

    /// Original char range of the whole word.
    pub fn span(&self) -> [u32; 2] {
        self.span_of_prefix(self.ends.len())
    }
}

/// Characters that belong to a word without separating it (`O'Brien` is one word).
fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '`' | '´')
}

/// Splits `text` into folded words. Anything that is not a letter or digit after
/// transliteration separates words, except apostrophes, which are dropped.
pub fn terms(text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut raw: Vec<(u8, u32)> = Vec::new(); // ASCII char, original end offset
    let mut word_start = 0u32;
    for (pos, c) in text.chars().enumerate() {
        let pos = pos as u32;
        if is_joiner(c) {
            continue;
        }
        let mut any = false;
        for b in ascii_of(c).bytes() {
            if b.is_ascii_alphanumeric() {
                if raw.is_empty() {
                    word_start = pos;
                }
                raw.push((b.to_ascii_lowercase(), pos + 1));
                any = true;
            }
        }
        if !any && !raw.is_empty() {
            out.push(collapse(&raw, word_start));
            raw.clear();
        }
    }
    if !raw.is_empty() {
        out.push(collapse(&raw, word_start));
    }
    out
}

/// The folded form of a single word or query fragment (all of its words run together).
pub fn fold(text: &str) -> String {
    terms(text).into_iter().map(|t| t.text).collect()
}

fn ascii_of(c: char) -> &'static str {
    if c.is_ascii() {
        // Static single-byte strings without allocating.
        const ASCII: &str = "\0\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{e}\u{f}\u{10}\u{11}\u{12}\u{13}\u{14}\u{15}\u{16}\u{17}\u{18}\u{19}\u{1a}\u{1b}\u{1c}\u{1d}\u{1e}\u{1f} !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\u{7f}";
        let i = c as usize;
        return &ASCII[i..i + 1];
    }
    deunicode::deunicode_char(c).unwrap_or("")
}

/// German spellings without umlauts write `ae`, `oe`, `ue` and `ss`; folding both spellings
/// to the single vowel or `s` makes `Mueller`, `Müller` and `Muller` one word.
fn collapse(raw: &[(u8, u32)], start: u32) -> Term {
    let mut text = String::with_capacity(raw.len());
    let mut ends: Vec<u32> = Vec::with_capacity(raw.len());
    for &(b, end) in raw {
        // Merging against what was already written (not against the input) leaves no pair
        // behind, so folding folded text changes nothing.
        let merges = matches!(
            (text.as_bytes().last(), b),
            (Some(b'a' | b'o' | b'u'), b'e') | (Some(b's'), b's')
        );
        if merges {
            *ends.last_mut().expect("text and ends grow together") = end;
        } else {
            text.push(b as char);
            ends.push(end);
        }
    }
    Term { text, start, ends }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        terms(s).into_iter().map(|t| t.text).collect()
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
    }

    #[test]
    fn separators_split_and_apostrophes_join() {
        assert_eq!(
            words("Müller-Lüdenscheidt, Dr."),
            ["muller", "ludenscheidt", "dr"]
        );
        assert_eq!(words("O'Brien"), ["obrien"]);
        assert_eq!(
            words("anna.berg+x@example.com"),
            ["anna", "berg", "x", "example", "com"]
        );
        assert_eq!(words("  "), Vec::<String>::new());
        assert_eq!(words("A4 Büro"), ["a4", "buro"]);
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
