//! The built-in mappings: the column names real exports use, and the attributes of the
//! directories people run.

use kontakt_api::PhoneKind;

use super::{FieldNames, Pick, Preset};

/// Alternative names of one column, the first present one wins.
fn names(list: &[&str]) -> Pick {
    Pick::first(list.iter().map(|s| (*s).to_owned()).collect())
}

impl Preset {
    pub fn fields(self) -> FieldNames {
        match self {
            Preset::Outlook => outlook(),
            Preset::Google => google(),
            Preset::ActiveDirectory => active_directory(),
            Preset::InetOrgPerson => inet_org_person(),
            Preset::Custom => FieldNames::default(),
        }
    }
}

/// Outlook's CSV export; German Outlook writes the same columns with German names.
fn outlook() -> FieldNames {
    FieldNames {
        id: Pick::default(),
        display_name: names(&["Display Name", "Anzeigename"]),
        honorific: names(&["Title", "Anrede"]),
        given_name: names(&["First Name", "Vorname"]),
        middle_name: names(&["Middle Name", "Weitere Vornamen", "2. Vorname"]),
        surname: names(&["Last Name", "Nachname"]),
        company: names(&["Company", "Firma"]),
        department: names(&["Department", "Abteilung"]),
        job_title: names(&["Job Title", "Position"]),
        emails: vec![
            names(&["E-mail Address", "E-Mail-Adresse"]),
            names(&["E-mail 2 Address", "E-Mail 2: Adresse", "E-Mail 2-Adresse"]),
            names(&["E-mail 3 Address", "E-Mail 3: Adresse", "E-Mail 3-Adresse"]),
        ],
        phones: vec![
            (
                names(&["Business Phone", "Telefon geschäftlich"]),
                PhoneKind::Business,
            ),
            (
                names(&["Business Phone 2", "Telefon geschäftlich 2"]),
                PhoneKind::Business,
            ),
            (
                names(&["Company Main Phone", "Telefon Firma"]),
                PhoneKind::Business,
            ),
            (names(&["Mobile Phone", "Mobiltelefon"]), PhoneKind::Mobile),
            (names(&["Car Phone", "Autotelefon"]), PhoneKind::Mobile),
            (names(&["Home Phone", "Telefon privat"]), PhoneKind::Home),
            (
                names(&["Home Phone 2", "Telefon privat 2"]),
                PhoneKind::Home,
            ),
            (names(&["Business Fax", "Fax geschäftlich"]), PhoneKind::Fax),
            (names(&["Home Fax", "Fax privat"]), PhoneKind::Fax),
            (
                names(&["Other Phone", "Weiteres Telefon"]),
                PhoneKind::Other,
            ),
            (names(&["Primary Phone", "Haupttelefon"]), PhoneKind::Other),
            (
                names(&["Assistant's Phone", "Telefon Assistent"]),
                PhoneKind::Other,
            ),
        ],
        labeled_phones: vec![],
        street: names(&["Business Street", "Straße geschäftlich"]),
        postal_code: names(&["Business Postal Code", "Postleitzahl geschäftlich"]),
        city: names(&["Business City", "Ort geschäftlich"]),
        region: names(&[
            "Business State",
            "Region geschäftlich",
            "Bundesland/Kanton geschäftlich",
        ]),
        country: names(&[
            "Business Country/Region",
            "Land/Region geschäftlich",
            "Land geschäftlich",
        ]),
        upn: Pick::default(),
    }
}

/// Google Contacts' CSV: the current export (`Organization Name`, `Phone 1 - Label`) and
/// the older one (`Organization 1 - Name`, `Phone 1 - Type`).
fn google() -> FieldNames {
    let numbered = |n: usize, what: &str, parts: &[&str]| -> Pick {
        Pick::first(parts.iter().map(|p| format!("{what} {n} - {p}")).collect())
    };
    FieldNames {
        id: Pick::default(),
        display_name: names(&["Name", "File As"]),
        honorific: names(&["Name Prefix"]),
        given_name: names(&["First Name", "Given Name"]),
        middle_name: names(&["Middle Name", "Additional Name"]),
        surname: names(&["Last Name", "Family Name"]),
        company: names(&["Organization Name", "Organization 1 - Name"]),
        department: names(&["Organization Department", "Organization 1 - Department"]),
        job_title: names(&["Organization Title", "Organization 1 - Title"]),
        emails: (1..=4).map(|n| numbered(n, "E-mail", &["Value"])).collect(),
        phones: vec![],
        labeled_phones: (1..=6)
            .map(|n| {
                (
                    numbered(n, "Phone", &["Label", "Type"]),
                    numbered(n, "Phone", &["Value"]),
                )
            })
            .collect(),
        street: names(&["Address 1 - Street"]),
        postal_code: names(&["Address 1 - Postal Code"]),
        city: names(&["Address 1 - City"]),
        region: names(&["Address 1 - Region"]),
        country: names(&["Address 1 - Country"]),
        upn: Pick::default(),
    }
}

fn active_directory() -> FieldNames {
    FieldNames {
        id: names(&["objectGUID"]),
        display_name: names(&["displayName"]),
        honorific: Pick::default(),
        given_name: names(&["givenName"]),
        middle_name: names(&["middleName"]),
        surname: names(&["sn"]),
        company: names(&["company"]),
        department: names(&["department"]),
        job_title: names(&["title"]),
        emails: vec![names(&["mail"])],
        phones: vec![
            (names(&["telephoneNumber"]), PhoneKind::Business),
            (names(&["otherTelephone"]), PhoneKind::Business),
            (names(&["mobile"]), PhoneKind::Mobile),
            (names(&["homePhone"]), PhoneKind::Home),
            (names(&["facsimileTelephoneNumber"]), PhoneKind::Fax),
            (names(&["ipPhone"]), PhoneKind::Other),
        ],
        labeled_phones: vec![],
        street: names(&["streetAddress"]),
        postal_code: names(&["postalCode"]),
        city: names(&["l"]),
        region: names(&["st"]),
        country: names(&["co", "c"]),
        upn: names(&["userPrincipalName"]),
    }
}

fn inet_org_person() -> FieldNames {
    FieldNames {
        id: names(&["entryUUID"]),
        display_name: names(&["displayName", "cn"]),
        honorific: Pick::default(),
        given_name: names(&["givenName"]),
        middle_name: Pick::default(),
        surname: names(&["sn"]),
        company: names(&["o"]),
        department: names(&["ou", "departmentNumber"]),
        job_title: names(&["title"]),
        emails: vec![names(&["mail"])],
        phones: vec![
            (names(&["telephoneNumber"]), PhoneKind::Business),
            (names(&["mobile"]), PhoneKind::Mobile),
            (names(&["homePhone"]), PhoneKind::Home),
            (names(&["facsimileTelephoneNumber"]), PhoneKind::Fax),
        ],
        labeled_phones: vec![],
        street: names(&["street"]),
        postal_code: names(&["postalCode"]),
        city: names(&["l"]),
        region: names(&["st"]),
        country: names(&["c"]),
        upn: Pick::default(),
    }
}

/// Google's phone labels (`Mobile`, `Work`, `Work Fax`, `* Mobile`, …) → kind.
pub fn phone_kind_of_label(label: &str) -> PhoneKind {
    let l = label
        .trim()
        .trim_start_matches('*')
        .trim()
        .to_ascii_lowercase();
    if l.contains("fax") {
        PhoneKind::Fax
    } else if l.contains("mobile") || l.contains("handy") || l.contains("mobil") || l == "cell" {
        PhoneKind::Mobile
    } else if l.contains("work")
        || l.contains("arbeit")
        || l.contains("main")
        || l.contains("geschäft")
    {
        PhoneKind::Business
    } else if l.contains("home") || l.contains("privat") {
        PhoneKind::Home
    } else {
        PhoneKind::Other
    }
}
