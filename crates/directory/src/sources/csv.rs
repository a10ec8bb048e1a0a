//! CSV exports: Outlook, Google, or anything with a header row and a column mapping.
//!
//! Encoding: a byte-order mark decides; otherwise valid UTF-8 is UTF-8 and anything else is
//! Windows-1252 (what Excel and German Outlook write), unless `encoding` says otherwise.
//! Delimiter: whichever of `,` `;` tab `|` the header row uses most, unless `delimiter` says.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kontakt_api::Phone;
use serde::Deserialize;

use super::mapping::{ColumnMapping, FieldNames, Fields, Pick, Preset, phone_kind_of_label};
use super::{
    Emitter, Entry, Reader, Reading, SourceError, blocking, check_exists, non_empty, resolve_path,
    utf16_without_bom,
};
use crate::check::Problems;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvSource {
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
    /// How long reading the file may block (a hung network share).
    #[serde(default = "super::default_file_timeout", with = "humantime_serde")]
    pub timeout: std::time::Duration,
}

/// Column positions of the fields, resolved against a header row.
type Columns = Fields<Pick<usize>>;

/// Google puts several values in one cell, separated like this.
const MULTI_VALUE: &str = " ::: ";

impl Reader for CsvSource {
    fn name_fields(&self) -> &'static str {
        "the name and company columns"
    }

    fn check(&self, _production: bool, problems: &mut Problems) {
        check_exists(&self.path, problems);
        if let Some(label) = &self.encoding
            && encoding_of(label).is_none()
        {
            problems.error("encoding", unknown_encoding(label));
        }
    }

    /// The header row against the mapping, as the first refresh would resolve it.
    fn check_contents(&self, problems: &mut Problems) {
        let Ok(start) = super::timed_read::read_start(&self.path, self.timeout) else {
            return; // not there or not readable: `check` and the refresh say so
        };
        // Whole lines only, so that a multi-byte character is never cut in two.
        let start = match start.iter().rposition(|&b| b == b'\n') {
            Some(end) => &start[..=end],
            None => &start[..],
        };
        let header = decode(start, self.encoding.as_deref(), &self.path)
            .and_then(|text| {
                self.header(&plain_line_ends(text))
                    .map(|(_, header)| header)
            })
            .and_then(|header| self.resolve(&header));
        if let Err(SourceError::Format { reason, .. }) = header {
            let key = if self.columns.is_some() {
                "columns"
            } else {
                "preset"
            };
            problems.error(key, format!("{}: {reason}", self.path.display()));
        }
    }

    fn resolve_paths(&mut self, base: &Path) {
        resolve_path(&mut self.path, base);
    }

    fn read<'a>(&'a self, out: &'a mut Emitter<'_>) -> Reading<'a> {
        Box::pin(async move { blocking(|| self.read_file(out)) })
    }
}

impl CsvSource {
    fn read_file(&self, out: &mut Emitter<'_>) -> Result<(), SourceError> {
        let bytes = super::timed_read::read(&self.path, self.timeout)?;
        self.read_bytes(&bytes, out)
    }

    /// Reads the file's content (`path` only names it in errors); the fuzz target's entry.
    pub fn read_bytes(&self, bytes: &[u8], out: &mut Emitter<'_>) -> Result<(), SourceError> {
        let text = decode(bytes, self.encoding.as_deref(), &self.path)?;
        let text = plain_line_ends(text);
        let (mut reader, header) = self.header(&text)?;
        let columns = self.resolve(&header)?;
        let mut record = ::csv::StringRecord::new();
        let mut lines = LineCounter::new(&text);
        loop {
            let line = lines.at(reader.position().byte());
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    out.skip(
                        format!("line {line}"),
                        format!("unreadable record: {}", csv_reason(&e)),
                    );
                    continue;
                }
            }
            let line = record.position().map_or(line, |p| lines.at(p.byte()));
            let location = format!("line {line}");
            let short =
                record.len() < header.len() && !(record.len() == 1 && record[0].trim().is_empty());
            let long = record
                .iter()
                .skip(header.len())
                .any(|f| !f.trim().is_empty());
            if short || long {
                out.skip(
                    location,
                    format!("{} fields instead of {}", record.len(), header.len()),
                );
                continue;
            }
            if record.iter().all(|f| f.trim().is_empty()) {
                continue; // blank line
            }
            out.emit(location, entry(&columns, &record))?;
        }
        Ok(())
    }

    /// A reader of `text` and the header row it has read.
    fn header<'t>(
        &self,
        text: &'t str,
    ) -> Result<(::csv::Reader<&'t [u8]>, Vec<String>), SourceError> {
        let delimiter = match self.delimiter {
            Some(d) if d.is_ascii() => d as u8,
            Some(d) => {
                return Err(self.error(format!(
                    "the delimiter {d:?} is not a single ASCII character"
                )));
            }
            None => sniff_delimiter(text),
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
        Ok((reader, header))
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
        let find = |n: &String| index.get(&n.to_lowercase()).copied();
        // A column the admin named explicitly must exist; preset columns are optional.
        if let Some(problem) = self
            .columns
            .as_ref()
            .and_then(|c| c.missing(|n| find(&n.to_owned()).is_some(), header))
        {
            return Err(self.error(problem));
        }
        let columns = fields.map(|pick| pick.resolve(find));
        if !columns.maps_a_name(|p| !p.is_empty()) {
            return Err(self.error(format!(
                "no name column found for the {:?} mapping (looked for display name, first name, last name and company; the header has: {}). Choose another preset or set columns.",
                self.preset,
                header.join(", ")
            )));
        }
        Ok(columns)
    }
}

/// One row as an entry: every mapped cell, several values of a cell split apart.
fn entry(columns: &Columns, r: &::csv::StringRecord) -> Entry {
    let cell = |p: &Pick<usize>| p.value(|&i| r.get(i));
    let values = |p: &Pick<usize>| {
        cell(p)
            .map(|v| v.split(MULTI_VALUE).filter_map(non_empty).collect())
            .unwrap_or_else(Vec::new)
    };
    let mut entry = columns.entry(cell);
    entry.emails = columns.emails.iter().flat_map(values).collect();
    entry.phones = columns
        .phones
        .iter()
        .filter_map(|(p, kind)| cell(p).map(|raw| Phone::new(*kind, raw)))
        .collect();
    for (label, value) in &columns.labeled_phones {
        let kind = phone_kind_of_label(cell(label).as_deref().unwrap_or(""));
        entry
            .phones
            .extend(values(value).into_iter().map(|raw| Phone::new(kind, raw)));
    }
    entry
}

/// Physical lines (1-based) of byte offsets into the text, counted by this reader: the csv
/// crate's own count skips blank lines and is one short after CR LF line ends. Offsets only
/// grow, so each byte is looked at once.
struct LineCounter<'t> {
    text: &'t [u8],
    at: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The line a record starting at `byte` starts on: blank lines before it skipped.
    fn at(&mut self, byte: u64) -> usize {
        let mut byte = (byte as usize).min(self.text.len());
        while matches!(self.text.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte > self.at {
            self.line += self.text[self.at..byte]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.at = byte;
        }
        self.line
    }
}

/// Line ends as the CSV reader counts them: CR CR LF (iOS) becomes one CR LF instead of a
/// line and an empty one, and a lone CR (classic Mac OS) an LF, so that line numbers in
/// reports are the lines an editor shows. LF and CR LF stay as they are.
fn plain_line_ends(text: Cow<'_, str>) -> Cow<'_, str> {
    if !has_lone_cr(&text) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut crs = 0;
    for c in text.chars() {
        match c {
            '\r' => crs += 1,
            '\n' => {
                out.push_str(if crs > 0 { "\r\n" } else { "\n" });
                crs = 0;
            }
            c => {
                out.extend(std::iter::repeat_n('\n', crs));
                crs = 0;
                out.push(c);
            }
        }
    }
    out.extend(std::iter::repeat_n('\n', crs));
    Cow::Owned(out)
}

fn has_lone_cr(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// The file's text: BOM first, then the configured label, then UTF-8 or Windows-1252.
/// The encoding a label names: WHATWG's labels, plus "ANSI", which is what Windows (and
/// Excel's "Save as") calls the Western code page, Windows-1252.
fn encoding_of(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = label.trim();
    if label.eq_ignore_ascii_case("ansi") {
        return Some(encoding_rs::WINDOWS_1252);
    }
    encoding_rs::Encoding::for_label(label.as_bytes())
}

fn unknown_encoding(label: &str) -> String {
    format!(
        "unknown encoding {label:?} (use e.g. \"utf-8\", \"windows-1252\" — what Excel calls ANSI — or \"utf-16le\"; leave it out to detect UTF-8 or Windows-1252)"
    )
}

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
            let encoding = encoding_of(label).ok_or_else(|| SourceError::Format {
                path: path.to_owned(),
                reason: unknown_encoding(label),
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
        None if utf16_without_bom(bytes).is_some() => Ok(utf16_without_bom(bytes)
            .expect("checked")
            .decode_without_bom_handling(bytes)
            .0),
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
    use crate::sources::LoadReport;
    use crate::sources::testing::load_source;
    use kontakt_api::{Contact, PhoneKind};
    use std::io::Write;

    fn load(bytes: &[u8], extra: &str) -> Result<(Vec<Contact>, LoadReport), SourceError> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        load_source(&format!(
            "type = \"csv\"\nid = \"crm\"\nname = \"CRM\"\npath = {:?}\n{extra}",
            file.path()
        ))
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
        let reasons: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
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
    fn a_record_is_reported_at_the_physical_line_it_starts_on() {
        // Header on line 1; a quoted field with line breaks on lines 2–4; blank lines 5–6;
        // the bad record on line 7; CR LF line ends as Windows writes them, and LF.
        for end in ["\n", "\r\n"] {
            let text = [
                "First Name,Last Name,Company",
                "Anna,Berg,\"Adler",
                "Möbel",
                "KG\"",
                "",
                "",
                "Only,Two",
                "Lena,Meier,\"Y\"",
                ",,Z-only-company-name-is-a-name",
                "Peter,Pan,X,extra",
            ]
            .join(end)
                + end;
            let (_, report) = load(text.as_bytes(), "").unwrap();
            let reasons: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
            assert_eq!(
                reasons,
                [
                    "line 7: 2 fields instead of 3",
                    "line 10: 4 fields instead of 3"
                ],
                "line ends {end:?}"
            );
        }
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
        assert!(
            err.contains(
                "columns.display_name names \"Nme\" but there is no such column (there are: Name)"
            ),
            "{err}"
        );
        let err = load(b"First Name\n\xff\n", "encoding = \"utf-8\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not valid UTF-8") && err.contains("line 2"),
            "{err}"
        );
        // What Windows calls ANSI is Windows-1252.
        let (contacts, _) = load(b"First Name\n\xc4rger\n", "encoding = \"ANSI\"").unwrap();
        assert_eq!(contacts[0].display_name, "Ärger");
        let mut problems = Problems::default();
        let source: CsvSource =
            toml::from_str("path = \"/x.csv\"\nencoding = \"klingon\"").unwrap();
        source.check(false, &mut problems);
        let found = problems.into_vec();
        assert!(
            found
                .iter()
                .any(|p| p.key == "encoding" && !p.warning && p.message.contains("klingon")),
            "check-config refuses it: {found:?}"
        );
        let err = load(b"x", "encoding = \"klingon\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown encoding \"klingon\""), "{err}");
        let err =
            load_source("type = \"csv\"\nid = \"x\"\nname = \"x\"\npath = \"/nonexistent/x.csv\"")
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
