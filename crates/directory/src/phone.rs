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
        };
        if let Some(main) = params.main_number.as_deref().map(str::trim)
            && !main.is_empty()
        {
            let e164 = normalizer
                .parse_full(main)
                .ok_or_else(|| DialingError::BadMainNumber(main.to_owned()))?;
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
        let text = match (&self.area_code, international || national) {
            // A local number: written without trunk prefix and area code.
            (Some(area), false) => format!("{}{area} {raw}", self.trunk_prefix),
            _ => raw.to_owned(),
        };
        let number = phonenumber::parse(Some(self.country), &text).ok()?;
        let mut e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        // PBX extensions (`ext 12`, `x12`) are dialled directly after the number in the
        // countries this product serves (DE, AT, CH, UK direct dial-in).
        if let Some(ext) = number.extension() {
            e164.push_str(ext.as_ref());
        }
        within_e164(e164)
    }

    /// How `e164` reads where the tenant is: (display, whole number for an extension).
    /// An extension of the main number is shown alone (`592`) with the whole number in
    /// national form beside it; a number of the tenant's country in national form; any
    /// other in international form. Grouped by libphonenumber's rules for the number's
    /// country; digits it cannot group (a PBX extension appended) follow after a `-`.
    pub fn present(&self, e164: &str) -> (Option<String>, Option<String>) {
        if let Some(main) = &self.main
            && let Some(ext) = e164.strip_prefix(main.as_str())
            && (1..=MAX_EXTENSION_DIGITS).contains(&ext.len())
        {
            let whole = self.format_main_with(ext);
            return (Some(ext.to_owned()), whole);
        }
        (self.format(e164), None)
    }

    /// The main number in national form with `-ext` appended: `089 452000-592`.
    fn format_main_with(&self, ext: &str) -> Option<String> {
        let main = self.main.as_deref()?;
        Some(format!("{}-{ext}", self.format(main)?))
    }

    fn format(&self, e164: &str) -> Option<String> {
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

fn within_e164(e164: String) -> Option<String> {
    let digits = e164.len() - 1;
    (e164.starts_with('+') && (MIN_E164_DIGITS..=MAX_E164_DIGITS).contains(&digits)).then_some(e164)
}

/// `-78`, `- 78` or `78`: an extension of the company's own number.
fn bare_extension(raw: &str) -> Option<String> {
    let rest = raw.strip_prefix('-').unwrap_or(raw).trim();
    let only_digits = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b' ');
    let digits = digits_of(rest);
    (only_digits && digits.len() <= MAX_EXTENSION_DIGITS && !digits.starts_with('0'))
        .then_some(digits)
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
