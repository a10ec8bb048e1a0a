//! CSV exports: Outlook, Google, or anything with a header row and a column mapping.
//!
//! Encoding: a byte-order mark decides; otherwise valid UTF-8 is UTF-8 and anything else is
//! Windows-1252 (what Excel and German Outlook write), unless `encoding` says otherwise.
//! Delimiter: whichever of `,` `;` tab `|` the header row uses most, unless `delimiter` says.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kontakt_api::{Address, Contact, Phone, SourceRef};
use serde::Deserialize;

use super::mapping::{ColumnMapping, FieldNames, Preset, phone_kind_of_label};
use super::{LoadReport, SourceError, compose_name, default_refresh, derived_id, non_empty};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvSource {
    pub id: String,
    pub name: String,
    #[serde(default = "default_refresh", with = "humantime_serde")]
    pub refresh: Duration,
    pub path: PathBuf,
    #[serde(default)]
    pub preset: Preset,
    #[serde(default)]
    pub columns: Option<ColumnMapping>,
    #[serde(default)]
    pub delimiter: Option<char>,
    /// An encoding label (`utf-8`, `windows-1252`, `iso-8859-1`, `utf-16le`, …).
    #[serde(default)]
    pub encoding: Option<String>,
}

/// Column indices of the fields, resolved against a header row.
struct Columns {
    id: Option<usize>,
    display_name: Option<usize>,
    honorific: Option<usize>,
    given_name: Option<usize>,
    middle_name: Option<usize>,
    surname: Option<usize>,
    company: Option<usize>,
    department: Option<usize>,
    job_title: Option<usize>,
    emails: Vec<usize>,
    phones: Vec<(usize, kontakt_api::PhoneKind)>,
    labeled_phones: Vec<(Option<usize>, usize)>,
    street: Option<usize>,
    postal_code: Option<usize>,
    city: Option<usize>,
    region: Option<usize>,
    country: Option<usize>,
    upn: Option<usize>,
}

/// Google puts several values in one cell, separated like this.
const MULTI_VALUE: &str = " ::: ";

impl CsvSource {
    pub fn read(
        &self,
        source: &SourceRef,
        report: &mut LoadReport,
        sink: &mut dyn FnMut(Contact) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        let bytes = std::fs::read(&self.path).map_err(|e| SourceError::Io {
            path: self.path.clone(),
            source: e,
        })?;
        let text = decode(&bytes, self.encoding.as_deref(), &self.path)?;
        let delimiter = match self.delimiter {
            Some(d) if d.is_ascii() => d as u8,
            Some(d) => {
                return Err(self.error(format!(
                    "the delimiter {d:?} is not a single ASCII character"
                )));
            }
            None => sniff_delimiter(&text),
        };
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| self.error(format!("the header row cannot be read: {e}")))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        let columns = self.resolve(&header)?;
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut record = ::csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    report.skip(
                        format!("line {line}"),
                        format!("unreadable record: {}", csv_reason(&e)),
                    );
                    continue;
                }
            }
            let line = record.position().map_or(line, |p| p.line());
            let location = format!("line {line}");
            if record.len() < header.len() && !(record.len() == 1 && record[0].trim().is_empty()) {
                report.skip(
                    location,
                    format!("{} fields instead of {}", record.len(), header.len()),
                );
                continue;
            }
            if record
                .iter()
                .skip(header.len())
                .any(|f| !f.trim().is_empty())
            {
                report.skip(
                    location,
                    format!("{} fields instead of {}", record.len(), header.len()),
                );
                continue;
            }
            if record.iter().all(|f| f.trim().is_empty()) {
                continue; // blank line
            }
            let Some(mut contact) = columns.contact(&record, source) else {
                report.skip(location, "no name: the name and company columns are empty");
                continue;
            };
            if let Some(first) = seen.get(&contact.id) {
                report.skip(location, format!("same id as line {first}"));
                continue;
            }
            seen.insert(contact.id.clone(), line);
            contact.id = format!("{}:{}", source.id, contact.id);
            sink(contact)?;
            report.contacts += 1;
        }
        Ok(())
    }

    fn error(&self, reason: String) -> SourceError {
        SourceError::Format {
            path: self.path.clone(),
            reason,
        }
    }

    fn resolve(&self, header: &[String]) -> Result<Columns, SourceError> {
        let fields: FieldNames = self.preset.fields().with(self.columns.as_ref());
        let index: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.to_lowercase(), i))
            .collect();
        let find = |names: &[String]| {
            names
                .iter()
                .find_map(|n| index.get(&n.to_lowercase()).copied())
        };
        // A column the admin named explicitly must exist; preset columns are optional.
        if let Some(mapping) = &self.columns {
            let explicit = explicit_columns(mapping);
            for (field, names) in explicit {
                if find(&names).is_none() {
                    return Err(self.error(format!(
                        "columns.{field} names {} but the header has no such column (it has: {})",
                        names
                            .iter()
                            .map(|n| format!("{n:?}"))
                            .collect::<Vec<_>>()
                            .join(" or "),
                        header.join(", ")
                    )));
                }
            }
        }
        let columns = Columns {
            id: find(&fields.id),
            display_name: find(&fields.display_name),
            honorific: find(&fields.honorific),
            given_name: find(&fields.given_name),
            middle_name: find(&fields.middle_name),
            surname: find(&fields.surname),
            company: find(&fields.company),
            department: find(&fields.department),
            job_title: find(&fields.job_title),
            emails: fields
                .emails
                .iter()
                .chain(&fields.labeled_emails)
                .filter_map(|n| find(n))
                .collect(),
            phones: fields
                .phones
                .iter()
                .filter_map(|(n, k)| find(n).map(|i| (i, *k)))
                .collect(),
            labeled_phones: fields
                .labeled_phones
                .iter()
                .filter_map(|(label, value)| find(value).map(|v| (find(label), v)))
                .collect(),
            street: find(&fields.street),
            postal_code: find(&fields.postal_code),
            city: find(&fields.city),
            region: find(&fields.region),
            country: find(&fields.country),
            upn: find(&fields.upn),
        };
        let has_name = [
            columns.display_name,
            columns.given_name,
            columns.surname,
            columns.company,
        ]
        .iter()
        .any(Option::is_some);
        if !has_name {
            return Err(self.error(format!(
                "no name column found for the {:?} mapping (looked for display name, first name, last name and company; the header has: {}). Choose another preset or set columns.",
                self.preset,
                header.join(", ")
            )));
        }
        Ok(columns)
    }
}

fn explicit_columns(m: &ColumnMapping) -> Vec<(&'static str, Vec<String>)> {
    let mut out = Vec::new();
    let mut add = |field: &'static str, v: &Option<super::mapping::Names>| {
        if let Some(v) = v {
            out.push((field, v.list()));
        }
    };
    add("id", &m.id);
    add("display_name", &m.display_name);
    add("honorific", &m.honorific);
    add("given_name", &m.given_name);
    add("middle_name", &m.middle_name);
    add("surname", &m.surname);
    add("company", &m.company);
    add("department", &m.department);
    add("job_title", &m.job_title);
    add("street", &m.street);
    add("postal_code", &m.postal_code);
    add("city", &m.city);
    add("region", &m.region);
    add("country", &m.country);
    add("upn", &m.upn);
    if let Some(emails) = &m.emails {
        for e in emails.list() {
            out.push(("emails", vec![e]));
        }
    }
    for p in m.phones.iter().flatten() {
        out.push(("phones", p.column.list()));
    }
    out
}

impl Columns {
    fn contact(&self, r: &::csv::StringRecord, source: &SourceRef) -> Option<Contact> {
        let get = |i: Option<usize>| i.and_then(|i| r.get(i)).and_then(non_empty);
        let given = get(self.given_name);
        let surname = get(self.surname);
        let company = get(self.company);
        let display_name = get(self.display_name)
            .or_else(|| {
                compose_name(&[
                    get(self.honorific).as_deref(),
                    given.as_deref(),
                    get(self.middle_name).as_deref(),
                    surname.as_deref(),
                ])
            })
            .or_else(|| company.clone())?;
        let emails: Vec<String> = self
            .emails
            .iter()
            .filter_map(|&i| r.get(i))
            .flat_map(|cell| cell.split(MULTI_VALUE))
            .filter_map(non_empty)
            .collect();
        let mut phones: Vec<Phone> = self
            .phones
            .iter()
            .filter_map(|&(i, kind)| {
                r.get(i).and_then(non_empty).map(|raw| Phone {
                    kind,
                    raw,
                    e164: None,
                })
            })
            .collect();
        for &(label, value) in &self.labeled_phones {
            let kind = phone_kind_of_label(label.and_then(|l| r.get(l)).unwrap_or(""));
            for raw in r
                .get(value)
                .unwrap_or("")
                .split(MULTI_VALUE)
                .filter_map(non_empty)
            {
                phones.push(Phone {
                    kind,
                    raw,
                    e164: None,
                });
            }
        }
        let address = Address {
            street: get(self.street),
            postal_code: get(self.postal_code),
            city: get(self.city),
            region: get(self.region),
            country: get(self.country),
        };
        let id = get(self.id)
            .unwrap_or_else(|| derived_id(&display_name, &emails, company.as_deref(), &phones));
        Some(Contact {
            id,
            source: source.clone(),
            display_name,
            given_name: given,
            surname,
            company,
            department: get(self.department),
            job_title: get(self.job_title),
            emails,
            phones,
            address: (!address.is_empty()).then_some(address),
            upn: get(self.upn),
        })
    }
}

/// The file's text: BOM first, then the configured label, then UTF-8 or Windows-1252.
fn decode<'b>(
    bytes: &'b [u8],
    label: Option<&str>,
    path: &Path,
) -> Result<Cow<'b, str>, SourceError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return Ok(text);
    }
    match label {
        Some(label) => {
            let encoding =
                encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                    SourceError::Format {
                        path: path.to_owned(),
                        reason: format!(
                            "unknown encoding {label:?} (use e.g. \"utf-8\" or \"windows-1252\")"
                        ),
                    }
                })?;
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
            if had_errors {
                let line = first_bad_line(bytes);
                return Err(SourceError::Format {
                    path: path.to_owned(),
                    reason: format!(
                        "the file is not valid {} (first problem on line {line})",
                        encoding.name()
                    ),
                });
            }
            Ok(text)
        }
        None => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Cow::Borrowed(text)),
            Err(_) => Ok(encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0),
        },
    }
}

fn first_bad_line(bytes: &[u8]) -> usize {
    let valid = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len());
    bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The delimiter the header row uses most, outside quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [(b';', 0usize), (b',', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
                    c.1 += 1;
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map_or(b',', |(d, _)| *d)
}

fn csv_reason(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => String::from("invalid text encoding"),
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields instead of {expected_len}"),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kontakt_api::PhoneKind;
    use std::io::Write;

    fn source() -> SourceRef {
        SourceRef {
            id: "crm".into(),
            name: "CRM".into(),
        }
    }

    fn load(bytes: &[u8], extra: &str) -> Result<(Vec<Contact>, LoadReport), SourceError> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        let config = format!(
            "id = \"crm\"\nname = \"CRM\"\npath = {:?}\n{extra}",
            file.path()
        );
        let csv: CsvSource = toml::from_str(&config).unwrap();
        let mut contacts = Vec::new();
        let mut report = LoadReport::default();
        csv.read(&source(), &mut report, &mut |c| {
            contacts.push(c);
            Ok(())
        })?;
        Ok((contacts, report))
    }

    const OUTLOOK_HEADER: &str = "\"First Name\",\"Middle Name\",\"Last Name\",\"Title\",\"Company\",\"Department\",\"Job Title\",\"Business Street\",\"Business City\",\"Business Postal Code\",\"Business Country/Region\",\"Business Phone\",\"Mobile Phone\",\"Home Phone\",\"Business Fax\",\"E-mail Address\",\"E-mail 2 Address\"";

    #[test]
    fn outlook_export_with_bom_crlf_and_quoted_newlines() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(OUTLOOK_HEADER.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice("\"Jürgen\",\"\",\"Müller\",\"Dr.\",\"Müller & Söhne GmbH\",\"Vertrieb\",\"Leiter\",\"Leopoldstraße 1\r\nHinterhaus\",\"München\",\"80802\",\"Deutschland\",\"+49 (0)89 123456-78\",\"0171 1234567\",\"\",\"089 123456-99\",\"juergen.mueller@example.de\",\"\"\r\n".as_bytes());
        bytes.extend_from_slice("\"Anna\",\"\",\"Berg\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"030 1234\",\"\",\"\",\"anna@example.de\"\r\n".as_bytes());
        let (contacts, report) = load(&bytes, "").unwrap();
        assert_eq!(report.skipped, 0, "{:?}", report.problems);
        assert_eq!(contacts.len(), 2);
        let j = &contacts[0];
        assert_eq!(j.display_name, "Dr. Jürgen Müller");
        assert_eq!(j.given_name.as_deref(), Some("Jürgen"));
        assert_eq!(j.company.as_deref(), Some("Müller & Söhne GmbH"));
        assert_eq!(
            j.address.as_ref().unwrap().street.as_deref(),
            Some("Leopoldstraße 1\r\nHinterhaus")
        );
        assert_eq!(j.city(), Some("München"));
        let kinds: Vec<PhoneKind> = j.phones.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [PhoneKind::Business, PhoneKind::Mobile, PhoneKind::Fax]
        );
        assert!(j.id.starts_with("crm:"));
        assert_eq!(contacts[1].emails, ["anna@example.de"]);
        assert_eq!(contacts[1].phones[0].kind, PhoneKind::Home);
    }

    #[test]
    fn german_outlook_in_windows_1252_with_semicolons() {
        let text = "Vorname;Nachname;Firma;Abteilung;Position;Telefon geschäftlich;Mobiltelefon;E-Mail-Adresse;Ort geschäftlich\r\nJürgen;Weiß;Groß & Co. KG;Einkauf;Einkäufer;089/12345678;;j.weiss@example.de;Köln\r\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let (contacts, report) = load(&bytes, "").unwrap();
        assert_eq!(report.skipped, 0, "{:?}", report.problems);
        let c = &contacts[0];
        assert_eq!(c.display_name, "Jürgen Weiß");
        assert_eq!(c.company.as_deref(), Some("Groß & Co. KG"));
        assert_eq!(c.job_title.as_deref(), Some("Einkäufer"));
        assert_eq!(c.city(), Some("Köln"));
        assert_eq!(c.phones.len(), 1);
    }

    #[test]
    fn google_export_with_labels_and_several_values() {
        let text = "First Name,Middle Name,Last Name,Organization Name,Organization Title,Organization Department,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - City\n\
                    Lena,,Schmidt,Alpen AG,CTO,IT,* Work,lena@alpen.example,Mobile,+49 171 111 ::: +49 171 222,Work Fax,089 999,Wien\n";
        let (contacts, _) = load(text.as_bytes(), "preset = \"google\"").unwrap();
        let c = &contacts[0];
        assert_eq!(c.display_name, "Lena Schmidt");
        assert_eq!(c.job_title.as_deref(), Some("CTO"));
        assert_eq!(c.emails, ["lena@alpen.example"]);
        let phones: Vec<(PhoneKind, &str)> =
            c.phones.iter().map(|p| (p.kind, p.raw.as_str())).collect();
        assert_eq!(
            phones,
            [
                (PhoneKind::Mobile, "+49 171 111"),
                (PhoneKind::Mobile, "+49 171 222"),
                (PhoneKind::Fax, "089 999")
            ]
        );
    }

    #[test]
    fn custom_mapping_and_an_id_column() {
        let text = "Nr|Name|Tel|Durchwahl\n17|Empfang|089 4520-0|-0\n";
        let (contacts, _) = load(
            text.as_bytes(),
            "preset = \"custom\"\n[columns]\nid = \"Nr\"\ndisplay_name = \"Name\"\nphones = [{ column = \"Tel\" }, { column = \"Durchwahl\", kind = \"other\" }]",
        )
        .unwrap();
        assert_eq!(contacts[0].id, "crm:17");
        assert_eq!(contacts[0].display_name, "Empfang");
        assert_eq!(contacts[0].phones[1].kind, PhoneKind::Other);
    }

    #[test]
    fn bad_rows_are_reported_with_line_and_skipped() {
        let text = "First Name,Last Name,Company\nAnna,Berg,X\n,,\nOnly,Two\nPeter,Pan,Neverland,extra\nAnna,Berg,X\nLena,Meier,Y\n";
        let (contacts, report) = load(text.as_bytes(), "").unwrap();
        assert_eq!(
            contacts
                .iter()
                .map(|c| c.display_name.as_str())
                .collect::<Vec<_>>(),
            ["Anna Berg", "Lena Meier"]
        );
        assert_eq!(report.contacts, 2);
        assert_eq!(report.skipped, 3);
        let reasons: Vec<String> = report
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.location, p.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                "line 4: 2 fields instead of 3",
                "line 5: 4 fields instead of 3",
                "line 6: same id as line 2"
            ]
        );
    }

    #[test]
    fn a_row_without_any_name_is_skipped() {
        let text = "First Name,Last Name,Company,E-mail Address\nAnna,,,\n,,,x@example.de\n";
        let (contacts, report) = load(text.as_bytes(), "").unwrap();
        assert_eq!(contacts.len(), 1);
        assert_eq!(report.problems[0].location, "line 3");
        assert!(report.problems[0].reason.contains("no name"));
    }

    #[test]
    fn whole_file_errors_say_what_and_where() {
        let err = load(b"Foo,Bar\n1,2\n", "").unwrap_err().to_string();
        assert!(
            err.contains("no name column") && err.contains("Foo, Bar"),
            "{err}"
        );
        let err = load(
            b"Name\nx\n",
            "preset = \"custom\"\n[columns]\ndisplay_name = \"Nme\"",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("columns.display_name names \"Nme\""), "{err}");
        let err = load(b"First Name\n\xff\n", "encoding = \"utf-8\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not valid UTF-8") && err.contains("line 2"),
            "{err}"
        );
        let err = load(b"x", "encoding = \"klingon\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown encoding \"klingon\""), "{err}");
        let err = CsvSource {
            id: "x".into(),
            name: "x".into(),
            refresh: Duration::from_secs(1),
            path: "/nonexistent/x.csv".into(),
            preset: Preset::Outlook,
            columns: None,
            delimiter: None,
            encoding: None,
        }
        .read(&source(), &mut LoadReport::default(), &mut |_| Ok(()))
        .unwrap_err()
        .to_string();
        assert!(err.contains("cannot read /nonexistent/x.csv"), "{err}");
    }

    #[test]
    fn delimiter_sniffing_ignores_quoted_text() {
        assert_eq!(sniff_delimiter("\"a;b;c\",x,y\n1,2,3"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc\n"), b'\t');
    }
}
