//! Phone numbers in any written form → E.164, with the tenant's dialling parameters.
//!
//! Sources write numbers the way people type them: `+49 (0)89 123456-78`, `089/12345678`,
//! `0049 89 1234`, `123456-78` (no area code) or just `-78` (an extension of the company's
//! own number). libphonenumber (the `phonenumber` crate) understands the national and
//! international forms; the short forms need the tenant's context, which lives here.

use phonenumber::country::Id as CountryId;
use serde::{Deserialize, Serialize};

/// How numbers are dialled where the tenant's people sit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialingParams {
    /// ISO 3166-1 alpha-2 code of the country numbers without a country code belong to.
    pub country: String,
    /// Area code without the trunk prefix (`89` for Munich), for numbers written without one.
    #[serde(default)]
    pub area_code: Option<String>,
    /// The company number that extensions (`-78`, `78`) are appended to, in any written form,
    /// without the switchboard's own extension (`+49 89 452000`, not `+49 89 452000-0`).
    #[serde(default)]
    pub main_number: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DialingError {
    #[error("unknown country code {0:?}: use an ISO 3166-1 alpha-2 code such as \"DE\"")]
    UnknownCountry(String),
    #[error("area code {0:?} must be digits only, without the leading 0")]
    BadAreaCode(String),
    #[error("main number {0:?} is not a phone number in international or national form")]
    BadMainNumber(String),
}

/// A number split by how it must be completed.
#[derive(Clone, Debug)]
pub struct PhoneNormalizer {
    country: CountryId,
    country_code: u16,
    trunk_prefix: String,
    area_code: Option<String>,
    /// E.164 of the main number, with the `+`.
    main: Option<String>,
    /// How numbers are grouped, learnt from libphonenumber once per kind of number.
    layouts: std::sync::Arc<Layouts>,
}

/// Formatting with libphonenumber takes microseconds (its rules are regular expressions);
/// a search answers 25 contacts with two or three numbers each. Numbers of one country with
/// the same leading digits and length are grouped the same way, so each such kind is
/// formatted once and its layout — literal characters and digit slots — reused.
#[derive(Debug, Default)]
struct Layouts(std::sync::RwLock<LayoutMap>);

/// Country code, the national number's first digits, and the E.164 length.
type LayoutKey = (u16, u64, u8);

/// Leading digits that, with the length, decide a layout: German area codes have two to
/// five digits, and libphonenumber's patterns tell them apart by at most six.
const LAYOUT_DIGITS: usize = 6;
/// Kinds of number remembered at most: a million contacts have some tens of thousands
/// (a few MB); beyond, numbers of new kinds are formatted by libphonenumber each time.
const MAX_LAYOUTS: usize = 200_000;

#[derive(Clone, Debug)]
struct Layout {
    /// The formatted number with [`SLOT`] for each digit of the national number.
    pieces: Box<str>,
    /// How many digits libphonenumber took as the number; the rest follow after a `-`.
    national_len: u8,
}

/// Where a layout takes the next digit.
const SLOT: char = '#';

type LayoutMap = std::collections::HashMap<LayoutKey, Option<Layout>, rustc_hash::FxBuildHasher>;

/// Presents numbers with the layouts learnt so far ([`PhoneNormalizer::presenter`]).
pub struct Presenter<'a> {
    normalizer: &'a PhoneNormalizer,
    layouts: std::sync::RwLockReadGuard<'a, LayoutMap>,
}

impl Presenter<'_> {
    /// [`PhoneNormalizer::present`].
    pub fn present(&self, e164: &str) -> (Option<String>, Option<String>) {
        let n = self.normalizer;
        if let Some(main) = &n.main
            && let Some(ext) = e164.strip_prefix(main.as_str())
            && (1..=MAX_EXTENSION_DIGITS).contains(&ext.len())
        {
            let whole = self.format(main).map(|main| format!("{main}-{ext}"));
            return (Some(ext.to_owned()), whole);
        }
        (self.format(e164), None)
    }

    /// `contact` as answers carry it: each number also as people read it here.
    pub fn contact(&self, mut contact: kontakt_api::Contact) -> kontakt_api::Contact {
        for p in &mut contact.phones {
            if let Some(e164) = &p.e164 {
                (p.display, p.extension_of) = self.present(e164);
            }
        }
        contact
    }

    /// Looks up the layouts of `numbers` (a page of hits') before they are presented one by
    /// one: a layout is learnt per country, leading digits and length, so the table is
    /// megabytes and each lookup a cache miss; asked for side by side, the CPU fetches them
    /// together (as [`crate::store::ContactStore::warm`] does for the contacts).
    pub fn warm<'n>(&self, numbers: impl Iterator<Item = &'n str>) {
        let mut sum = 0u8;
        for e164 in numbers {
            if let Some(key) = layout_key(e164)
                && let Some(Some(layout)) = self.layouts.get(&key)
            {
                sum ^= layout
                    .pieces
                    .as_bytes()
                    .first()
                    .copied()
                    .unwrap_or_default();
            }
        }
        std::hint::black_box(sum);
    }

    /// `e164` grouped from its learnt layout, else by libphonenumber (not learnt here: a
    /// directory learns every number it holds while it is built).
    fn format(&self, e164: &str) -> Option<String> {
        let key = layout_key(e164)?;
        self.format_known(e164, key)
            .unwrap_or_else(|| self.normalizer.format_slowly(e164))
    }

    /// `None` when no number of `e164`'s kind was seen yet.
    fn format_known(&self, e164: &str, key: LayoutKey) -> Option<Option<String>> {
        let known = self.layouts.get(&key)?;
        Some(
            known
                .as_ref()
                .map(|l| l.fill(national_of(e164, key)))
                .or_else(|| self.normalizer.format_slowly(e164)),
        )
    }
}

/// The national digits of `e164`, whose layout key is `key`.
fn national_of(e164: &str, key: LayoutKey) -> &str {
    &e164[1 + key.0.ilog10() as usize + 1..]
}

/// Shortest and longest extension written without the company number.
const MAX_EXTENSION_DIGITS: usize = 5;
/// E.164 allows at most 15 digits after the `+`.
const MAX_E164_DIGITS: usize = 15;
const MIN_E164_DIGITS: usize = 7;

impl PhoneNormalizer {
    pub fn new(params: &DialingParams) -> Result<Self, DialingError> {
        let code = params.country.trim().to_ascii_uppercase();
        let country: CountryId = code
            .parse()
            .map_err(|_| DialingError::UnknownCountry(params.country.clone()))?;
        let meta = phonenumber::metadata::DATABASE
            .by_id(country.as_ref())
            .ok_or_else(|| DialingError::UnknownCountry(params.country.clone()))?;
        let trunk_prefix = meta.national_prefix().unwrap_or_default().to_owned();
        let country_code = meta.country_code();
        let area_code = match params.area_code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(a) if a.bytes().all(|b| b.is_ascii_digit()) && !a.starts_with('0') => {
                Some(a.to_owned())
            }
            Some(a) => return Err(DialingError::BadAreaCode(a.to_owned())),
        };
        let mut normalizer = PhoneNormalizer {
            country,
            country_code,
            trunk_prefix,
            area_code,
            main: None,
            layouts: std::sync::Arc::default(),
        };
        if let Some(main) = params.main_number.as_deref().map(str::trim)
            && !main.is_empty()
        {
            // "+49 89 4711-0" is how German companies write their switchboard: the number
            // extensions hang off is the part before "-0" (extension 250 is 4711-250).
            let base = switchboard_base(main).unwrap_or(main);
            let e164 = normalizer
                .parse_full(base)
                .ok_or_else(|| DialingError::BadMainNumber(main.to_owned()))?;
            // Shown beside every extension: learnt now, as the numbers of contacts are
            // learnt while a directory is built.
            normalizer.learn(&e164);
            normalizer.main = Some(e164);
        }
        Ok(normalizer)
    }

    /// The E.164 form of `raw`, or `None` when it is not a number this tenant can dial.
    pub fn normalize(&self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        if let Some(ext) = bare_extension(raw) {
            let main = self.main.as_ref()?;
            return within_e164(format!("{main}{ext}"));
        }
        self.parse_full(raw)
    }

    fn parse_full(&self, raw: &str) -> Option<String> {
        let first_digit = raw.chars().find(|c| c.is_ascii_digit() || *c == '+')?;
        let international = first_digit == '+' || digits_of(raw).starts_with("00");
        let national =
            !self.trunk_prefix.is_empty() && digits_of(raw).starts_with(&self.trunk_prefix);
        let (number, e164) = if international {
            // Parsed with the tenant's country as the default, libphonenumber is fast (+44
            // and +1, shared by several regions, take 5× longer without one) but drops a
            // leading zero that belongs to the number (`+39 06…`, Italy): when digits went
            // missing, the number is parsed again as naming its own country only.
            let text = format!("+{}", after_international_prefix(raw));
            let number = phonenumber::parse(Some(self.country), &text).ok()?;
            let e164 = e164_of(&number);
            if as_written(raw, &e164) {
                (number, e164)
            } else {
                let number = phonenumber::parse(None, &text).ok()?;
                let e164 = e164_of(&number);
                (number, e164)
            }
        } else {
            let text = match &self.area_code {
                // A local number: written without trunk prefix and area code.
                Some(area) if !national => format!("{}{area} {raw}", self.trunk_prefix),
                _ => raw.to_owned(),
            };
            let number = phonenumber::parse(Some(self.country), &text).ok()?;
            let e164 = e164_of(&number);
            (number, e164)
        };
        // What libphonenumber rewrote (the `0` of `+86 011000` taken for a trunk prefix) or
        // appended an extension to (`+86 11#000` → a number it would not accept) must read
        // back as itself, or the index would hold a number no search finds. Few numbers
        // need the second parse.
        let rewritten = number.extension().is_some()
            || if international {
                !as_written(raw, &e164)
            } else {
                number.national().zeros() > 0
            };
        if rewritten
            && phonenumber::parse(None, &e164)
                .ok()
                .map(|again| again.format().mode(phonenumber::Mode::E164).to_string())
                .as_deref()
                != Some(e164.as_str())
        {
            return None;
        }
        within_e164(e164)
    }

    /// How `e164` reads where the tenant is: (display, whole number for an extension).
    /// An extension of the main number is shown alone (`592`) with the whole number in
    /// national form beside it; a number of the tenant's country in national form; any
    /// other in international form. Grouped by libphonenumber's rules for the number's
    /// country; digits it cannot group (a PBX extension appended) follow after a `-`.
    pub fn present(&self, e164: &str) -> (Option<String>, Option<String>) {
        self.presenter().present(e164)
    }

    /// [`Self::present`] for many numbers (an answer's) under one look at the learnt
    /// layouts: taken per number, the lock's count was a cache line every thread
    /// answering wrote to, 50 times an answer.
    pub fn presenter(&self) -> Presenter<'_> {
        Presenter {
            normalizer: self,
            layouts: self.layouts.0.read().expect("poisoned"),
        }
    }

    /// Learns how `e164` is grouped, unless a number of its kind was seen: while the
    /// directory is built, so that answers find every layout learnt.
    pub fn learn(&self, e164: &str) {
        if let Some(key) = layout_key(e164)
            && !self.layouts.0.read().expect("poisoned").contains_key(&key)
        {
            let _ = self.format(e164);
        }
    }

    /// `e164` grouped for reading here: from a learnt layout, else formatted by
    /// libphonenumber (and its layout learnt).
    fn format(&self, e164: &str) -> Option<String> {
        let key = layout_key(e164)?;
        if let Some(known) = self.presenter().format_known(e164, key) {
            return known;
        }
        let national = national_of(e164, key);
        let formatted = self.format_slowly(e164)?;
        let layout = Layout::learn(&formatted, national);
        let mut layouts = self.layouts.0.write().expect("poisoned");
        if layouts.len() < MAX_LAYOUTS {
            layouts.insert(key, layout);
        }
        Some(formatted)
    }

    fn format_slowly(&self, e164: &str) -> Option<String> {
        let number = phonenumber::parse(None, e164).ok()?;
        let same_country = number.code().value() == self.country_code;
        let mode = if same_country {
            phonenumber::Mode::National
        } else {
            phonenumber::Mode::International
        };
        let formatted = number.format().mode(mode).to_string();
        // What libphonenumber took as the number, digit by digit; the rest of E.164 (a
        // PBX extension) is appended as people write it.
        let national = number.national().value().to_string();
        let whole = &e164[1 + number.code().value().to_string().len()..];
        let rest = whole.strip_prefix(national.as_str()).unwrap_or("");
        Some(if rest.is_empty() {
            formatted
        } else {
            format!("{formatted}-{rest}")
        })
    }

    pub fn main_number(&self) -> Option<&str> {
        self.main.as_deref()
    }

    /// Country calling code of the tenant's country (49 for Germany).
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// What national numbers start with (`0` in DE, AT, CH, UK; empty where there is none).
    pub fn trunk_prefix(&self) -> &str {
        &self.trunk_prefix
    }

    pub fn area_code(&self) -> Option<&str> {
        self.area_code.as_deref()
    }
}

/// Country code, leading national digits and length of `e164`.
fn layout_key(e164: &str) -> Option<LayoutKey> {
    // Asking libphonenumber's database allocates; this runs for every number shown.
    static COUNTRY_CODES: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    let known = COUNTRY_CODES.get_or_init(|| {
        (0..1000u16)
            .map(|c| phonenumber::metadata::DATABASE.by_code(&c).is_some())
            .collect()
    });
    let digits = e164.strip_prefix('+')?;
    let code_len = (1..=3).find(|&n| {
        digits.len() > n
            && digits[..n]
                .parse::<u16>()
                .is_ok_and(|c| known[usize::from(c)])
    })?;
    let code: u16 = digits[..code_len].parse().ok()?;
    let national = &digits[code_len..];
    let lead = &national[..national.len().min(LAYOUT_DIGITS)];
    Some((code, lead.parse().ok()?, digits.len() as u8))
}

impl Layout {
    /// The layout of `formatted`, the form of a number whose national digits are
    /// `national`: the digits it shows before them (a trunk `0`, a country code) stay
    /// literal. `None` when the digits do not line up (then every such number is formatted
    /// by libphonenumber).
    fn learn(formatted: &str, national: &str) -> Option<Layout> {
        let shown: Vec<char> = formatted.chars().filter(char::is_ascii_digit).collect();
        // The digits libphonenumber took are at the end of what it shows, before `-rest`.
        let (main_part, rest) = match formatted.rsplit_once('-') {
            Some((main, rest))
                if rest.bytes().all(|b| b.is_ascii_digit()) && national.ends_with(rest) =>
            {
                (main, rest)
            }
            _ => (formatted, ""),
        };
        let national_len = national.len() - rest.len();
        let main_digits = main_part.chars().filter(char::is_ascii_digit).count();
        let literal_digits = main_digits.checked_sub(national_len)?;
        let took: String = shown[literal_digits..main_digits].iter().collect();
        if took != national[..national_len] {
            return None;
        }
        if main_part.contains(SLOT) {
            return None;
        }
        let mut seen = 0;
        let pieces = main_part
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    seen += 1;
                    if seen > literal_digits {
                        return SLOT;
                    }
                }
                c
            })
            .collect::<String>()
            .into_boxed_str();
        Some(Layout {
            pieces,
            national_len: u8::try_from(national_len).ok()?,
        })
    }

    fn fill(&self, national: &str) -> String {
        let national_len = usize::from(self.national_len).min(national.len());
        let mut digits = national[..national_len].bytes();
        let rest = &national[national_len..];
        // Byte by byte: a slot is ASCII and so are the digits put in it; every other byte,
        // of whatever character, is copied as it was.
        let mut out = Vec::with_capacity(self.pieces.len() + 1 + rest.len());
        for &b in self.pieces.as_bytes() {
            if b == SLOT as u8 {
                out.extend(digits.next());
            } else {
                out.push(b);
            }
        }
        if !rest.is_empty() {
            out.push(b'-');
            out.extend_from_slice(rest.as_bytes());
        }
        String::from_utf8(out).expect("characters copied whole, ASCII digits put in ASCII slots")
    }
}

fn within_e164(e164: String) -> Option<String> {
    let digits = e164.len() - 1;
    (e164.starts_with('+') && (MIN_E164_DIGITS..=MAX_E164_DIGITS).contains(&digits)).then_some(e164)
}

/// E.164, with a PBX extension (`ext 12`, `x12`) dialled directly after the number as in
/// the countries this product serves (DE, AT, CH, UK direct dial-in).
fn e164_of(number: &phonenumber::PhoneNumber) -> String {
    let mut e164 = number.format().mode(phonenumber::Mode::E164).to_string();
    if let Some(ext) = number.extension() {
        e164.push_str(ext.as_ref());
    }
    e164
}

/// Whether `e164` has the digits of `raw`, an international number, as written
/// (`+49 (0)89…`, the usual German way, drops its `(0)`).
fn as_written(raw: &str, e164: &str) -> bool {
    digits_of(&after_international_prefix(raw).replacen("(0)", "", 1)) == e164[1..]
}

/// What follows the `+` or `00` that starts an international number.
fn after_international_prefix(raw: &str) -> &str {
    let mut zeros = 0;
    for (at, c) in raw.char_indices() {
        match c {
            '+' => return &raw[at + 1..],
            '0' => {
                zeros += 1;
                if zeros == 2 {
                    return &raw[at + 1..];
                }
            }
            _ => {}
        }
    }
    raw
}

/// `-78`, `- 78` or `78`: an extension of the company's own number.
fn bare_extension(raw: &str) -> Option<String> {
    let rest = raw.strip_prefix('-').unwrap_or(raw).trim();
    let only_digits = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b' ');
    let digits = digits_of(rest);
    (only_digits && digits.len() <= MAX_EXTENSION_DIGITS && !digits.starts_with('0'))
        .then_some(digits)
}

/// The base of a switchboard number written with its operator extension, `4711-0` →
/// `4711`; `None` when `main` is not written that way.
fn switchboard_base(main: &str) -> Option<&str> {
    let base = main
        .strip_suffix('0')?
        .trim_end()
        .strip_suffix('-')?
        .trim_end();
    base.ends_with(|c: char| c.is_ascii_digit()).then_some(base)
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    /// Numbers read from learnt layouts read exactly as libphonenumber formats them.
    #[test]
    fn learnt_layouts_group_like_libphonenumber() {
        let n = munich();
        let numbers: Vec<String> = crate::demo::Generator::new(3000, 7)
            .flat_map(|c| c.phones)
            .filter_map(|p| n.normalize(&p.raw))
            .chain(
                [
                    "+41616049454",
                    "+442079460958",
                    "+4313101234",
                    "+494513251542",
                    "+4917239747850",
                    "+4989452000592",
                    "+498912345678",
                    "+12025550143",
                    "+33142685300",
                    "+4933056123456",
                    "+4933056123457",
                    "+493012345678",
                    "+493012345679",
                    "+4930123456",
                    "+4933012345",
                    "+493301234567",
                    "+4940123456789",
                    "+49221123456",
                    "+496912345",
                    "+4915112345678",
                    "+4917612345678",
                    "+43664123456",
                    "+436641234567",
                    "+41791234567",
                    "+447700900123",
                    "+441632960123",
                ]
                .map(String::from),
            )
            .collect();
        assert!(numbers.len() > 3000);
        for e164 in &numbers {
            let slow = n.format_slowly(e164);
            // Twice: learnt on the first, read from the layout on the second.
            assert_eq!(n.format(e164), slow, "{e164}");
            assert_eq!(n.format(e164), slow, "{e164} from its layout");
        }
        let learnt = n.layouts.0.read().unwrap().len();
        let unlearnt = n
            .layouts
            .0
            .read()
            .unwrap()
            .values()
            .filter(|l| l.is_none())
            .count();
        assert_eq!(unlearnt, 0, "every kind of number has a layout");
        assert!(
            learnt < numbers.len() / 3,
            "{learnt} layouts for {} numbers",
            numbers.len()
        );
    }
}

#[cfg(test)]
mod presenter_tests {
    use super::*;

    /// A presenter reads the layouts as they were when it was made: a number of a kind
    /// never learnt is formatted by libphonenumber all the same, and an extension shows
    /// the main number grouped from the layout learnt when the normalizer was made.
    #[test]
    fn numbers_of_unlearnt_kinds_are_presented_all_the_same() {
        let n = munich();
        let learnt = || n.layouts.0.read().unwrap().len();
        assert_eq!(learnt(), 1, "the main number's layout, learnt at the start");
        let presenter = n.presenter();
        presenter.warm(["+442079460958", "+498912345678"].into_iter());
        assert_eq!(
            presenter.present("+442079460958"),
            (Some("+44 20 7946 0958".into()), None)
        );
        assert_eq!(
            presenter.present("+4989452000592"),
            (Some("592".into()), Some("089 452000-592".into()))
        );
        drop(presenter);
        assert_eq!(learnt(), 1, "presenting learns nothing");
        n.learn("+442079460958");
        assert_eq!(learnt(), 2);
        assert_eq!(
            n.present("+442079460958"),
            (Some("+44 20 7946 0958".into()), None)
        );
    }
}

/// The dialling parameters every test uses: Munich, with a switchboard for extensions.
#[cfg(test)]
pub(crate) fn munich() -> PhoneNormalizer {
    PhoneNormalizer::new(&DialingParams {
        country: "DE".into(),
        area_code: Some("89".into()),
        main_number: Some("+49 89 452000".into()),
    })
    .unwrap()
}

/// All ASCII digits of `s`, in order.
pub fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_international_prefix_without_a_country_code_is_no_number() {
        let n = munich();
        assert_eq!(n.normalize("0000001"), None);
        assert_eq!(n.normalize("+0 89 123"), None);
        assert_eq!(n.normalize("+310000001"), None);
        assert_eq!(
            n.normalize("+39 06 1234 5678").as_deref(),
            Some("+390612345678")
        );
        assert_eq!(
            n.normalize("0039 06 1234 5678").as_deref(),
            Some("+390612345678")
        );
        assert_eq!(
            n.normalize("0049 89 1234567").as_deref(),
            Some("+49891234567")
        );
        assert_eq!(
            n.normalize("+49 (0)89 1234567").as_deref(),
            Some("+49891234567")
        );
    }

    #[test]
    fn every_written_form_of_one_number_is_the_same_e164() {
        let n = munich();
        for raw in [
            "+49 (0)89 123456-78",
            "089/12345678",
            "0049 89 12345678",
            "+49 89 1234 5678",
            "(089) 123 456 78",
            "089-123456-78",
            "123456-78",
            "12345678",
            "+4989 12345678",
        ] {
            assert_eq!(n.normalize(raw).as_deref(), Some("+498912345678"), "{raw}");
        }
    }

    #[test]
    fn extensions_hang_off_the_main_number() {
        let n = munich();
        assert_eq!(n.normalize("-78").as_deref(), Some("+498945200078"));
        assert_eq!(n.normalize("- 78").as_deref(), Some("+498945200078"));
        assert_eq!(n.normalize("1234").as_deref(), Some("+49894520001234"));
        assert_eq!(
            n.normalize("089 12345678 ext 12").as_deref(),
            Some("+49891234567812")
        );
    }

    /// Issue 19: the usual German way to write a switchboard, "+49 89 4711-0", made
    /// extension 250 into +498947110250.
    #[test]
    fn a_switchboard_written_with_its_operator_extension_is_the_base_of_extensions() {
        let n = PhoneNormalizer::new(&DialingParams {
            country: "DE".into(),
            area_code: Some("89".into()),
            main_number: Some("+49 89 4711-0".into()),
        })
        .unwrap();
        assert_eq!(n.normalize("-250").as_deref(), Some("+49894711250"));
        assert_eq!(n.normalize("089 4711-0").as_deref(), Some("+498947110"));
        assert_eq!(switchboard_base("+49 89 4711 - 0"), Some("+49 89 4711"));
        assert_eq!(switchboard_base("+49 89 452000"), None);
        assert_eq!(switchboard_base("-0"), None);
    }

    #[test]
    fn foreign_and_mobile_numbers() {
        let n = munich();
        assert_eq!(
            n.normalize("0171 1234567").as_deref(),
            Some("+491711234567")
        );
        assert_eq!(
            n.normalize("+43 1 53427-123").as_deref(),
            Some("+43153427123")
        );
        assert_eq!(
            n.normalize("0041 44 668 18 00").as_deref(),
            Some("+41446681800")
        );
        assert_eq!(
            n.normalize("+44 20 7946 0123").as_deref(),
            Some("+442079460123")
        );
    }

    #[test]
    fn garbage_is_not_a_number() {
        let n = munich();
        for raw in ["", "n/a", "-", "call reception", "0", "+"] {
            assert_eq!(n.normalize(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn without_a_main_number_extensions_stay_unknown() {
        let n = PhoneNormalizer::new(&DialingParams {
            country: "at".into(),
            area_code: None,
            main_number: None,
        })
        .unwrap();
        assert_eq!(n.normalize("-78"), None);
        assert_eq!(n.normalize("01 53427 123").as_deref(), Some("+43153427123"));
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        let p = |country: &str, area: Option<&str>, main: Option<&str>| {
            PhoneNormalizer::new(&DialingParams {
                country: country.into(),
                area_code: area.map(Into::into),
                main_number: main.map(Into::into),
            })
            .err()
        };
        assert_eq!(
            p("Germany", None, None),
            Some(DialingError::UnknownCountry("Germany".into()))
        );
        assert_eq!(
            p("DE", Some("089"), None),
            Some(DialingError::BadAreaCode("089".into()))
        );
        assert_eq!(
            p("DE", None, Some("call us")),
            Some(DialingError::BadMainNumber("call us".into()))
        );
    }
}
