//! vCard files (RFC 2426 / vCard 3.0, RFC 6350 / vCard 4.0, and the 2.1 habits real exports
//! still have): folded lines, quoted-printable with soft line breaks, `CHARSET`, `TYPE`
//! parameters in every spelling, several TEL/EMAIL, N/FN/ORG/TITLE/ADR. Photos are skipped.
//!
//! Parsing works on bytes: a 2.1 file can mix UTF-8 and Latin-1 properties, each saying its
//! own `CHARSET`.

use std::path::{Path, PathBuf};

use kontakt_api::{Address, Phone, PhoneKind};
use serde::Deserialize;

use super::{
    Emitter, Entry, Reader, Reading, SourceError, blocking, check_exists, compose_name, non_empty,
    resolve_path, utf16_without_bom,
};
use crate::check::Problems;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VcardSource {
    /// A `.vcf` file, or a folder whose `.vcf` files are read in name order.
    pub path: PathBuf,
    /// How long reading the folder or a file may block (a hung network share).
    #[serde(default = "super::default_file_timeout", with = "humantime_serde")]
    pub timeout: std::time::Duration,
}

impl Reader for VcardSource {
    fn name_fields(&self) -> &'static str {
        "FN, N and ORG"
    }

    fn check(&self, _production: bool, problems: &mut Problems) {
        check_exists(&self.path, problems);
    }

    fn resolve_paths(&mut self, base: &Path) {
        resolve_path(&mut self.path, base);
    }

    fn read<'a>(&'a self, out: &'a mut Emitter<'_>) -> Reading<'a> {
        Box::pin(async move { blocking(|| self.read_files(out)) })
    }
}

impl VcardSource {
    fn read_files(&self, out: &mut Emitter<'_>) -> Result<(), SourceError> {
        let many_files = super::timed_read::is_dir(&self.path, self.timeout)?;
        let files = if many_files {
            let mut files: Vec<PathBuf> = super::timed_read::read_dir(&self.path, self.timeout)?
                .into_iter()
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("vcf")))
                .collect();
            files.sort();
            files
        } else {
            vec![self.path.clone()]
        };
        for file in files {
            let bytes = super::timed_read::read(&file, self.timeout)?;
            let name = file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            read_bytes(bytes, many_files.then_some(name.as_str()), out)?;
        }
        Ok(())
    }
}

/// Reads one file's content; `file` names it in locations when the source is a folder. The
/// fuzz target's entry.
pub fn read_bytes(
    bytes: Vec<u8>,
    file: Option<&str>,
    out: &mut Emitter<'_>,
) -> Result<(), SourceError> {
    let bytes = utf8_if_utf16(bytes);
    out.expect(count_cards(&bytes), "cards");
    for card in parse(&bytes) {
        let location = match file {
            Some(name) => format!("{name} card {} (line {})", card.number, card.line),
            None => format!("card {} (line {})", card.number, card.line),
        };
        match card.broken {
            Some(reason) => out.skip(location, reason),
            None => out.emit(location, card.entry())?,
        }
    }
    Ok(())
}

/// One property: name (without group), parameters, raw value bytes.
#[derive(Debug)]
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: Vec<u8>,
}

impl Property {
    fn param_values<'p>(&'p self, key: &'p str) -> impl Iterator<Item = String> + 'p {
        self.params
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .flat_map(|(_, v)| {
                v.split(',')
                    .map(|s| s.trim_matches('"').to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
    }

    /// `TYPE=work,voice`, `TYPE=WORK;TYPE=VOICE` and 2.1's bare `WORK` all count.
    fn types(&self) -> Vec<String> {
        let mut t: Vec<String> = self.param_values("type").collect();
        t.extend(
            self.params
                .iter()
                .filter(|(k, v)| v.is_empty() && !k.is_empty())
                .map(|(k, _)| k.to_ascii_lowercase()),
        );
        t
    }

    /// The value as text: quoted-printable and charset decoded, not yet unescaped.
    fn text(&self) -> String {
        let qp = self
            .param_values("encoding")
            .any(|e| e == "quoted-printable")
            || self
                .params
                .iter()
                .any(|(k, v)| v.is_empty() && k.eq_ignore_ascii_case("quoted-printable"));
        let bytes = if qp {
            quoted_printable::decode(&self.value, quoted_printable::ParseMode::Robust)
                .unwrap_or_else(|_| self.value.clone())
        } else {
            self.value.clone()
        };
        let charset = self.param_values("charset").next();
        match charset
            .as_deref()
            .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
        {
            Some(enc) => enc.decode_without_bom_handling(&bytes).0.into_owned(),
            None => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(e.as_bytes())
                    .0
                    .into_owned(),
            },
        }
    }
}

/// A card as parsed; `broken` when it cannot be used at all.
#[derive(Debug, Default)]
struct Card {
    number: usize,
    line: usize,
    props: Vec<Property>,
    broken: Option<String>,
}

/// Splits on unescaped `;` and unescapes each component.
fn components(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => out.last_mut().expect("never empty").push('\n'),
                Some(other) => out.last_mut().expect("never empty").push(other),
                None => {}
            },
            ';' => out.push(String::new()),
            c => out.last_mut().expect("never empty").push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    components(text).join(";")
}

impl Card {
    fn first(&self, name: &str) -> Option<&Property> {
        self.props
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    fn all<'c>(&'c self, name: &'c str) -> impl Iterator<Item = &'c Property> + 'c {
        self.props
            .iter()
            .filter(move |p| p.name.eq_ignore_ascii_case(name))
    }

    fn entry(&self) -> Entry {
        let n = self
            .first("N")
            .map(|p| components(&p.text()))
            .unwrap_or_default();
        let part = |i: usize| n.get(i).and_then(|s| non_empty(s));
        let org = self
            .first("ORG")
            .map(|p| components(&p.text()))
            .unwrap_or_default();
        let text = |name: &str| {
            self.first(name)
                .and_then(|p| non_empty(&unescape(&p.text())))
        };
        // The work address when there is one, else the first.
        let adr = self
            .all("ADR")
            .find(|p| p.types().iter().any(|t| t == "work"))
            .or_else(|| self.first("ADR"))
            .map(|p| components(&p.text()))
            .unwrap_or_default();
        let a = |i: usize| adr.get(i).and_then(|s| non_empty(s));
        Entry {
            id: text("UID").and_then(|v| non_empty(v.trim_start_matches("urn:uuid:"))),
            display_name: text("FN"),
            honorific: part(3),
            given_name: part(1),
            middle_name: part(2),
            surname: part(0),
            company: org.first().and_then(|s| non_empty(s)),
            department: org.get(1).and_then(|s| non_empty(s)),
            job_title: text("TITLE"),
            emails: self
                .all("EMAIL")
                .filter_map(|p| {
                    let v = unescape(&p.text());
                    non_empty(v.strip_prefix("mailto:").unwrap_or(&v))
                })
                .collect(),
            phones: self
                .all("TEL")
                .filter_map(|p| {
                    let raw = unescape(&p.text());
                    let raw = raw.strip_prefix("tel:").unwrap_or(&raw);
                    non_empty(raw).map(|raw| Phone::new(phone_kind(&p.types()), raw))
                })
                .collect(),
            address: Address {
                street: compose_name(&[a(1).as_deref(), a(2).as_deref()]),
                postal_code: a(5),
                city: a(3),
                region: a(4),
                country: a(6),
            },
            upn: None,
        }
    }
}

fn phone_kind(types: &[String]) -> PhoneKind {
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("fax") {
        PhoneKind::Fax
    } else if has("cell") || has("mobile") || has("iphone") {
        PhoneKind::Mobile
    } else if has("work") {
        PhoneKind::Business
    } else if has("home") {
        PhoneKind::Home
    } else {
        PhoneKind::Other
    }
}

/// vCard is read as bytes in an ASCII-compatible encoding; a UTF-16 file (some Windows
/// programs write one, with or without a byte-order mark) is turned into UTF-8 first.
fn utf8_if_utf16(bytes: Vec<u8>) -> Vec<u8> {
    let encoding = match encoding_rs::Encoding::for_bom(&bytes) {
        Some((e, _)) if e != encoding_rs::UTF_8 => Some(e),
        Some(_) => None,
        None => utf16_without_bom(&bytes),
    };
    match encoding {
        Some(e) => e.decode(&bytes).0.into_owned().into_bytes(),
        None => bytes,
    }
}

/// The file's lines: a line ends at LF, CR LF, a lone CR (old Macs), or CR CR LF (iOS).
fn physical_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let mut next = end;
        if rest.get(next) == Some(&b'\n') {
            next += 1;
        } else {
            while rest.get(next) == Some(&b'\r') {
                next += 1;
            }
            if rest.get(next) == Some(&b'\n') {
                next += 1;
            }
        }
        rest = &rest[next..];
        Some(line)
    })
}

/// `BEGIN:VCARD` at the start of a line, counted on the raw bytes without the parser: the
/// cards the file holds, whatever the parser makes of them.
fn count_cards(bytes: &[u8]) -> usize {
    const MARK: &[u8] = b"begin:vcard";
    // A line starting with white space continues the one before (folding).
    let starts_line = |i: usize| i == 0 || matches!(bytes[i - 1], b'\n' | b'\r' | 0xBF);
    (0..bytes.len().saturating_sub(MARK.len() - 1))
        .filter(|&i| bytes[i..i + MARK.len()].eq_ignore_ascii_case(MARK) && starts_line(i))
        .count()
}

/// Unfolds lines and splits the file into cards.
fn parse(bytes: &[u8]) -> Vec<Card> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Logical lines with the physical line they start on.
    let mut lines: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, raw) in physical_lines(bytes).enumerate() {
        match lines.last_mut() {
            // RFC folding: a continuation starts with one space or tab.
            Some((_, line)) if matches!(raw.first(), Some(b' ' | b'\t')) && !line.is_empty() => {
                line.extend_from_slice(&raw[1..]);
            }
            // Quoted-printable soft line break: "=" at the end joins the next line as is.
            Some((_, line)) if line.ends_with(b"=") && is_quoted_printable(line) => {
                line.pop();
                line.extend_from_slice(raw);
            }
            _ => lines.push((i + 1, raw.to_vec())),
        }
    }
    let mut cards = Vec::new();
    let mut current: Option<Card> = None;
    let mut number = 0;
    for (line_no, line) in lines {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Some(prop) = property(&line) else {
            if let Some(card) = &mut current {
                card.broken
                    .get_or_insert_with(|| format!("line {line_no} is not a property"));
            }
            continue;
        };
        if prop.name.eq_ignore_ascii_case("BEGIN") && prop.value.eq_ignore_ascii_case(b"VCARD") {
            number += 1;
            if let Some(mut open) = current.take() {
                open.broken = Some(String::from("no END:VCARD before the next card"));
                cards.push(open);
            }
            current = Some(Card {
                number,
                line: line_no,
                ..Card::default()
            });
        } else if prop.name.eq_ignore_ascii_case("END") && prop.value.eq_ignore_ascii_case(b"VCARD")
        {
            if let Some(card) = current.take() {
                cards.push(card);
            }
        } else if let Some(card) = &mut current
            && !prop.name.eq_ignore_ascii_case("PHOTO")
            && !prop.name.eq_ignore_ascii_case("LOGO")
        {
            card.props.push(prop);
        }
    }
    if let Some(mut open) = current {
        open.broken = Some(String::from("the file ends before END:VCARD"));
        cards.push(open);
    }
    cards
}

fn is_quoted_printable(line: &[u8]) -> bool {
    let head_end = line.iter().position(|&b| b == b':').unwrap_or(line.len());
    let head = String::from_utf8_lossy(&line[..head_end]).to_ascii_uppercase();
    head.contains("QUOTED-PRINTABLE")
}

/// `group.NAME;PARAM=a,b;BARE:value` → property; `None` without a colon.
fn property(line: &[u8]) -> Option<Property> {
    // The colon that ends the head, outside quoted parameter values.
    let mut quoted = false;
    let colon = line.iter().position(|&b| {
        if b == b'"' {
            quoted = !quoted;
        }
        b == b':' && !quoted
    })?;
    let head = String::from_utf8_lossy(&line[..colon]);
    let mut parts = head.split(';');
    let name = parts.next()?.trim();
    let name = name.rsplit('.').next().unwrap_or(name).to_owned();
    if name.is_empty() {
        return None;
    }
    let params = parts
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_owned(), v.trim().to_owned()),
            None => (p.trim().to_owned(), String::new()),
        })
        .collect();
    Some(Property {
        name,
        params,
        value: line[colon + 1..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::load_source;
    use crate::sources::{LoadReport, content_id};
    use kontakt_api::Contact;
    use std::io::Write;

    fn load_path(path: &Path) -> (Vec<Contact>, LoadReport) {
        load_source(&format!(
            "type = \"vcard\"\nid = \"v\"\nname = \"Cards\"\npath = {:?}",
            path.display().to_string()
        ))
        .unwrap()
    }

    fn load_bytes(bytes: &[u8]) -> (Vec<Contact>, LoadReport) {
        let mut file = tempfile::NamedTempFile::with_suffix(".vcf").unwrap();
        file.write_all(bytes).unwrap();
        load_path(file.path())
    }

    #[test]
    fn vcard_3_with_folding_types_and_escapes() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Müller;Jürgen;;Dr.;\r\nFN:Dr. Jürgen Müller\r\nORG:Müller & Söhne GmbH;Vertrieb\r\nTITLE:Leiter Vertrieb\\, Süd\r\nTEL;TYPE=WORK,VOICE:+49 (0)89 123456-78\r\nTEL;TYPE=CELL:0171 12345\r\n 67\r\nTEL;TYPE=WORK;TYPE=FAX:089 123456-99\r\nEMAIL;TYPE=INTERNET,WORK:juergen.mueller@example.de\r\nEMAIL;TYPE=HOME:j@home.example\r\nADR;TYPE=WORK:;;Leopoldstraße 1;München;Bayern;80802;Deutschland\r\nUID:urn:uuid:1234-abcd\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD\r\n /2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODw\r\nEND:VCARD\r\n";
        let (cards, report) = load_bytes(text.as_bytes());
        assert_eq!(report.skipped, 0, "{:?}", report.problems);
        let c = &cards[0];
        assert_eq!(c.id, "v:1234-abcd");
        assert_eq!(c.display_name, "Dr. Jürgen Müller");
        assert_eq!(
            (c.given_name.as_deref(), c.surname.as_deref()),
            (Some("Jürgen"), Some("Müller"))
        );
        assert_eq!(c.company.as_deref(), Some("Müller & Söhne GmbH"));
        assert_eq!(c.department.as_deref(), Some("Vertrieb"));
        assert_eq!(c.job_title.as_deref(), Some("Leiter Vertrieb, Süd"));
        let phones: Vec<(PhoneKind, &str)> =
            c.phones.iter().map(|p| (p.kind, p.raw.as_str())).collect();
        assert_eq!(
            phones,
            [
                (PhoneKind::Business, "+49 (0)89 123456-78"),
                (PhoneKind::Mobile, "0171 1234567"),
                (PhoneKind::Fax, "089 123456-99")
            ]
        );
        assert_eq!(c.emails, ["juergen.mueller@example.de", "j@home.example"]);
        let a = c.address.as_ref().unwrap();
        assert_eq!(
            (
                a.street.as_deref(),
                a.city.as_deref(),
                a.postal_code.as_deref()
            ),
            (Some("Leopoldstraße 1"), Some("München"), Some("80802"))
        );
    }

    #[test]
    fn vcard_4_with_uri_values() {
        let text = "BEGIN:VCARD\nVERSION:4.0\nFN:Anna Berg\nN:Berg;Anna;;;\nTEL;VALUE=uri;TYPE=\"work,voice\";PREF=1:tel:+49-30-1234567\nEMAIL;TYPE=work:mailto:anna@example.de\nEND:VCARD\n";
        let (cards, _) = load_bytes(text.as_bytes());
        assert_eq!(cards[0].phones[0].raw, "+49-30-1234567");
        assert_eq!(cards[0].phones[0].kind, PhoneKind::Business);
        assert_eq!(cards[0].emails, ["anna@example.de"]);
    }

    #[test]
    fn vcard_2_1_quoted_printable_latin1_and_bare_types() {
        let mut bytes: Vec<u8> = Vec::new();
        bytes.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Wei=DF;J=FCrgen\r\n");
        bytes.extend_from_slice(b"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen Wei=C3=9F, Gro=C3=9Fkunden=\r\nbetreuung\r\n");
        bytes.extend_from_slice(b"TEL;WORK;VOICE:089 1234\r\nTEL;CELL:0171 999\r\nORG;CHARSET=ISO-8859-1:B\xe4ckerei M\xfcller\r\nEND:VCARD\r\n");
        let (cards, report) = load_bytes(&bytes);
        assert_eq!(report.skipped, 0, "{:?}", report.problems);
        let c = &cards[0];
        assert_eq!(c.surname.as_deref(), Some("Weiß"));
        assert_eq!(c.given_name.as_deref(), Some("Jürgen"));
        assert_eq!(c.display_name, "Jürgen Weiß, Großkundenbetreuung");
        assert_eq!(c.company.as_deref(), Some("Bäckerei Müller"));
        assert_eq!(
            c.phones.iter().map(|p| p.kind).collect::<Vec<_>>(),
            [PhoneKind::Business, PhoneKind::Mobile]
        );
    }

    #[test]
    fn broken_cards_are_reported_and_the_rest_kept() {
        let text = "BEGIN:VCARD\nFN:One\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nEND:VCARD\nBEGIN:VCARD\nFN:Three\nBEGIN:VCARD\nFN:Four\nEND:VCARD\nBEGIN:VCARD\nFN:Five\nthis line has no colon\nEND:VCARD\nBEGIN:VCARD\nFN:Six\n";
        let (cards, report) = load_bytes(text.as_bytes());
        assert_eq!(
            cards
                .iter()
                .map(|c| c.display_name.as_str())
                .collect::<Vec<_>>(),
            ["One", "Four"]
        );
        let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "card 2 (line 4): no name: FN, N and ORG are empty",
                "card 3 (line 7): no END:VCARD before the next card",
                "card 5 (line 12): line 14 is not a property",
                "card 6 (line 16): the file ends before END:VCARD",
            ]
        );
    }

    #[test]
    fn a_folder_of_cards_and_missing_uids_get_stable_ids() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("b.vcf"),
            "BEGIN:VCARD\nFN:Bert\nEND:VCARD\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("a.VCF"),
            "BEGIN:VCARD\nFN:Anna\nEMAIL:a@x.de\nEND:VCARD\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a card").unwrap();
        let (contacts, _) = load_path(dir.path());
        let names: Vec<&str> = contacts.iter().map(|c| c.display_name.as_str()).collect();
        let ids: Vec<&str> = contacts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(names, ["Anna", "Bert"]);
        assert_eq!(
            ids[0],
            format!("v:{}", content_id(&["Anna", "a@x.de", "", ""]))
        );
    }
}
