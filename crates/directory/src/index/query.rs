//! What the user typed → what to look for.

use super::eval::MAX_WORDS;
use super::numbers::NumberPattern;
use crate::phone::{PhoneNormalizer, digits_of};
use crate::text::{for_each_word, unmerged_words};

/// One typed word: folded, and as typed (transliterated, German spellings not merged).
#[derive(Debug, PartialEq, Eq)]
pub struct QueryWord {
    pub folded: String,
    pub typed: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Words that must all match, and `-word` exclusions (each may fold to several words,
    /// all of which must match for the exclusion to apply).
    Words {
        words: Vec<QueryWord>,
        excluded: Vec<Vec<String>>,
    },
    Number(NumberPattern),
    Empty,
}

/// Characters a typed phone number may contain besides digits.
fn is_number_punctuation(c: char) -> bool {
    matches!(c, '+' | '(' | ')' | '/' | '-' | '.' | ' ')
}

/// A query is a number when it has at least three digits, nothing but digits and number
/// punctuation, and the digits are the majority.
pub fn is_number_query(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let others = text
        .chars()
        .filter(|c| !c.is_ascii_digit() && !c.is_whitespace())
        .count();
    digits >= 3
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || is_number_punctuation(c) || c.is_whitespace())
        && digits >= others
}

pub fn parse(text: &str, normalizer: &PhoneNormalizer) -> Parsed {
    let text = text.trim();
    if is_number_query(text) {
        return Parsed::Number(number_pattern(text, normalizer));
    }
    let mut words = Vec::new();
    let mut excluded = Vec::new();
    for token in text.split_whitespace() {
        match token.strip_prefix('-').filter(|rest| !rest.is_empty()) {
            Some(rest) => {
                let mut parts = Vec::new();
                for_each_word(rest, |w| parts.push(w.to_owned()));
                if !parts.is_empty() {
                    excluded.push(parts);
                }
            }
            None => {
                let mut folded = Vec::new();
                for_each_word(token, |w| folded.push(w.to_owned()));
                let typed = unmerged_words(token);
                words.extend(
                    folded
                        .into_iter()
                        .zip(typed)
                        .map(|(folded, typed)| QueryWord { folded, typed }),
                );
            }
        }
    }
    words.truncate(MAX_WORDS);
    if words.is_empty() {
        Parsed::Empty
    } else {
        Parsed::Words { words, excluded }
    }
}

/// Longer digit strings are numbers, not the end of one.
const MAX_SUFFIX_DIGITS: usize = 8;

/// Every way the typed digits can name numbers in E.164.
pub fn number_pattern(text: &str, normalizer: &PhoneNormalizer) -> NumberPattern {
    let mut pattern = NumberPattern::default();
    let prefix = |p: String, pattern: &mut NumberPattern| {
        if !p.is_empty() && !pattern.prefixes.contains(&p) {
            pattern.prefixes.push(p);
        }
    };
    // A complete number, in whatever form: it and every extension under it.
    if let Some(e164) = normalizer.normalize(text) {
        pattern.exact.push(e164[1..].to_owned());
        prefix(e164[1..].to_owned(), &mut pattern);
    }
    // The beginning of a number: international, national, or local to the tenant's area.
    let cleaned = text.replace("(0)", "");
    let digits = digits_of(&cleaned);
    let cc = normalizer.country_code().to_string();
    let trunk = normalizer.trunk_prefix();
    if cleaned.trim_start().starts_with('+') {
        prefix(digits, &mut pattern);
        return pattern;
    }
    if let Some(rest) = digits.strip_prefix("00") {
        prefix(rest.to_owned(), &mut pattern);
        return pattern;
    }
    match digits.strip_prefix(trunk).filter(|_| !trunk.is_empty()) {
        Some(rest) => prefix(format!("{cc}{rest}"), &mut pattern),
        None => {
            if let Some(area) = normalizer.area_code() {
                prefix(format!("{cc}{area}{digits}"), &mut pattern);
            }
        }
    }
    // The last digits of a number: an extension (which may well start with a 0).
    if digits.len() <= MAX_SUFFIX_DIGITS {
        pattern.suffix = Some(digits);
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::munich;

    #[test]
    fn words_exclusions_and_numbers() {
        let n = munich();
        let word = |folded: &str, typed: &str| QueryWord {
            folded: folded.into(),
            typed: typed.into(),
        };
        assert_eq!(
            parse("Müller -Vertrieb  Huaer", &n),
            Parsed::Words {
                words: vec![word("muller", "muller"), word("huar", "huaer")],
                excluded: vec![vec!["vertrieb".into()]]
            }
        );
        assert_eq!(parse("   ", &n), Parsed::Empty);
        assert_eq!(parse("-only", &n), Parsed::Empty);
        assert!(matches!(parse("+49 (0)89 123", &n), Parsed::Number(_)));
        assert!(matches!(parse("A4 Druck", &n), Parsed::Words { .. }));
        assert!(matches!(parse("12", &n), Parsed::Words { .. }));
    }

    #[test]
    fn number_patterns_cover_every_reading() {
        let n = munich();
        let p = number_pattern("+49 (0)89 123456-78", &n);
        assert_eq!(p.exact, ["498912345678"]);
        assert!(p.prefixes.contains(&"498912345678".to_owned()));
        let p = number_pattern("089/1234", &n);
        assert!(p.prefixes.contains(&"49891234".to_owned()));
        let p = number_pattern("089 1234 5678", &n);
        assert_eq!(p.suffix, None, "too long to be an extension");
        let p = number_pattern("+49 89 1234", &n);
        assert_eq!(p.suffix, None, "international: only a prefix");
        let p = number_pattern("0049 89", &n);
        assert!(p.prefixes.contains(&"4989".to_owned()));
        let p = number_pattern("4520", &n);
        assert!(p.prefixes.contains(&"49894520".to_owned()));
        assert_eq!(p.suffix.as_deref(), Some("4520"));
    }
}
