//! A log of realistic as-you-type queries, generated from the contacts they should find.

use std::collections::{BTreeSet, HashMap};

use kontakt_api::{Contact, PhoneKind};
use kontakt_directory::demo::Generator;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a query is like, and how its success is judged.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
pub enum Class {
    Prefix1,
    Prefix2,
    Prefix3,
    Prefix4,
    FullName,
    TwoWords,
    Typo,
    Umlaut,
    Phonetic,
    /// A name with umlauts typed or pasted decomposed (u + U+0308, as macOS writes it).
    Decomposed,
    /// A name with an apostrophe (O'Brien) typed by its part, without the apostrophe, or
    /// with a space.
    Apostrophe,
    NumberAnyForm,
    NumberPrefix,
    Extension,
}

impl Class {
    pub const ALL: [Class; 14] = [
        Class::Prefix1,
        Class::Prefix2,
        Class::Prefix3,
        Class::Prefix4,
        Class::FullName,
        Class::TwoWords,
        Class::Typo,
        Class::Umlaut,
        Class::Phonetic,
        Class::Decomposed,
        Class::Apostrophe,
        Class::NumberAnyForm,
        Class::NumberPrefix,
        Class::Extension,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Class::Prefix1 => "1-letter prefix",
            Class::Prefix2 => "2-letter prefix",
            Class::Prefix3 => "3-letter prefix",
            Class::Prefix4 => "4-letter prefix",
            Class::FullName => "full name",
            Class::TwoWords => "two word prefixes",
            Class::Typo => "typo",
            Class::Umlaut => "umlaut spelling",
            Class::Phonetic => "sound-alike name",
            Class::Decomposed => "decomposed umlauts (NFD)",
            Class::Apostrophe => "name with apostrophe",
            Class::NumberAnyForm => "number, other written form",
            Class::NumberPrefix => "number prefix",
            Class::Extension => "extension (last digits)",
        }
    }

    /// Classes whose recall (intended contact in the top 5) is reported.
    pub fn has_recall(self) -> bool {
        matches!(
            self,
            Class::FullName
                | Class::Typo
                | Class::Umlaut
                | Class::Phonetic
                | Class::Decomposed
                | Class::Apostrophe
                | Class::NumberAnyForm
        )
    }

    /// Classes a plain full-text engine can answer by design. FTS5 is run on the others too,
    /// and its recall there shows why they need more than full text.
    pub fn is_word_query(self) -> bool {
        !matches!(
            self,
            Class::NumberAnyForm | Class::NumberPrefix | Class::Extension
        )
    }
}

/// What counts as finding the intended contact.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Intended {
    /// Latency only.
    Nothing,
    /// A contact with this display name: a name query cannot tell namesakes apart, so
    /// any of them is the right answer.
    Person { display_name: String },
    /// Exactly this contact.
    Id(String),
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Query {
    pub class: Class,
    pub text: String,
    pub intended: Intended,
}

impl Intended {
    pub fn is_met_by(&self, id: &str, name: &str) -> bool {
        match self {
            Intended::Nothing => true,
            Intended::Person { display_name } => without_title(name) == without_title(display_name),
            Intended::Id(wanted) => id == wanted,
        }
    }
}

/// "Dr. Anna Berg" and "Anna Berg" are the same name to someone typing "Anna Berg".
fn without_title(name: &str) -> &str {
    name.strip_prefix("Dr. ").unwrap_or(name)
}

/// Sound-alike spellings that appear in none of the generator's name lists, so a match can
/// never come from the exact word. A variant is used only if it has the same Kölner
/// Phonetik code as the name (that is what "sounds alike" means here) and is closer to it
/// than to every other name with that code — otherwise the query names two people equally
/// and no engine can know which one was meant (checked in [`make`]).
const SOUND_ALIKES: &[(&str, &[&str])] = &[
    ("Meier", &["Meir", "Meijer", "Meiher"]),
    ("Mayer", &["Majer", "Mayher", "Mayerr"]),
    ("Maier", &["Maijer", "Mair", "Maiher"]),
    ("Meyer", &["Meyher", "Meijher", "Meyerr"]),
    ("Schmidt", &["Schmiedt", "Schmid", "Schmiddt"]),
    ("Schmitt", &["Schmiet", "Schmitd", "Schmit", "Schmittt"]),
    ("Hoffmann", &["Hofman", "Hoffman"]),
    ("Hofmann", &["Hofman", "Hoffman"]),
    ("Fischer", &["Vischer", "Fisher"]),
    ("Müller", &["Mühler", "Mueler"]),
    ("Schneider", &["Schnaider", "Schneyder"]),
    ("Wagner", &["Waagner", "Wahgner"]),
    ("Becker", &["Bäcker", "Becher"]),
    ("Schulz", &["Schultz", "Schuls"]),
    ("Krüger", &["Krieger", "Krüeger"]),
    ("Keller", &["Kehler", "Käller"]),
    ("Bauer", &["Baur", "Bauher"]),
    ("Weber", &["Webber", "Wäber"]),
    ("Wolf", &["Wolff", "Wulf"]),
    ("Fuchs", &["Fux", "Fuks"]),
];

fn phonetic_code(w: &str) -> Option<String> {
    kontakt_directory::phonetic::code(&kontakt_directory::text::fold(w))
}

fn sounds_like(a: &str, b: &str) -> bool {
    phonetic_code(a).is_some() && phonetic_code(a) == phonetic_code(b)
}

/// `variant` is strictly closer to `name` than to any other name the generator uses that
/// sounds the same.
fn closest_to(variant: &str, name: &str) -> bool {
    let fold = kontakt_directory::text::fold;
    let d = |a: &str| strsim::osa_distance(&fold(variant), &fold(a));
    let own = d(name);
    SOUND_ALIKES
        .iter()
        .map(|(other, _)| *other)
        .filter(|other| *other != name && sounds_like(other, name))
        .all(|other| d(other) > own)
}

/// Generates `per_class` queries of every class from contacts of the directory
/// `Generator::new(size, seed)`; the same arguments give the same log.
pub fn generate(size: usize, seed: u64, per_class: usize) -> Vec<Query> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    // Sample generously: not every contact suits every class.
    let wanted: BTreeSet<usize> = (0..per_class * 40)
        .map(|_| rng.random_range(0..size))
        .collect();
    let sample: Vec<Contact> = Generator::new(size, seed)
        .enumerate()
        .filter(|(i, _)| wanted.contains(i))
        .map(|(_, c)| c)
        .collect();
    let mut out = Vec::new();
    let mut counts: HashMap<Class, usize> = HashMap::new();
    let mut order: Vec<usize> = (0..sample.len()).collect();
    for class in Class::ALL {
        // A different pass over the sample for each class.
        for i in (0..order.len()).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        for &i in &order {
            if counts.get(&class).copied().unwrap_or(0) >= per_class {
                break;
            }
            if let Some(q) = make(class, &sample[i], &mut rng) {
                *counts.entry(class).or_default() += 1;
                out.push(q);
            }
        }
    }
    out
}

fn person(c: &Contact) -> Intended {
    Intended::Person {
        display_name: c.display_name.clone(),
    }
}

fn make(class: Class, c: &Contact, rng: &mut impl Rng) -> Option<Query> {
    let given = c.given_name.as_deref()?;
    let surname = c.surname.as_deref()?;
    let name_part = if rng.random_range(0..2) == 0 {
        given
    } else {
        surname
    };
    let prefix = |n: usize| -> Option<String> {
        let p: String = name_part.chars().take(n).collect();
        (p.chars().count() == n).then_some(p)
    };
    let (text, intended) = match class {
        Class::Prefix1 => (prefix(1)?, Intended::Nothing),
        Class::Prefix2 => (prefix(2)?, Intended::Nothing),
        Class::Prefix3 => (prefix(3)?, Intended::Nothing),
        Class::Prefix4 => (prefix(4)?, Intended::Nothing),
        Class::FullName => (format!("{given} {surname}"), person(c)),
        Class::TwoWords => {
            let g: String = given.chars().take(rng.random_range(2..=4)).collect();
            let s: String = surname.chars().take(rng.random_range(3..=5)).collect();
            (format!("{g} {s}"), Intended::Nothing)
        }
        Class::Typo => {
            let (word, other) = if surname.chars().count() >= 5 {
                (surname, given)
            } else {
                (given, surname)
            };
            let typo = with_typo(word, rng)?;
            let text = if word == surname {
                format!("{other} {typo}")
            } else {
                format!("{typo} {other}")
            };
            (text, person(c))
        }
        Class::Umlaut => {
            let (g, s) = (respell(given, rng), respell(surname, rng));
            if g == given && s == surname {
                return None;
            }
            (format!("{g} {s}"), person(c))
        }
        Class::Phonetic => {
            let variants: Vec<&str> = SOUND_ALIKES
                .iter()
                .find(|(name, _)| *name == surname)?
                .1
                .iter()
                .copied()
                .filter(|v| sounds_like(v, surname) && closest_to(v, surname))
                .collect();
            if variants.is_empty() {
                return None;
            }
            let variant = variants[rng.random_range(0..variants.len())];
            (format!("{given} {variant}"), person(c))
        }
        Class::Decomposed => {
            use unicode_normalization::UnicodeNormalization;
            let name = format!("{given} {surname}");
            let decomposed: String = name.nfd().collect();
            if decomposed == name {
                return None;
            }
            (decomposed, person(c))
        }
        Class::Apostrophe => {
            let (before, after) = surname.split_once(['\'', '’'])?;
            let typed = match rng.random_range(0..3) {
                0 => after.to_owned(),
                1 => format!("{before}{after}"),
                _ => format!("{before} {after}"),
            };
            (format!("{given} {typed}"), person(c))
        }
        Class::NumberAnyForm => {
            let p = c.phones.iter().find(|p| p.kind == PhoneKind::Business)?;
            let e164 = p.e164.clone().or_else(|| normalise(&p.raw))?;
            let text = rewrite_number(&e164, rng);
            if text == p.raw {
                return None;
            }
            (text, Intended::Id(c.id.clone()))
        }
        Class::NumberPrefix => {
            let e164 = normalise(&c.phones.first()?.raw)?;
            let n = rng.random_range(5..=8).min(e164.len() - 1);
            (group_digits(&e164[..n + 1]), Intended::Nothing)
        }
        Class::Extension => {
            let e164 = normalise(&c.phones.first()?.raw)?;
            let n = rng.random_range(3..=4);
            (e164[e164.len() - n..].to_owned(), Intended::Nothing)
        }
    };
    Some(Query {
        class,
        text,
        intended,
    })
}

fn normalise(raw: &str) -> Option<String> {
    thread_local! {
        static N: kontakt_directory::phone::PhoneNormalizer =
            kontakt_directory::phone::PhoneNormalizer::new(&kontakt_directory::demo::dialing()).unwrap();
    }
    N.with(|n| n.normalize(raw))
}

/// One slip inside a word: a letter dropped, doubled, swapped with its neighbour or
/// replaced — never the first letter of a word (of either half of a double name).
fn with_typo(word: &str, rng: &mut impl Rng) -> Option<String> {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 5 {
        return None;
    }
    let inside = |i: usize| i > 0 && chars[i].is_alphabetic() && chars[i - 1].is_alphabetic();
    let candidates: Vec<usize> = (1..chars.len() - 1)
        .filter(|&i| inside(i) && chars[i + 1].is_alphabetic())
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let i = candidates[rng.random_range(0..candidates.len())];
    match rng.random_range(0..4) {
        0 => {
            chars.remove(i);
        }
        1 => chars.insert(i, chars[i]),
        2 => chars.swap(i, i + 1),
        _ => {
            let pool = ['a', 'e', 'i', 'o', 'r', 'n', 's', 't'];
            let replacement = pool[rng.random_range(0..pool.len())];
            if chars[i].to_lowercase().eq(replacement.to_lowercase()) {
                return None;
            }
            chars[i] = replacement;
        }
    }
    Some(chars.into_iter().collect())
}

/// The spellings of German names without umlauts: `ü` → `ue` or `u`, `ß` → `ss`.
fn respell(word: &str, rng: &mut impl Rng) -> String {
    let mut out = String::new();
    for ch in word.chars() {
        let long = rng.random_range(0..3) > 0;
        match (ch, long) {
            ('ä', true) => out.push_str("ae"),
            ('ö', true) => out.push_str("oe"),
            ('ü', true) => out.push_str("ue"),
            ('ä', false) => out.push('a'),
            ('ö', false) => out.push('o'),
            ('ü', false) => out.push('u'),
            ('Ä', _) => out.push_str("Ae"),
            ('Ö', _) => out.push_str("Oe"),
            ('Ü', _) => out.push_str("Ue"),
            ('ß', _) => out.push_str("ss"),
            (ch, _) => out.push(ch),
        }
    }
    out
}

/// The same number as people write it elsewhere.
fn rewrite_number(e164: &str, rng: &mut impl Rng) -> String {
    let digits = &e164[1..];
    match (digits.strip_prefix("49"), rng.random_range(0..5)) {
        (Some(national), 0) => format!("0{}/{}", &national[..2], &national[2..]),
        (Some(national), 1) => format!("+49 (0){} {}", &national[..2], &national[2..]),
        (Some(national), 2) => format!("0{}", group_digits(national).replace('+', "")),
        (_, 3) => format!("00{}", digits),
        _ => group_digits(e164),
    }
}

fn group_digits(s: &str) -> String {
    let (sign, digits) = s.strip_prefix('+').map_or(("", s), |d| ("+", d));
    let mut out = String::from(sign);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && i % 3 == 2 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_variant_sounds_alike() {
        for (name, variants) in SOUND_ALIKES {
            for v in *variants {
                assert!(sounds_like(name, v), "{name} / {v}");
            }
            assert!(
                variants.iter().any(|v| closest_to(v, name)),
                "{name} has an unambiguous variant"
            );
        }
    }

    #[test]
    fn the_log_is_deterministic_and_covers_every_class() {
        let a = generate(5_000, 1, 20);
        let b = generate(5_000, 1, 20);
        assert_eq!(
            a.iter().map(|q| &q.text).collect::<Vec<_>>(),
            b.iter().map(|q| &q.text).collect::<Vec<_>>()
        );
        for class in Class::ALL {
            assert!(
                a.iter().filter(|q| q.class == class).count() >= 10,
                "{class:?}"
            );
        }
    }
}
