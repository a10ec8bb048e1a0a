//! The part every source kind shares: a record the reader understood becomes a contact
//! with a stable id, duplicates and nameless records are skipped with a reason, and the
//! load report counts it all. Readers only say what they found and where.

use std::collections::HashMap;
use std::fmt::Display;

use kontakt_api::{Address, Contact, Phone, SourceProblem, SourceRef};

use super::SourceError;

/// Where a source puts the contacts it reads (a snapshot being written, a test's list).
pub trait ContactSink: Send {
    fn push(&mut self, contact: Contact) -> Result<(), SourceError>;
}

impl<F: FnMut(Contact) -> Result<(), SourceError> + Send> ContactSink for F {
    fn push(&mut self, contact: Contact) -> Result<(), SourceError> {
        self(contact)
    }
}

/// Most problems kept per load; more are counted, not listed.
pub const MAX_PROBLEMS: usize = 100;

/// How one read of a source went: every record the source held is either imported or
/// skipped with a reason (`records == contacts + skipped`, kept by the [`Emitter`]), and every
/// value left out of an imported contact is counted. Problems never contain contact data —
/// a location and a reason only: they go to logs and to the status endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadReport {
    /// Records the source held (rows, cards, entries).
    pub records: usize,
    /// Records imported as contacts.
    pub contacts: usize,
    /// Records not imported.
    pub skipped: usize,
    /// The first [`MAX_PROBLEMS`] skipped records, with where and why.
    pub problems: Vec<SourceProblem>,
    /// Values left out of imported contacts (a phone value without digits, an e-mail value
    /// without an address).
    pub dropped: usize,
    /// The first [`MAX_PROBLEMS`] of them, with where and why.
    pub drops: Vec<SourceProblem>,
    /// List every problem, not the first [`MAX_PROBLEMS`] (`check-config --read-sources`).
    #[serde(skip)]
    pub(crate) list_all: bool,
}

impl LoadReport {
    fn skip(&mut self, location: String, reason: String) {
        self.records += 1;
        self.skipped += 1;
        if self.list_all || self.problems.len() < MAX_PROBLEMS {
            self.problems.push(SourceProblem { location, reason });
        }
    }

    fn drop_value(&mut self, location: &dyn Display, reason: &str) {
        self.dropped += 1;
        if self.list_all || self.drops.len() < MAX_PROBLEMS {
            self.drops.push(SourceProblem {
                location: location.to_string(),
                reason: reason.to_owned(),
            });
        }
    }

    /// Every record accounted for: imported or skipped.
    pub fn is_balanced(&self) -> bool {
        self.records == self.contacts + self.skipped
    }
}

/// One record as a reader understood it. Whatever the reader leaves out stays empty; the
/// emitter composes the name and the id the same way for every kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The source's own id for the record (a key column, UID, objectGUID). Without one the
    /// id is derived from its name, first email, company and first number, the same way
    /// for every source kind.
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub honorific: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub surname: Option<String>,
    pub company: Option<String>,
    pub department: Option<String>,
    pub job_title: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<Phone>,
    pub address: Address,
    pub upn: Option<String>,
}

impl Entry {
    /// The name people see: as the source gives it, else from its parts, else the company.
    fn name(&self) -> Option<String> {
        self.display_name
            .as_deref()
            .and_then(non_empty)
            .or_else(|| {
                compose_name(&[
                    self.honorific.as_deref(),
                    self.given_name.as_deref(),
                    self.middle_name.as_deref(),
                    self.surname.as_deref(),
                ])
            })
            .or_else(|| self.company.as_deref().and_then(non_empty))
    }
}

impl Entry {
    /// Every text in composed form (NFC): files written on macOS store `ü` as `u` + U+0308,
    /// which looks the same but compares, sorts and copies differently.
    fn compose_unicode(&mut self) {
        let Entry {
            id: _,
            display_name,
            honorific,
            given_name,
            middle_name,
            surname,
            company,
            department,
            job_title,
            emails,
            phones,
            address,
            upn,
        } = self;
        for text in [
            display_name,
            honorific,
            given_name,
            middle_name,
            surname,
            company,
            department,
            job_title,
            upn,
            &mut address.street,
            &mut address.postal_code,
            &mut address.city,
            &mut address.region,
            &mut address.country,
        ]
        .into_iter()
        .flatten()
        {
            nfc(text);
        }
        emails.iter_mut().for_each(nfc);
        phones.iter_mut().for_each(|p| nfc(&mut p.raw));
    }
}

/// `text` in NFC, allocating only when it is not already.
fn nfc(text: &mut String) {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if is_nfc_quick(text.chars()) != IsNormalized::Yes {
        *text = text.nfc().collect();
    }
}

impl From<Contact> for Entry {
    fn from(c: Contact) -> Self {
        Entry {
            id: Some(c.id),
            display_name: Some(c.display_name),
            given_name: c.given_name,
            surname: c.surname,
            company: c.company,
            department: c.department,
            job_title: c.job_title,
            emails: c.emails,
            phones: c.phones,
            address: c.address.unwrap_or_default(),
            upn: c.upn,
            ..Entry::default()
        }
    }
}

/// Receives a reader's records and hands the contacts to the sink.
pub struct Emitter<'s> {
    source: SourceRef,
    name_fields: &'static str,
    sink: &'s mut dyn ContactSink,
    /// Entry id → where it was first seen; `None` for a kind whose ids are unique by
    /// construction (the demo generator), which saves a map of every id.
    seen: Option<HashMap<String, String>>,
    /// Records the reader counted on its own, independently of parsing them, and what they
    /// are called: what parsing missed is reported instead of lost.
    expected: Option<(usize, &'static str)>,
    report: LoadReport,
}

impl<'s> Emitter<'s> {
    pub fn new(
        source: SourceRef,
        name_fields: &'static str,
        unique_ids: bool,
        sink: &'s mut dyn ContactSink,
    ) -> Self {
        Emitter {
            source,
            name_fields,
            sink,
            seen: (!unique_ids).then(HashMap::new),
            expected: None,
            report: LoadReport::default(),
        }
    }

    /// Lists every skipped record and left-out value in the report, however many.
    pub fn listing_every_problem(mut self) -> Self {
        self.report.list_all = true;
        self
    }

    /// The source holds `records` records (`what`: "cards"), counted without parsing them —
    /// e.g. the `BEGIN:VCARD` lines of a vCard file. Any the reader does not hand over are
    /// reported as skipped.
    pub fn expect(&mut self, records: usize, what: &'static str) {
        let (before, _) = self.expected.unwrap_or((0, what));
        self.expected = Some((before + records, what));
    }

    /// The record at `location` (`line 17`, `card 4 (line 30)`, `entry 12`): imported, or
    /// skipped with the reason when it has no name or repeats an id. The location is only
    /// written out when it is needed.
    pub fn emit(&mut self, location: impl Display, mut entry: Entry) -> Result<(), SourceError> {
        let Some(display_name) = entry.name() else {
            let reason = format!("no name: {} are empty", self.name_fields);
            self.report.skip(location.to_string(), reason);
            return Ok(());
        };
        let id = entry.id.clone().unwrap_or_else(|| {
            derived_id(
                &display_name,
                &entry.emails,
                entry.company.as_deref(),
                &entry.phones,
            )
        });
        if let Some(seen) = &mut self.seen {
            if let Some(first) = seen.get(&id) {
                let reason = format!("same id as {first}");
                self.report.skip(location.to_string(), reason);
                return Ok(());
            }
            seen.insert(id.clone(), location.to_string());
        }
        // After the id: an id derived from the record as written stays the same when the
        // rules for values change.
        self.keep_valid_values(&location, &mut entry);
        let mut display_name = display_name;
        entry.compose_unicode();
        nfc(&mut display_name);
        let contact = Contact {
            id: format!("{}:{id}", self.source.id),
            source: self.source.clone(),
            display_name,
            given_name: entry.given_name,
            surname: entry.surname,
            company: entry.company,
            department: entry.department,
            job_title: entry.job_title,
            emails: entry.emails,
            phones: entry.phones,
            address: (!entry.address.is_empty()).then_some(entry.address),
            upn: entry.upn,
        };
        self.sink.push(contact)?;
        self.report.records += 1;
        self.report.contacts += 1;
        Ok(())
    }

    /// Leaves out what is not a phone number or an e-mail address: shown or offered as one,
    /// it could only fail.
    fn keep_valid_values(&mut self, location: &dyn Display, entry: &mut Entry) {
        let report = &mut self.report;
        entry.phones.retain(|p| {
            let number = is_phone_number(&p.raw);
            if !number {
                report.drop_value(
                    location,
                    "a phone value without any digit is not a number; left out",
                );
            }
            number
        });
        entry.emails = std::mem::take(&mut entry.emails)
            .into_iter()
            .filter_map(|e| {
                let address = email_address(&e);
                if address.is_none() {
                    report.drop_value(
                        location,
                        "an e-mail value that is not an address (name@domain); left out",
                    );
                }
                address
            })
            .collect();
    }

    /// A value the reader had to change or leave out before the record could be emitted
    /// (cut at the reader's limit, read in a fallback encoding), with the reason.
    pub fn report_value(&mut self, location: impl Display, reason: &str) {
        self.report.drop_value(&location, reason);
    }

    /// A record that cannot be used at all (unreadable, cut off), with the reason.
    pub fn skip(&mut self, location: impl Display, reason: impl Into<String>) {
        self.report.skip(location.to_string(), reason.into());
    }

    pub fn finish(mut self) -> LoadReport {
        if let Some((expected, what)) = self.expected
            && expected > self.report.records
        {
            let missing = expected - self.report.records;
            self.report.skip(
                String::from("the whole source"),
                format!(
                    "{missing} of {expected} {what} could not be read at all; check the file's format"
                ),
            );
            // One problem line, but every missing record counted.
            self.report.records += missing - 1;
            self.report.skipped += missing - 1;
        }
        debug_assert!(self.report.is_balanced(), "{:?}", self.report);
        self.report
    }
}

/// A stable id for an entry without one: FNV-1a over what identifies the person, so the
/// same row gets the same id on every refresh and every machine.
pub fn content_id(parts: &[&str]) -> String {
    let hash = parts.iter().fold(crate::fnv::OFFSET, |hash, part| {
        // A unit separator after each part, so ("ab", "c") and ("a", "bc") differ.
        crate::fnv::extend(crate::fnv::extend(hash, part.as_bytes()), &[0x1f])
    });
    format!("{hash:016x}")
}

/// The id of an entry whose source gives none: from its name, first email, company and
/// first number, the same way for every source kind.
fn derived_id(
    display_name: &str,
    emails: &[String],
    company: Option<&str>,
    phones: &[Phone],
) -> String {
    content_id(&[
        display_name,
        emails.first().map_or("", String::as_str),
        company.unwrap_or(""),
        phones.first().map_or("", |p| p.raw.as_str()),
    ])
}

/// A phone value has digits; `BusinessPhone`, `n/a` or `keine` do not.
pub fn is_phone_number(raw: &str) -> bool {
    raw.bytes().any(|b| b.is_ascii_digit())
}

/// The address in an e-mail value (`anna@x.de`, `mailto:anna@x.de`, `Anna Berg
/// <anna@x.de>`), or `None` when there is none.
pub fn email_address(value: &str) -> Option<String> {
    let value = value.trim();
    let value = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    let value = value.strip_prefix("mailto:").unwrap_or(value).trim();
    let (local, domain) = value.rsplit_once('@')?;
    let valid = !local.is_empty()
        && !domain.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.contains(char::is_whitespace);
    valid.then(|| value.to_owned())
}

/// A display name from parts: honorific, given, middle, surname.
pub fn compose_name(parts: &[Option<&str>]) -> Option<String> {
    let words: Vec<&str> = parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// `Some(trimmed)` unless empty.
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kontakt_api::PhoneKind;

    fn emit_all(entries: Vec<(&str, Entry)>) -> (Vec<Contact>, LoadReport) {
        let mut contacts = Vec::new();
        let mut sink = |c: Contact| {
            contacts.push(c);
            Ok(())
        };
        let source = SourceRef {
            id: "crm".into(),
            name: "CRM".into(),
        };
        let mut out = Emitter::new(source, "the name columns", false, &mut sink);
        for (at, entry) in entries {
            out.emit(at, entry).unwrap();
        }
        let report = out.finish();
        (contacts, report)
    }

    #[test]
    fn every_text_is_stored_composed() {
        let mut entry = Entry {
            display_name: Some("Peter Wu\u{308}st".into()),
            company: Some("Ba\u{308}ckerei".into()),
            address: Address {
                city: Some("Mu\u{308}nchen".into()),
                ..Address::default()
            },
            ..Entry::default()
        };
        entry.compose_unicode();
        assert_eq!(entry.display_name.as_deref(), Some("Peter Wüst"));
        assert_eq!(entry.company.as_deref(), Some("Bäckerei"));
        assert_eq!(entry.address.city.as_deref(), Some("München"));
    }

    #[test]
    fn content_ids_are_stable_and_distinguish_parts() {
        assert_eq!(
            content_id(&["Anna", "a@b.c"]),
            content_id(&["Anna", "a@b.c"])
        );
        assert_ne!(
            content_id(&["Ann", "aa@b.c"]),
            content_id(&["Anna", "a@b.c"])
        );
        assert_eq!(content_id(&["x"]).len(), 16);
        // Ids derived this way are in snapshots and users' favourites: the value must never
        // change (computed independently as FNV-1a of "Anna␟a@x.de␟␟␟").
        assert_eq!(content_id(&["Anna", "a@x.de", "", ""]), "f175ec7554958a83");
    }

    #[test]
    fn names_ids_duplicates_and_counts_are_the_same_for_every_kind() {
        let anna = Entry {
            honorific: Some("Dr.".into()),
            given_name: Some("Anna".into()),
            surname: Some("Berg".into()),
            emails: vec!["a@x.de".into()],
            phones: vec![Phone::new(PhoneKind::Business, "089 1")],
            ..Entry::default()
        };
        let reception = Entry {
            id: Some("17".into()),
            company: Some("Alpen AG".into()),
            ..Entry::default()
        };
        let nameless = Entry {
            emails: vec!["x@y.de".into()],
            ..Entry::default()
        };
        let (contacts, report) = emit_all(vec![
            ("line 2", anna.clone()),
            ("line 3", reception.clone()),
            ("line 4", nameless),
            ("line 5", anna),
            ("line 6", reception),
        ]);
        assert_eq!(contacts.len(), 2);
        assert_eq!(contacts[0].display_name, "Dr. Anna Berg");
        assert_eq!(
            contacts[0].id,
            format!(
                "crm:{}",
                content_id(&["Dr. Anna Berg", "a@x.de", "", "089 1"])
            )
        );
        assert_eq!(contacts[0].address, None);
        assert_eq!(contacts[1].id, "crm:17");
        assert_eq!(contacts[1].display_name, "Alpen AG");
        assert_eq!(contacts[1].source.name, "CRM");
        assert_eq!(report.contacts, 2);
        assert_eq!(report.skipped, 3);
        let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "line 4: no name: the name columns are empty",
                "line 5: same id as line 2",
                "line 6: same id as line 3",
            ]
        );
    }
}
