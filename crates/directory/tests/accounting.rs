//! No record is lost without a word: over generated CSV and vCard files — every kind of
//! line end, five encodings, junk values, broken records, duplicates — every record the
//! file holds is either imported or skipped with a reason, and every value left out of an
//! imported contact is counted.

mod common;

use kontakt_api::Contact;
use kontakt_directory::sources::{LoadReport, email_address, is_phone_number};
use proptest::prelude::*;

/// What one generated record is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Record {
    Good,
    /// Imported, with a phone value that has no digit ("BusinessPhone").
    WordForNumber,
    /// Imported, with an e-mail value that is a name.
    NameForEmail,
    /// Skipped: nothing to call the contact.
    Nameless,
    /// Skipped: the same record again.
    Repeat,
    /// Skipped: malformed (a CSV row with too few fields; a card without END:VCARD).
    Broken,
}

fn record() -> impl Strategy<Value = Record> {
    prop_oneof![
        4 => Just(Record::Good),
        1 => Just(Record::WordForNumber),
        1 => Just(Record::NameForEmail),
        1 => Just(Record::Nameless),
        1 => Just(Record::Repeat),
        1 => Just(Record::Broken),
    ]
}

const LINE_ENDS: [&str; 4] = ["\n", "\r\n", "\r", "\r\r\n"];

#[derive(Clone, Copy, Debug)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Windows1252,
    Utf16LeBom,
    Utf16Le,
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(text).0.into_owned(),
        Encoding::Utf16LeBom => [
            vec![0xFF, 0xFE],
            text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ]
        .concat(),
        Encoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
    }
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Utf8),
        Just(Encoding::Utf8Bom),
        Just(Encoding::Windows1252),
        Just(Encoding::Utf16LeBom),
        Just(Encoding::Utf16Le),
    ]
}

/// What the report must say about `records`.
struct Expected {
    records: usize,
    contacts: usize,
    dropped: usize,
}

fn expected(records: &[Record]) -> Expected {
    let imported = |r: &&Record| {
        matches!(
            r,
            Record::Good | Record::WordForNumber | Record::NameForEmail
        )
    };
    Expected {
        records: records.len(),
        contacts: records.iter().filter(imported).count(),
        dropped: records
            .iter()
            .filter(|r| matches!(r, Record::WordForNumber | Record::NameForEmail))
            .count(),
    }
}

fn csv(records: &[Record], eol: &str) -> String {
    let mut rows = vec![String::from(
        "First Name,Last Name,Company,Business Street,Business Phone,E-mail Address",
    )];
    let mut last = None;
    for (i, r) in records.iter().enumerate() {
        let good = format!(
            "Jürgen{i},Müller,Groß KG,\"Hauptstraße {i}{eol}Hinterhaus\",089 1234-{i},j{i}@gross.example"
        );
        let row = match r {
            Record::Good => good.clone(),
            Record::WordForNumber => {
                format!("Anna{i},Weiß,Groß KG,,BusinessPhone,a{i}@gross.example")
            }
            Record::NameForEmail => format!("Lena{i},Schmidt,,,0171 {i},Lena Schmidt"),
            Record::Nameless => format!(",,,,089 999-{i},"),
            // A record is repeated whole; without an earlier one, this is the first.
            Record::Repeat => last.clone().unwrap_or_else(|| good.clone()),
            Record::Broken => format!("Only{i},Two"),
        };
        if matches!(r, Record::Good) {
            last = Some(row.clone());
        }
        rows.push(row);
    }
    rows.join(eol) + eol
}

fn vcard(records: &[Record], eol: &str) -> String {
    let mut cards = Vec::new();
    let mut last_uid = None;
    for (i, r) in records.iter().enumerate() {
        let uid = format!("uid-{i}");
        let card = |fn_: &str, tel: &str, email: &str, uid: &str, end: bool| {
            let mut lines = vec![String::from("BEGIN:VCARD"), String::from("VERSION:3.0")];
            if !fn_.is_empty() {
                lines.push(format!("FN:{fn_}"));
            }
            lines.push(format!("UID:{uid}"));
            lines.push(format!("TEL;TYPE=WORK:{tel}"));
            if !email.is_empty() {
                lines.push(format!("EMAIL:{email}"));
            }
            // A folded line, to be joined whatever the line ends.
            lines.push(String::from("NOTE:a note that goes on"));
            lines.push(String::from("  and on"));
            if end {
                lines.push(String::from("END:VCARD"));
            }
            lines.join(eol)
        };
        let text = match r {
            Record::Good => {
                last_uid = Some(uid.clone());
                card(
                    &format!("Jürgen Müller {i}"),
                    "089 1234",
                    "j@x.example",
                    &uid,
                    true,
                )
            }
            Record::WordForNumber => card(&format!("Anna {i}"), "MobilePhone", "", &uid, true),
            Record::NameForEmail => {
                card(&format!("Lena {i}"), "0171 1", "Lena Schmidt", &uid, true)
            }
            Record::Nameless => card("", "089 999", "", &uid, true),
            Record::Repeat => match &last_uid {
                Some(first) => card(&format!("Again {i}"), "089 1", "", first, true),
                None => {
                    last_uid = Some(uid.clone());
                    card(&format!("First {i}"), "089 1", "", &uid, true)
                }
            },
            Record::Broken => card(&format!("Cut {i}"), "089 2", "", &uid, false),
        };
        cards.push(text);
    }
    cards.join(eol) + eol
}

/// `Repeat` without an earlier good record is imported like a good one.
fn effective(records: &[Record]) -> Vec<Record> {
    let mut seen_good = false;
    records
        .iter()
        .map(|r| match r {
            Record::Good => {
                seen_good = true;
                Record::Good
            }
            Record::Repeat if !seen_good => {
                seen_good = true;
                Record::Good
            }
            r => *r,
        })
        .collect()
}

fn check(contacts: &[Contact], report: &LoadReport, want: &Expected) {
    assert_eq!(report.records, want.records, "records seen: {report:?}");
    assert_eq!(report.contacts + report.skipped, report.records);
    assert_eq!(report.contacts, want.contacts, "{report:?}");
    assert_eq!(contacts.len(), report.contacts);
    assert_eq!(report.skipped, report.problems.len(), "every skip says why");
    assert_eq!(report.dropped, want.dropped, "{report:?}");
    for c in contacts {
        assert!(c.phones.iter().all(|p| is_phone_number(&p.raw)), "{c:?}");
        assert!(
            c.emails
                .iter()
                .all(|e| email_address(e).as_ref() == Some(e)),
            "{c:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_csv_row_is_imported_or_reported(
        records in prop::collection::vec(record(), 1..25),
        eol in prop::sample::select(LINE_ENDS.to_vec()),
        encoding in encoding(),
    ) {
        let records = effective(&records);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.csv");
        std::fs::write(&path, encode(&csv(&records, eol), encoding)).unwrap();
        let (contacts, report) = common::load_file("csv", &path);
        check(&contacts, &report, &expected(&records));
    }

    #[test]
    fn every_vcard_is_imported_or_reported(
        records in prop::collection::vec(record(), 1..25),
        eol in prop::sample::select(LINE_ENDS.to_vec()),
        encoding in encoding(),
    ) {
        let records = effective(&records);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.vcf");
        std::fs::write(&path, encode(&vcard(&records, eol), encoding)).unwrap();
        let (contacts, report) = common::load_file("vcard", &path);
        check(&contacts, &report, &expected(&records));
    }
}
