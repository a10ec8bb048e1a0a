//! Caller ID: who is calling, for phone systems (Session Border Controllers). A calling
//! number arrives in whatever shape the SBC uses — `+4989…`, `%2B4989…`, `004989…`,
//! `089…`, `4989…` with the plus stripped, an extension, a `tel:` or `sip:` URI — and is
//! matched exactly against the E.164 index. `docs/callerid.md` explains the rules.

use kontakt_api::{PhoneKind, SourceRef};

use crate::Directory;
use crate::catalog::TenantDirectory;
use crate::phone::PhoneNormalizer;
use crate::served::Served;
use crate::store::CallerFacts;

/// How the phone system writes numbers, beyond what the tenant's dialling parameters say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NumberHabits {
    /// The SBC strips the `+` of international numbers (`4989…` means `+4989…`).
    pub plus_stripped: bool,
}

/// The most bytes a calling number may have, URI and parameters included.
pub const MAX_NUMBER_BYTES: usize = 256;

/// The E.164 form of a calling number as an SBC sends it, or `None` when it is not one.
pub fn incoming_e164(
    raw: &str,
    normalizer: &PhoneNormalizer,
    habits: NumberHabits,
) -> Option<String> {
    if raw.len() > MAX_NUMBER_BYTES {
        return None;
    }
    let decoded = percent_decoded(raw.trim())?;
    let number = uri_user(&decoded);
    if number.is_empty()
        || !number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '/' | '-' | '.' | ' '))
    {
        return None;
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    // `4989…` from an SBC that strips the plus: anything longer than an extension that
    // does not start with the trunk or international prefix is international.
    // does not start with the trunk or international prefix and is a valid international
    // number is one (a local `4520592` stays local: +45 20592 is no Danish number).
    if habits.plus_stripped
        && !number.starts_with('+')
        && !digits.starts_with('0')
        && digits.len() > 6
        && phonenumber::parse(None, format!("+{digits}")).is_ok_and(|n| phonenumber::is_valid(&n))
    {
        return normalizer.normalize(&format!("+{digits}"));
    }
    normalizer.normalize(number)
}

/// `%2B4989…` → `+4989…`; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decoded(raw: &str) -> Option<String> {
    if !raw.contains('%') {
        return Some(raw.to_owned());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The number inside what an SBC may send: `"Anna" <sip:+4989…@sbc;user=phone>`,
/// `tel:+49-89-…;phone-context=…`, or the number alone.
fn uri_user(text: &str) -> &str {
    let mut s = text;
    if let (Some(open), Some(close)) = (s.find('<'), s.rfind('>'))
        && open < close
    {
        s = &s[open + 1..close];
    }
    for scheme in ["sips:", "sip:", "tel:"] {
        // `get`, not an index: the text may have a multi-byte character right there.
        if s.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        {
            s = &s[scheme.len()..];
            break;
        }
    }
    let s = s.split(['@', ';', '?']).next().unwrap_or("");
    s.trim()
}

/// Who a number belongs to, as an SBC shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Caller {
    /// What the phone shows: the person's name, or the company's for its switchboard.
    pub display_name: String,
    pub company: Option<String>,
    /// The contact answered with (for a switchboard shared by a company's people: the first).
    pub contact_id: String,
    pub source: SourceRef,
    /// The number matched, in E.164.
    pub matched_number: String,
}

/// How specific a kind of number is to one person: lower first.
fn specificity(kind: PhoneKind) -> u8 {
    match kind {
        PhoneKind::Business | PhoneKind::Mobile => 0,
        PhoneKind::Other => 1,
        PhoneKind::Home => 2,
        PhoneKind::Fax => 3,
    }
}

impl Directory {
    /// Who calls from `e164`: of the contacts with that number, those of the source listed
    /// first (`source_rank`, lower first), then the most specific kind of number; of what is
    /// left a company's own entry, else the company when all work for one, else the first
    /// in name order.
    pub fn caller(&self, e164: &str, source_rank: impl Fn(&str) -> usize) -> Option<Caller> {
        choose(&self.with_number(e164), e164, source_rank)
    }
}

impl Served {
    /// Who calls from `e164`, among the contacts served now: as [`Directory::caller`].
    pub fn caller(&self, e164: &str, source_rank: impl Fn(&str) -> usize) -> Option<Caller> {
        choose(&self.with_number(e164), e164, source_rank)
    }
}

/// Who of `found` (the contacts with the number `e164`, in name order) is calling. When
/// several contacts have the number: the contacts of the source listed first
/// (`source_rank`: lower first), then the most specific kind (a direct line or mobile
/// before other, home and fax numbers); of what is left, a company's own entry, else — when
/// they all work for one company, so the number is its switchboard — the company, else the
/// first in name order.
fn choose(
    found: &[CallerFacts<'_>],
    e164: &str,
    source_rank: impl Fn(&str) -> usize,
) -> Option<Caller> {
    {
        let rank = |f: &CallerFacts<'_>| {
            (
                source_rank(&f.source.id),
                f.kind.map_or(u8::MAX, specificity),
            )
        };
        let best = found.iter().map(rank).min()?;
        // A contact with the number twice is one candidate: name order keeps it together.
        let mut left: Vec<&CallerFacts<'_>> = Vec::new();
        for f in found.iter().filter(|f| rank(f) == best) {
            if left.last().is_none_or(|l| l.id != f.id) {
                left.push(f);
            }
        }
        let answer = |f: &CallerFacts<'_>, display_name: &str| Caller {
            display_name: display_name.to_owned(),
            company: f.company.map(str::to_owned),
            contact_id: f.id.to_owned(),
            source: f.source.clone(),
            matched_number: e164.to_owned(),
        };
        let first = left[0];
        if left.len() == 1 {
            return Some(answer(first, first.display_name));
        }
        if let Some(company) = left.iter().find(|f| !f.person && f.company.is_some()) {
            return Some(answer(company, company.display_name));
        }
        let one_company = first.company.filter(|name| {
            left.iter().all(|f| {
                f.company
                    .is_some_and(|c| c.to_lowercase() == name.to_lowercase())
            })
        });
        Some(match one_company {
            Some(name) => answer(first, name),
            None => answer(first, first.display_name),
        })
    }
}

impl TenantDirectory {
    /// Who calls from `raw`, a number as a phone system sends it: read with the tenant's
    /// dialling parameters, matched in the directory being served, shared numbers decided
    /// by the order the sources are configured in.
    pub fn caller(&self, raw: &str, habits: NumberHabits) -> Option<Caller> {
        let directory = self.directory();
        let e164 = incoming_e164(raw, directory.normalizer(), habits)?;
        let sources = self.sources();
        directory.caller(&e164, |id| {
            sources
                .iter()
                .position(|s| s.id == id)
                .unwrap_or(usize::MAX)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::DialingParams;
    use kontakt_api::Contact;
    use kontakt_api::Phone;

    fn munich() -> PhoneNormalizer {
        PhoneNormalizer::new(&DialingParams {
            country: "DE".into(),
            area_code: Some("89".into()),
            main_number: Some("+49 89 452000".into()),
        })
        .unwrap()
    }

    #[test]
    fn every_shape_an_sbc_sends() {
        let n = munich();
        let plain = NumberHabits::default();
        let stripped = NumberHabits {
            plus_stripped: true,
        };
        let want = Some("+49894520592".to_owned());
        for raw in [
            "+49894520592",
            "%2B49894520592",
            "%2b49894520592",
            "0049894520592",
            "0894520592",
            "4520592",
            "+49 (0)89 4520-592",
            "tel:+49-89-4520592",
            "tel:+49894520592;phone-context=+49",
            "sip:+49894520592@sbc.contoso.com;user=phone",
            "SIP:+49894520592@10.0.0.1:5061",
            "<sip:+49894520592@sbc.contoso.com;user=phone>",
            "\"Anna\" <sip:0894520592@sbc;user=phone>;tag=1234",
        ] {
            assert_eq!(incoming_e164(raw, &n, plain), want, "{raw}");
            assert_eq!(
                incoming_e164(raw, &n, stripped),
                want,
                "{raw} (plus stripped)"
            );
        }
        // Without the plus: only when the SBC is known to strip it.
        assert_eq!(incoming_e164("49894520592", &n, stripped), want);
        assert_ne!(incoming_e164("49894520592", &n, plain), want);
        // An internal extension: the company's main number with it.
        assert_eq!(
            incoming_e164("592", &n, plain).as_deref(),
            Some("+4989452000592")
        );
        for bad in [
            "",
            "anonymous",
            "sip:anonymous@invalid",
            "%2",
            "%zz12",
            "+49 89 x",
            "**21#",
        ] {
            assert_eq!(incoming_e164(bad, &n, plain), None, "{bad:?}");
        }
        assert_eq!(incoming_e164(&"1".repeat(300), &n, plain), None);
        // Found by the fuzzer: a multi-byte character where a scheme would end.
        assert_eq!(incoming_e164("0034\u{44c}ips!", &n, plain), None);
    }

    fn person(
        id: &str,
        source: &str,
        name: (&str, &str),
        company: &str,
        phones: &[(PhoneKind, &str)],
    ) -> Contact {
        Contact {
            id: format!("{source}:{id}"),
            source: SourceRef {
                id: source.into(),
                name: source.to_uppercase(),
            },
            display_name: Some(format!("{} {}", name.0, name.1).trim().to_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| company.to_owned()),
            given_name: Some(name.0.to_owned()).filter(|s| !s.is_empty()),
            surname: Some(name.1.to_owned()).filter(|s| !s.is_empty()),
            company: Some(company.to_owned()).filter(|s| !s.is_empty()),
            phones: phones.iter().map(|(k, raw)| Phone::new(*k, *raw)).collect(),
            ..Contact::default()
        }
    }

    #[test]
    fn which_contact_a_shared_number_names() {
        use PhoneKind::*;
        let contacts = vec![
            person(
                "1",
                "crm",
                ("Anna", "Berg"),
                "Adlermöbel KG",
                &[(Business, "0451 3251-0"), (Mobile, "0171 111")],
            ),
            person(
                "2",
                "crm",
                ("Paul", "Kern"),
                "Adlermöbel KG",
                &[(Business, "0451 3251-0")],
            ),
            person(
                "3",
                "crm",
                ("Lena", "Wolf"),
                "Wolf & Co",
                &[(Home, "030 999"), (Fax, "030 998")],
            ),
            person(
                "4",
                "ad",
                ("Lena", "Wolf"),
                "Kontakt Demo GmbH",
                &[(Business, "030 999")],
            ),
            person(
                "5",
                "crm",
                ("Max", "Roth"),
                "Roth GmbH",
                &[(Fax, "030 777")],
            ),
            person(
                "6",
                "crm",
                ("Eva", "Roth"),
                "Roth GmbH",
                &[(Other, "030 777")],
            ),
            person("7", "crm", ("", ""), "Hafen AG", &[(Business, "040 100")]),
            person(
                "8",
                "crm",
                ("Ole", "Hansen"),
                "Hafen AG",
                &[(Business, "040 100")],
            ),
            person(
                "9",
                "crm",
                ("Ida", "Sand"),
                "Meer GmbH",
                &[(Business, "040 200")],
            ),
            person(
                "10",
                "crm",
                ("Tom", "Dahl"),
                "Fjord AS",
                &[(Business, "040 200")],
            ),
        ];
        let d = Directory::build(contacts, munich());
        let rank = |s: &str| usize::from(s != "crm");
        let who = |number: &str| {
            d.caller(number, rank)
                .map(|c| (c.display_name, c.contact_id))
        };
        // One contact: that one; several of one company: its switchboard.
        assert_eq!(who("+49171111"), Some(("Anna Berg".into(), "crm:1".into())));
        assert_eq!(who("+4945132510").unwrap().0, "Adlermöbel KG");
        // The source listed first wins over a more specific kind elsewhere.
        assert_eq!(who("+4930999").unwrap().1, "crm:3");
        let ad_first = |s: &str| usize::from(s != "ad");
        assert_eq!(d.caller("+4930999", ad_first).unwrap().contact_id, "ad:4");
        // Then the more specific kind: other before fax.
        assert_eq!(who("+4930777").unwrap().1, "crm:6");
        // A company's own entry before its people.
        assert_eq!(
            who("+4940100").unwrap(),
            ("Hafen AG".into(), "crm:7".into())
        );
        // People of different companies: the first in name order.
        assert_eq!(who("+4940200").unwrap().0, "Ida Sand");
        assert_eq!(who("+4940300"), None);
    }
}
