//! Which column (or LDAP attribute) holds which contact field, with presets for the
//! exports people actually have.

use kontakt_api::PhoneKind;
use serde::Deserialize;

/// A built-in mapping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Outlook's "Export to a file → CSV", with English or German column names.
    #[default]
    Outlook,
    /// Google Contacts' "Export → Google CSV", current and older column names.
    Google,
    /// Active Directory attributes (`givenName`, `sn`, `telephoneNumber`, …).
    ActiveDirectory,
    /// `inetOrgPerson` (OpenLDAP and most other directories).
    InetOrgPerson,
    /// No preset: only what `columns` names.
    Custom,
}

/// A mapping written in the configuration; it overrides the preset field by field. Every
/// field takes one name or a list of names, the first present one wins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    #[serde(default)]
    pub id: Option<Names>,
    #[serde(default)]
    pub display_name: Option<Names>,
    #[serde(default)]
    pub honorific: Option<Names>,
    #[serde(default)]
    pub given_name: Option<Names>,
    #[serde(default)]
    pub middle_name: Option<Names>,
    #[serde(default)]
    pub surname: Option<Names>,
    #[serde(default)]
    pub company: Option<Names>,
    #[serde(default)]
    pub department: Option<Names>,
    #[serde(default)]
    pub job_title: Option<Names>,
    /// Every listed column that holds an address contributes one.
    #[serde(default)]
    pub emails: Option<Names>,
    #[serde(default)]
    pub phones: Option<Vec<PhoneColumn>>,
    #[serde(default)]
    pub street: Option<Names>,
    #[serde(default)]
    pub postal_code: Option<Names>,
    #[serde(default)]
    pub city: Option<Names>,
    #[serde(default)]
    pub region: Option<Names>,
    #[serde(default)]
    pub country: Option<Names>,
    #[serde(default)]
    pub upn: Option<Names>,
}

/// One name, or several alternatives.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Names {
    One(String),
    Many(Vec<String>),
}

impl Names {
    pub fn list(&self) -> Vec<String> {
        match self {
            Names::One(s) => vec![s.clone()],
            Names::Many(v) => v.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneColumn {
    pub column: Names,
    #[serde(default = "business")]
    pub kind: PhoneKind,
}

fn business() -> PhoneKind {
    PhoneKind::Business
}

/// A mapping as lists of candidate names per field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldNames {
    pub id: Vec<String>,
    pub display_name: Vec<String>,
    pub honorific: Vec<String>,
    pub given_name: Vec<String>,
    pub middle_name: Vec<String>,
    pub surname: Vec<String>,
    pub company: Vec<String>,
    pub department: Vec<String>,
    pub job_title: Vec<String>,
    /// Each entry is one email slot with its candidate names.
    pub emails: Vec<Vec<String>>,
    pub phones: Vec<(Vec<String>, PhoneKind)>,
    /// Google's numbered `Phone N - Label`/`Phone N - Value` pairs.
    pub labeled_phones: Vec<(Vec<String>, Vec<String>)>,
    pub labeled_emails: Vec<Vec<String>>,
    pub street: Vec<String>,
    pub postal_code: Vec<String>,
    pub city: Vec<String>,
    pub region: Vec<String>,
    pub country: Vec<String>,
    pub upn: Vec<String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
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

impl FieldNames {
    /// The preset with `overrides` applied field by field.
    pub fn with(mut self, overrides: Option<&ColumnMapping>) -> Self {
        let Some(o) = overrides else {
            return self;
        };
        let set = |slot: &mut Vec<String>, v: &Option<Names>| {
            if let Some(v) = v {
                *slot = v.list();
            }
        };
        set(&mut self.id, &o.id);
        set(&mut self.display_name, &o.display_name);
        set(&mut self.honorific, &o.honorific);
        set(&mut self.given_name, &o.given_name);
        set(&mut self.middle_name, &o.middle_name);
        set(&mut self.surname, &o.surname);
        set(&mut self.company, &o.company);
        set(&mut self.department, &o.department);
        set(&mut self.job_title, &o.job_title);
        set(&mut self.street, &o.street);
        set(&mut self.postal_code, &o.postal_code);
        set(&mut self.city, &o.city);
        set(&mut self.region, &o.region);
        set(&mut self.country, &o.country);
        set(&mut self.upn, &o.upn);
        if let Some(emails) = &o.emails {
            self.emails = emails.list().into_iter().map(|e| vec![e]).collect();
            self.labeled_emails.clear();
        }
        if let Some(phones) = &o.phones {
            self.phones = phones.iter().map(|p| (p.column.list(), p.kind)).collect();
            self.labeled_phones.clear();
        }
        self
    }
}

/// Outlook's CSV export; German Outlook writes the same columns with German names.
fn outlook() -> FieldNames {
    FieldNames {
        id: vec![],
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
        labeled_emails: vec![],
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
        upn: vec![],
    }
}

/// Google Contacts' CSV: the current export (`Organization Name`, `Phone 1 - Label`) and
/// the older one (`Organization 1 - Name`, `Phone 1 - Type`).
fn google() -> FieldNames {
    let numbered = |n: usize, what: &str, parts: &[&str]| -> Vec<String> {
        parts.iter().map(|p| format!("{what} {n} - {p}")).collect()
    };
    FieldNames {
        id: vec![],
        display_name: names(&["Name", "File As"]),
        honorific: names(&["Name Prefix"]),
        given_name: names(&["First Name", "Given Name"]),
        middle_name: names(&["Middle Name", "Additional Name"]),
        surname: names(&["Last Name", "Family Name"]),
        company: names(&["Organization Name", "Organization 1 - Name"]),
        department: names(&["Organization Department", "Organization 1 - Department"]),
        job_title: names(&["Organization Title", "Organization 1 - Title"]),
        emails: vec![],
        phones: vec![],
        labeled_phones: (1..=6)
            .map(|n| {
                (
                    numbered(n, "Phone", &["Label", "Type"]),
                    numbered(n, "Phone", &["Value"]),
                )
            })
            .collect(),
        labeled_emails: (1..=4).map(|n| numbered(n, "E-mail", &["Value"])).collect(),
        street: names(&["Address 1 - Street"]),
        postal_code: names(&["Address 1 - Postal Code"]),
        city: names(&["Address 1 - City"]),
        region: names(&["Address 1 - Region"]),
        country: names(&["Address 1 - Country"]),
        upn: vec![],
    }
}

fn active_directory() -> FieldNames {
    FieldNames {
        id: names(&["objectGUID"]),
        display_name: names(&["displayName"]),
        honorific: vec![],
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
        labeled_emails: vec![],
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
        honorific: vec![],
        given_name: names(&["givenName"]),
        middle_name: vec![],
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
        labeled_emails: vec![],
        street: names(&["street"]),
        postal_code: names(&["postalCode"]),
        city: names(&["l"]),
        region: names(&["st"]),
        country: names(&["c"]),
        upn: vec![],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_preset_fields_only() {
        let mapping: ColumnMapping = toml::from_str(
            r#"company = "Firma/Organisation"
               phones = [{ column = "Tel", kind = "mobile" }]"#,
        )
        .unwrap();
        let f = Preset::Outlook.fields().with(Some(&mapping));
        assert_eq!(f.company, ["Firma/Organisation"]);
        assert_eq!(f.phones, [(vec!["Tel".to_owned()], PhoneKind::Mobile)]);
        assert_eq!(f.given_name, ["First Name", "Vorname"]);
    }

    #[test]
    fn unknown_mapping_keys_are_errors() {
        let err = toml::from_str::<ColumnMapping>(r#"firstname = "Vorname""#).unwrap_err();
        assert!(err.to_string().contains("firstname"), "{err}");
    }

    #[test]
    fn google_labels() {
        assert_eq!(phone_kind_of_label("* Mobile"), PhoneKind::Mobile);
        assert_eq!(phone_kind_of_label("Work Fax"), PhoneKind::Fax);
        assert_eq!(phone_kind_of_label("Work"), PhoneKind::Business);
        assert_eq!(phone_kind_of_label("Home"), PhoneKind::Home);
        assert_eq!(phone_kind_of_label(""), PhoneKind::Other);
    }
}
