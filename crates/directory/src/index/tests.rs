//! The search rules of `docs/search.md`, one test per rule, on a small hand-made directory.

use kontakt_api::{Address, Contact, Highlight, Phone, PhoneKind, SearchHit, SourceRef};

use crate::Directory;
use crate::phone::{PhoneNormalizer, munich};

fn person(id: &str, name: &str) -> Contact {
    let mut parts = name.rsplitn(2, ' ');
    let surname = parts.next().map(str::to_owned);
    let given = parts.next().map(str::to_owned);
    Contact {
        id: format!("t:{id}"),
        source: SourceRef {
            id: "t".into(),
            name: "Test".into(),
        },
        display_name: name.into(),
        given_name: given,
        surname,
        ..Contact::default()
    }
}

fn with(mut c: Contact, f: impl FnOnce(&mut Contact)) -> Contact {
    f(&mut c);
    c
}

fn phone(raw: &str) -> Phone {
    Phone::new(PhoneKind::Business, raw)
}

fn directory() -> Directory {
    let contacts = vec![
        with(person("1", "Jürgen Müller"), |c| {
            c.company = Some("Müller & Söhne GmbH".into());
            c.department = Some("Vertrieb".into());
            c.emails = vec!["juergen.mueller@mueller-soehne.de".into()];
            c.phones = vec![phone("+49 (0)89 123456-78")];
            c.address = Some(Address {
                city: Some("München".into()),
                ..Address::default()
            });
        }),
        with(person("2", "Anna Mueller"), |c| {
            c.department = Some("Einkauf".into());
            c.phones = vec![phone("089/7654321")];
        }),
        with(person("3", "Peter Muller"), |c| {
            c.phones = vec![phone("0171 2345678")]
        }),
        person("4", "Hans Meier"),
        person("5", "Karl Mayer"),
        person("6", "Eva Maier"),
        person("7", "Otto Meyer"),
        person("8", "Klaus Schmidt"),
        person("9", "Jens Schmitt"),
        with(person("10", "Lena Berg"), |c| {
            c.company = Some("Straßenbau Groß GmbH".into())
        }),
        with(person("11", "Felix Bergmann"), |c| {
            c.company = Some("Gross Logistik".into())
        }),
        with(person("12", "Sarah Johnson"), |c| {
            c.job_title = Some("Sales Manager".into());
            c.address = Some(Address {
                city: Some("London".into()),
                ..Address::default()
            });
            c.phones = vec![phone("+44 20 7946 0123")];
        }),
        with(person("13", "John Smith"), |c| {
            c.company = Some("Smith & Jones Ltd".into())
        }),
        with(person("14", "Klaus Weber"), |c| {
            c.department = Some("Einkauf".into())
        }),
        with(person("15", "Anna Berger"), |c| {
            c.company = Some("Weber GmbH".into())
        }),
        with(person("16", "Otto Weber"), |c| {
            c.company = Some("Weber AG".into())
        }),
        with(person("17", "Maria Zimmermann"), |c| {
            c.phones = vec![phone("-78"), phone("0151 11223344")]
        }),
        with(person("18", "Bernd Vogel"), |c| {
            c.phones = vec![phone("+49 89 452000 79")]
        }),
    ];
    Directory::build(contacts, munich())
}

fn ids(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter()
        .map(|h| h.contact.id.strip_prefix("t:").unwrap())
        .collect()
}

fn search(d: &Directory, q: &str) -> Vec<String> {
    ids(&d.search(q, 100).hits)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn marked(hit: &SearchHit, field: &str, text: &str) -> Vec<String> {
    let ranges = &hit
        .highlights
        .iter()
        .find(|h| h.field == field)
        .unwrap_or_else(|| panic!("no highlight for {field} in {:?}", hit.highlights))
        .ranges;
    Highlight::split(text, ranges)
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(s, _)| s.to_owned())
        .collect()
}

#[test]
fn words_are_and_combined_prefixes_of_words() {
    let d = directory();
    assert_eq!(search(&d, "anna mue"), ["2"]);
    assert_eq!(search(&d, "mue anna"), ["2"]);
    assert_eq!(search(&d, "Jür Mül"), ["1"]);
    assert!(search(&d, "anna zzz").is_empty());
    // The start of a word, not the middle.
    assert!(!search(&d, "uller").contains(&"1".to_owned()));
}

#[test]
fn every_searchable_field_counts() {
    let d = directory();
    assert_eq!(search(&d, "vertrieb"), ["1"]);
    assert_eq!(search(&d, "sales"), ["12"]);
    assert_eq!(search(&d, "london"), ["12"]);
    assert_eq!(search(&d, "münchen"), ["1"]);
    assert!(search(&d, "juergen").contains(&"1".to_owned()));
    // The email's domain is not searched.
    assert!(search(&d, "soehne").contains(&"1".to_owned())); // company "Söhne"
    assert!(!search(&d, "de").contains(&"1".to_owned()));
}

#[test]
fn minus_excludes() {
    let d = directory();
    let all = search(&d, "müller");
    assert!(all.contains(&"1".to_owned()));
    let without = search(&d, "müller -vertrieb");
    assert!(!without.contains(&"1".to_owned()));
    assert_eq!(without.len(), all.len() - 1);
    assert!(
        !search(&d, "müller -vert").contains(&"1".to_owned()),
        "exclusions match prefixes"
    );
    assert!(
        search(&d, "-müller").is_empty(),
        "only exclusions: nothing to search for"
    );
}

#[test]
fn umlauts_and_eszett_fold_together() {
    let d = directory();
    let expected = ["1", "2", "3"];
    for q in ["Müller", "Mueller", "Muller", "MÜLLER"] {
        let found = search(&d, q);
        for id in expected {
            assert!(
                found.contains(&id.to_owned()),
                "{q} should find {id}: {found:?}"
            );
        }
    }
    assert_eq!(search(&d, "Strassenbau"), ["10"]);
    assert_eq!(search(&d, "Straßenbau"), ["10"]);
    let gross = search(&d, "Groß");
    assert!(gross.contains(&"10".to_owned()) && gross.contains(&"11".to_owned()));
    assert_eq!(search(&d, "Gross"), gross);
}

#[test]
fn typos_one_edit_from_five_letters_first_letter_fixed() {
    let d = directory();
    assert!(
        search(&d, "Mülelr").contains(&"1".to_owned()),
        "transposition"
    );
    assert!(search(&d, "Schmdit").contains(&"8".to_owned()));
    assert!(search(&d, "Bergmnan").contains(&"11".to_owned()));
    assert!(search(&d, "Johnsen").contains(&"12".to_owned()));
    // Four letters: no typos.
    assert!(search(&d, "Lenx").is_empty());
    // Not on the first letter of a short word (and "Tüller" sounds like nobody).
    assert!(!search(&d, "Tüller").contains(&"1".to_owned()));
}

#[test]
fn typos_two_edits_from_nine_letters_anywhere() {
    let d = directory();
    assert!(search(&d, "Zimmermann").contains(&"17".to_owned()));
    assert!(
        search(&d, "Simmermann").contains(&"17".to_owned()),
        "first letter may change"
    );
    assert!(
        search(&d, "Zimermnann").contains(&"17".to_owned()),
        "two edits"
    );
    assert!(
        search(&d, "Zabbermann").is_empty(),
        "three edits are too many"
    );
}

#[test]
fn sound_alike_names() {
    let d = directory();
    let meyer = search(&d, "Meyer");
    for id in ["4", "5", "6", "7"] {
        assert!(
            meyer.contains(&id.to_owned()),
            "Meyer should find {id}: {meyer:?}"
        );
    }
    assert_eq!(meyer[0], "7", "the exact spelling comes first");
    assert!(search(&d, "Schmitt").contains(&"8".to_owned()));
    assert!(search(&d, "Schmidt").contains(&"9".to_owned()));
    // Only names sound alike: "Vertrip" sounds like the department "Vertrieb" but is too
    // far for a typo, so nothing matches.
    assert!(search(&d, "Vertrib").contains(&"1".to_owned()), "a typo");
    assert!(
        search(&d, "Färtrip").is_empty(),
        "no phonetic match outside names"
    );
}

#[test]
fn ranking_exact_then_prefix_then_typo_then_phonetic() {
    let d = directory();
    let found = search(&d, "Berg");
    // Berg (exact) before Bergmann and Berger (prefixes).
    assert_eq!(found[0], "10");
    assert!(found[1..3].contains(&"11".to_owned()) && found[1..3].contains(&"15".to_owned()));
    let found = search(&d, "Mayer");
    assert_eq!(found[0], "5", "exact");
    let pos = |id: &str| found.iter().position(|f| f == id).unwrap();
    // Meier/Maier/Meyer are typos of Mayer (one edit) and sound alike: typo tier wins.
    assert!(pos("4") > 0 && pos("6") > 0 && pos("7") > 0);
}

#[test]
fn ranking_prefers_names_then_more_fields_then_name_order() {
    let d = directory();
    // Otto Weber (name + company), Klaus Weber (name), Anna Berger (company only).
    assert_eq!(search(&d, "weber"), ["16", "14", "15"]);
    // Equal scores: name order, stable.
    // Equal scores: name order ("Anna Berger" before "Anna Mueller"), stable.
    assert_eq!(search(&d, "anna"), ["15", "2"]);
}

#[test]
fn highlights_mark_what_matched_in_the_original_text() {
    let d = directory();
    let r = d.search("jür mül", 5);
    let hit = &r.hits[0];
    assert_eq!(marked(hit, "display_name", "Jürgen Müller"), ["Jür", "Mül"]);
    assert_eq!(marked(hit, "company", "Müller & Söhne GmbH"), ["Mül"]);
    // "mül" matched "mueller" in the email: three folded letters are four written ones.
    assert_eq!(
        marked(hit, "emails[0]", "juergen.mueller@mueller-soehne.de"),
        ["juer", "muel"]
    );
    // Only fields a word matched in are marked (and scanned).
    let fields: Vec<&str> = hit.highlights.iter().map(|h| h.field.as_str()).collect();
    assert_eq!(fields, ["display_name", "company", "emails[0]"]);
    let r = d.search("Meyer", 5);
    let maier = r
        .hits
        .iter()
        .find(|h| h.contact.display_name == "Eva Maier")
        .unwrap();
    assert_eq!(marked(maier, "display_name", "Eva Maier"), ["Maier"]);
}

#[test]
fn any_written_form_of_a_number_finds_it() {
    let d = directory();
    for q in [
        "+49 (0)89 123456-78",
        "+498912345678",
        "089 12345678",
        "089/123456-78",
        "0049 89 123456 78",
        "(089) 1234 5678",
    ] {
        assert_eq!(search(&d, q).first().map(String::as_str), Some("1"), "{q}");
    }
    assert_eq!(search(&d, "+44 20 7946 0123"), ["12"]);
    assert_eq!(search(&d, "0171 2345678"), ["3"]);
}

#[test]
fn number_prefixes_find_everything_under_them() {
    let d = directory();
    let munich = search(&d, "+49 89");
    for id in ["1", "2", "17", "18"] {
        assert!(munich.contains(&id.to_owned()), "{munich:?}");
    }
    assert!(!munich.contains(&"12".to_owned()));
    assert_eq!(search(&d, "089 7654"), ["2"]);
    // The company's main number finds its extensions.
    let company = search(&d, "+49 89 452000");
    assert!(company.contains(&"17".to_owned()) && company.contains(&"18".to_owned()));
}

#[test]
fn last_digits_find_an_extension() {
    let d = directory();
    // "-78" in the source is +49 89 452000 78; "678" ends Jürgen Müller's number.
    assert!(search(&d, "078").contains(&"17".to_owned()));
    // Both end in 5678; equal tier, so name order.
    assert_eq!(search(&d, "5678"), ["1", "3"]);
    let r = d.search("079", 5);
    assert_eq!(ids(&r.hits), ["18"]);
    // An extension of the company's own number is shown alone, and marked there.
    let phone = &r.hits[0].contact.phones[0];
    assert_eq!(phone.shown(), "79");
    assert_eq!(phone.extension_of.as_deref(), Some("089 452000-79"));
    assert_eq!(marked(&r.hits[0], "phones[0]", phone.shown()), ["79"]);
}

#[test]
fn number_highlights_follow_the_written_form() {
    let d = directory();
    let r = d.search("+49 89 1234", 5);
    assert_eq!(ids(&r.hits), ["1"]);
    // Shown in national form (the tenant is in Germany), marked where the digits are.
    let phone = &r.hits[0].contact.phones[0];
    assert_eq!(phone.raw, "+49 (0)89 123456-78");
    assert_eq!(phone.shown(), "089 12345678");
    assert_eq!(marked(&r.hits[0], "phones[0]", phone.shown()), ["089 1234"]);
}

#[test]
fn totals_count_all_matches_and_limits_cut_hits() {
    let d = directory();
    let r = d.search("m", 2);
    assert!(r.total > 2);
    assert_eq!(r.hits.len(), 2);
    assert_eq!(d.search("", 10).total, 0);
    assert_eq!(d.search("   ", 10).total, 0);
}

#[test]
fn the_short_word_fast_path_agrees_with_the_general_path() {
    let d = Directory::build(
        crate::demo::generate(3_000, 11),
        PhoneNormalizer::new(&crate::demo::dialing()).unwrap(),
    );
    for q in [
        "m", "mü", "mül", "a", "k", "it", "dr", "4", "zz", "be", "ber",
    ] {
        // An exclusion that excludes nothing forces the general path.
        let fast = d.search(q, 25);
        let general = d.search(&format!("{q} -qqqqqqqq"), 25);
        let all_ids = |r: &crate::SearchResults| {
            r.hits
                .iter()
                .map(|h| h.contact.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(fast.total, general.total, "{q}");
        assert_eq!(all_ids(&fast), all_ids(&general), "{q}");
        let scores = |r: &crate::SearchResults| r.hits.iter().map(|h| h.score).collect::<Vec<_>>();
        assert_eq!(scores(&fast), scores(&general), "{q}");
    }
}

#[test]
fn among_equal_matches_fewer_unmatched_name_words_come_first() {
    let d = Directory::build(
        vec![
            person("a", "Anna-Lena Thiel"),
            person("b", "Anna Thiel"),
            person("c", "Anna Maria Thiel"),
        ],
        munich(),
    );
    assert_eq!(search(&d, "anna thiel"), ["b", "a", "c"]);
    assert_eq!(search(&d, "thi"), ["b", "a", "c"]);
}

#[test]
fn a_weak_name_match_does_not_borrow_a_strong_match_elsewhere() {
    let d = Directory::build(
        vec![
            with(person("white", "Olivia White"), |c| {
                c.company = Some("Wood & Sons Ltd".into())
            }),
            person("wood", "Olivia Wood"),
        ],
        munich(),
    );
    // Both match both words exactly somewhere, but only Olivia Wood has "wood" in her name
    // at its best tier; for Olivia White it is only a sound-alike of "White".
    assert_eq!(search(&d, "olivia wood"), ["wood", "white"]);
}

/// Real exports: names with apostrophes and particles, found by the part after the
/// apostrophe, by the whole word with or without it, and with typos in the parts.
#[test]
fn names_with_apostrophes_are_found_every_way_people_type_them() {
    let d = Directory::build(
        vec![
            person("1", "Sean O'Brien"),
            person("2", "Luca D'Angelo"),
            person("3", "Maria Dell’Acqua"),
            person("4", "Jean d'Alembert"),
            person("5", "Anna Obermeier"),
            person("6", "Angela Merz"),
        ],
        munich(),
    );
    for (q, id) in [
        ("Brien", "1"),
        ("obrien", "1"),
        ("o brien", "1"),
        ("O'Brien", "1"),
        ("Angelo", "2"),
        ("dangelo", "2"),
        ("d angelo", "2"),
        ("D'Angelo", "2"),
        ("Angleo", "2"),
        ("Acqua", "3"),
        ("dellacqua", "3"),
        ("Dell Acqua", "3"),
        ("Aqcua", "3"),
        ("Alembert", "4"),
        ("d'alembert", "4"),
        ("Alembret", "4"),
    ] {
        let found = search(&d, q);
        assert_eq!(
            found.first().map(String::as_str),
            Some(id),
            "{q:?} found {found:?}"
        );
    }
    // The part is highlighted where it stands.
    let hits = d.search("Angelo", 5).hits;
    assert_eq!(
        marked(&hits[0], "display_name", "Luca D'Angelo"),
        ["Angelo"]
    );
}

/// Files written on macOS store ü as u + U+0308 (NFD): found by Wüst typed normally, and
/// the other way round.
#[test]
fn decomposed_umlauts_are_found_by_the_composed_spelling_and_back() {
    let d = Directory::build(
        vec![
            person("1", "Peter Wu\u{308}st"),
            person("2", "Jörg Ba\u{308}cker"),
            person("3", "Otto Wurst"),
        ],
        munich(),
    );
    assert_eq!(search(&d, "Wüst").first().map(String::as_str), Some("1"));
    assert_eq!(search(&d, "Wuest").first().map(String::as_str), Some("1"));
    assert_eq!(search(&d, "Baecker").first().map(String::as_str), Some("2"));
    assert_eq!(
        search(&d, "Jo\u{308}rg").first().map(String::as_str),
        Some("2")
    );
    let hits = d.search("wüst", 5).hits;
    assert_eq!(
        marked(&hits[0], "display_name", "Peter Wu\u{308}st"),
        ["Wu\u{308}st"]
    );
}

/// Numbers are shown the way people read them where the organisation is: its own
/// extensions alone, its country's numbers in national form, others internationally.
#[test]
fn numbers_are_shown_as_people_read_them_here() {
    let d = Directory::build(
        vec![with(person("1", "Anna Berg"), |c| {
            c.phones = vec![
                phone("-592"),
                phone("0049 451 3251542"),
                phone("(089) 452000-592"),
                phone("+41 61 604 94 54"),
                phone("+44 20 7946 0958"),
                phone("kein Anschluss 1"),
            ];
        })],
        munich(),
    );
    let contact = d.get("t:1").unwrap();
    let shown: Vec<(&str, Option<&str>)> = contact
        .phones
        .iter()
        .map(|p| (p.shown(), p.extension_of.as_deref()))
        .collect();
    assert_eq!(
        shown,
        [
            ("592", Some("089 452000-592")),
            ("0451 3251542", None),
            ("592", Some("089 452000-592")),
            ("+41 61 604 94 54", None),
            ("+44 20 7946 0958", None),
            ("kein Anschluss 1", None),
        ]
    );
    // The number as written stays, for the details view; calls use E.164.
    assert_eq!(contact.phones[1].raw, "0049 451 3251542");
    assert_eq!(contact.phones[1].e164.as_deref(), Some("+494513251542"));
    // What a snapshot keeps is the source's data only.
    assert!(d.contact(0).phones.iter().all(|p| p.display.is_none()));
}

/// A limit of 0 still counts every match, on every evaluation path (one word, several
/// words, a number), and leaves nothing behind for the next query.
#[test]
fn a_limit_of_zero_counts_and_leaves_no_state() {
    let d = directory();
    for q in [
        "muller",
        "anna mue",
        "089 123456",
        "+49 89 123456 78",
        "mul",
    ] {
        let all = d.search(q, 100);
        assert!(all.total > 0, "{q} finds something");
        let none = d.search(q, 0);
        assert_eq!((none.total, none.hits.len()), (all.total, 0), "{q}");
        assert_eq!(ids(&d.search(q, 100).hits), ids(&all.hits), "{q} again");
    }
}
