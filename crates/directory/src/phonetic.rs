//! Sound-alike names: Kölner Phonetik (Cologne phonetics), the German counterpart of
//! Soundex, as implemented by Apache commons-codec (through `rphonetic`).
//!
//! `Meier`, `Mayer`, `Maier` and `Meyer` all have the code `67`; `Schmidt` and `Schmitt`
//! both `862`.

use rphonetic::{Cologne, Encoder};

/// Shortest word that gets a code: one- and two-letter words sound like too much.
const MIN_LETTERS: usize = 3;
/// Codes need this many consonant digits: "Anna" (`06`) and "John" (`06`) share a code,
/// but that says nothing.
const MIN_CONSONANTS: usize = 2;

/// The code of a folded word, or `None` for words that are too short, not all letters, or
/// whose code is too vague to be useful.
pub fn code(word: &str) -> Option<String> {
    if word.len() < MIN_LETTERS || !word.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let code = Cologne.encode(word);
    (code.bytes().filter(|&b| b != b'0').count() >= MIN_CONSONANTS).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn c(word: &str) -> Option<String> {
        code(&fold(word))
    }

    #[test]
    fn german_sound_alikes_share_a_code() {
        for group in [
            &["Meier", "Mayer", "Maier", "Meyer", "Mayr"][..],
            &["Schmidt", "Schmitt", "Schmid", "Schmied"],
            &["Müller", "Mueller", "Möller", "Miller"],
            &["Fischer", "Vischer"],
            &["Hoffmann", "Hofmann"],
            &["Krüger", "Krueger", "Kröger"],
        ] {
            let first = c(group[0]).unwrap();
            for name in group {
                assert_eq!(
                    c(name).as_deref(),
                    Some(first.as_str()),
                    "{name} vs {}",
                    group[0]
                );
            }
        }
    }

    #[test]
    fn different_names_differ() {
        assert_ne!(c("Meier"), c("Müller"));
        assert_ne!(c("Schmidt"), c("Schneider"));
    }

    #[test]
    fn short_or_non_letter_words_have_no_code() {
        assert_eq!(code("ab"), None);
        assert_eq!(code("anna"), None);
        assert_eq!(code("john"), None);
        assert_eq!(code("a4b"), None);
        assert_eq!(code(""), None);
    }
}
