//! Files written the way real address books write them (iOS, Outlook 2003, Android, Gmail,
//! Thunderbird, macOS, Evolution, KAddressBook; our own content in their formats): every
//! card or row is imported or reported, and values that are not what they claim to be are
//! left out and counted. `docs/sources.md` lists these programs as known to work.

mod common;

use std::path::{Path, PathBuf};

use kontakt_api::{Contact, PhoneKind};
use kontakt_directory::sources::LoadReport;

fn export(name: &str) -> PathBuf {
    // Cargo sets it when running the test too: the checkout being tested, even when the
    // binary was built (identically) from another checkout sharing the target folder.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("tests/exports")
        .join(name)
}

fn load(kind: &str, path: &Path) -> (Vec<Contact>, LoadReport) {
    let (contacts, report) = common::load_file(kind, path);
    assert!(report.is_balanced(), "{report:?}");
    (contacts, report)
}

fn named<'c>(contacts: &'c [Contact], name: &str) -> &'c Contact {
    contacts
        .iter()
        .find(|c| c.display_name == name)
        .unwrap_or_else(|| panic!("{name} was not imported"))
}

fn raws(c: &Contact) -> Vec<&str> {
    c.phones.iter().map(|p| p.raw.as_str()).collect()
}

#[test]
fn ios_cards_with_cr_cr_lf_line_ends_import_with_all_seven_numbers() {
    let (contacts, report) = load("vcard", &export("ios.vcf"));
    assert_eq!((report.records, report.contacts, report.skipped), (2, 2, 0));
    let anna = named(&contacts, "Anna Müller");
    assert_eq!(anna.phones.len(), 7, "{:?}", raws(anna));
    assert_eq!(anna.company.as_deref(), Some("Adlermöbel KG"));
    assert_eq!(anna.department.as_deref(), Some("Einkauf"));
    assert_eq!(anna.city(), Some("München"));
    assert_eq!(anna.emails, ["anna.mueller@adlermoebel.example"]);
    let kinds: Vec<PhoneKind> = anna.phones.iter().map(|p| p.kind).collect();
    assert!(kinds.contains(&PhoneKind::Fax) && kinds.contains(&PhoneKind::Home));
    assert_eq!(named(&contacts, "Empfang Adlermöbel").phones.len(), 1);
}

#[test]
fn outlook_2003_words_in_number_fields_are_left_out_and_counted() {
    let (contacts, report) = load("vcard", &export("outlook2003.vcf"));
    assert_eq!((report.records, report.contacts), (1, 1));
    let j = named(&contacts, "Jürgen Weiß");
    assert_eq!(raws(j), ["+49 (911) 2345-0"]);
    assert_eq!(j.company.as_deref(), Some("Bäckerei Groß GmbH"));
    assert_eq!(j.city(), Some("Nürnberg"));
    assert_eq!(report.dropped, 3);
    for drop in &report.drops {
        assert_eq!(drop.location, "card 1 (line 1)");
        assert!(drop.reason.contains("without any digit"), "{drop}");
        // Reports go to logs: they say where and why, never what the value was.
        for word in ["HomePhone", "MobilePhone", "BusinessFaxPhone"] {
            assert!(!drop.to_string().contains(word), "{drop}");
        }
    }
}

#[test]
fn an_android_email_holding_a_name_is_left_out() {
    let (contacts, report) = load("vcard", &export("android.vcf"));
    assert_eq!((report.records, report.contacts), (2, 2));
    let lena = named(&contacts, "Lena Schmidt");
    assert_eq!(lena.emails, ["lena.schmidt@alpen.example"]);
    assert_eq!(report.dropped, 1);
    assert!(report.drops[0].reason.contains("not an address"));
    assert_eq!(named(&contacts, "Deniz Öztürk").phones.len(), 1);
}

#[test]
fn gmail_thunderbird_macos_evolution_and_kaddressbook_cards() {
    let (contacts, report) = load("vcard", &export("gmail.vcf"));
    assert_eq!((report.contacts, report.dropped), (1, 0));
    let peter = named(&contacts, "Peter O'Brien");
    assert_eq!(peter.emails.len(), 2);
    assert_eq!(peter.phones.len(), 2);
    assert_eq!(peter.job_title.as_deref(), Some("Account Manager"));

    let (contacts, _) = load("vcard", &export("thunderbird.vcf"));
    let claire = named(&contacts, "Claire Dubois");
    assert_eq!(claire.id, "x:6f0c7a9e-2d1b-4b5e-9b41-2f6c4f3a8e11");
    let kinds: Vec<PhoneKind> = claire.phones.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PhoneKind::Business, PhoneKind::Mobile]);

    let (contacts, _) = load("vcard", &export("macos.vcf"));
    let thomas = named(&contacts, "Dr. Thomas Berger");
    assert_eq!(thomas.city(), Some("Köln"));
    assert_eq!(thomas.emails, ["t.berger@berger-partner.example"]);

    let (contacts, _) = load("vcard", &export("evolution.vcf"));
    let sabine = named(&contacts, "Sabine Köhler");
    assert_eq!(sabine.department.as_deref(), Some("Entwicklung"));
    assert_eq!(sabine.phones[0].kind, PhoneKind::Business);

    let (contacts, report) = load("vcard", &export("kaddressbook.vcf"));
    assert_eq!((report.contacts, report.skipped, report.dropped), (1, 0, 0));
    assert_eq!(named(&contacts, "Markus Lang").phones.len(), 2);
}

#[test]
fn a_folder_of_every_export_accounts_for_every_card() {
    let (contacts, report) = load("vcard", &export(""));
    assert_eq!(report.records, 10, "{report:?}");
    assert_eq!(contacts.len(), 10);
    assert_eq!(report.skipped, 0, "{:?}", report.problems);
    assert_eq!(report.dropped, 4);
}

#[test]
fn csv_with_ios_and_classic_mac_line_ends() {
    let (contacts, report) = load("csv", &export("ios.csv"));
    assert_eq!((report.records, report.contacts, report.skipped), (2, 2, 0));
    assert_eq!(
        raws(named(&contacts, "Anna Müller")),
        ["089 4520-117", "0171 2233445"]
    );
    assert_eq!(named(&contacts, "Jens Hansen").phones.len(), 1);

    let (contacts, report) = load("csv", &export("classic-mac.csv"));
    assert_eq!((report.records, report.contacts, report.skipped), (2, 2, 0));
    assert!(named(&contacts, "Otto Becker").phones.is_empty());
    assert_eq!(report.dropped, 1);
    assert_eq!(report.drops[0].location, "line 3");
}
