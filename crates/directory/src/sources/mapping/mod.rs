//! Which column (or LDAP attribute) holds which contact field, with presets for the
//! exports people actually have.

use kontakt_api::{Address, PhoneKind};
use serde::Deserialize;

use super::Entry;

mod presets;
pub use presets::phone_kind_of_label;

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

/// The single-valued fields of a mapping with their configuration keys, for the written
/// mapping and the resolved one alike: the list exists once.
macro_rules! scalars {
    ($m:expr, $($r:tt)*) => {
        [
            ("id", $($r)* $m.id),
            ("display_name", $($r)* $m.display_name),
            ("honorific", $($r)* $m.honorific),
            ("given_name", $($r)* $m.given_name),
            ("middle_name", $($r)* $m.middle_name),
            ("surname", $($r)* $m.surname),
            ("company", $($r)* $m.company),
            ("department", $($r)* $m.department),
            ("job_title", $($r)* $m.job_title),
            ("street", $($r)* $m.street),
            ("postal_code", $($r)* $m.postal_code),
            ("city", $($r)* $m.city),
            ("region", $($r)* $m.region),
            ("country", $($r)* $m.country),
            ("upn", $($r)* $m.upn),
        ]
    };
}

/// Every field of a mapping, with one `T` per single-valued field: candidate names as
/// configured ([`FieldNames`]), then whatever a reader resolves them to (CSV column
/// positions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields<T> {
    pub id: T,
    pub display_name: T,
    pub honorific: T,
    pub given_name: T,
    pub middle_name: T,
    pub surname: T,
    pub company: T,
    pub department: T,
    pub job_title: T,
    pub street: T,
    pub postal_code: T,
    pub city: T,
    pub region: T,
    pub country: T,
    pub upn: T,
    /// Each entry is one e-mail slot.
    pub emails: Vec<T>,
    pub phones: Vec<(T, PhoneKind)>,
    /// Google's numbered `Phone N - Label`/`Phone N - Value` pairs: (label, value).
    pub labeled_phones: Vec<(T, T)>,
}

/// A mapping as lists of candidate names per field; the first present one wins.
pub type FieldNames = Fields<Vec<String>>;

impl<T> Fields<T> {
    /// The single-valued fields with their configuration key, in one fixed order.
    pub fn scalars(&self) -> [(&'static str, &T); 15] {
        scalars!(self, &)
    }

    fn scalars_mut(&mut self) -> [(&'static str, &mut T); 15] {
        scalars!(self, &mut)
    }

    /// The same mapping with every slot turned into something else.
    pub fn map<U>(&self, f: impl Fn(&T) -> U) -> Fields<U> {
        Fields {
            id: f(&self.id),
            display_name: f(&self.display_name),
            honorific: f(&self.honorific),
            given_name: f(&self.given_name),
            middle_name: f(&self.middle_name),
            surname: f(&self.surname),
            company: f(&self.company),
            department: f(&self.department),
            job_title: f(&self.job_title),
            street: f(&self.street),
            postal_code: f(&self.postal_code),
            city: f(&self.city),
            region: f(&self.region),
            country: f(&self.country),
            upn: f(&self.upn),
            emails: self.emails.iter().map(&f).collect(),
            phones: self.phones.iter().map(|(t, k)| (f(t), *k)).collect(),
            labeled_phones: self
                .labeled_phones
                .iter()
                .map(|(l, v)| (f(l), f(v)))
                .collect(),
        }
    }

    /// A record's entry with every single-valued field read through `value`; the reader
    /// adds e-mails and numbers, which need more than one value.
    pub fn entry(&self, value: impl Fn(&T) -> Option<String>) -> Entry {
        Entry {
            id: value(&self.id),
            display_name: value(&self.display_name),
            honorific: value(&self.honorific),
            given_name: value(&self.given_name),
            middle_name: value(&self.middle_name),
            surname: value(&self.surname),
            company: value(&self.company),
            department: value(&self.department),
            job_title: value(&self.job_title),
            address: Address {
                street: value(&self.street),
                postal_code: value(&self.postal_code),
                city: value(&self.city),
                region: value(&self.region),
                country: value(&self.country),
            },
            upn: value(&self.upn),
            ..Entry::default()
        }
    }
}

impl ColumnMapping {
    /// The single-valued keys as written, in the order of [`Fields::scalars`].
    fn scalars(&self) -> [(&'static str, &Option<Names>); 15] {
        scalars!(self, &)
    }

    /// Every column the admin named, with its key: these must exist, preset columns need not.
    pub fn named(&self) -> Vec<(&'static str, Vec<String>)> {
        let mut out: Vec<(&'static str, Vec<String>)> = self
            .scalars()
            .into_iter()
            .filter_map(|(key, names)| names.as_ref().map(|n| (key, n.list())))
            .collect();
        for email in self.emails.iter().flat_map(Names::list) {
            out.push(("emails", vec![email]));
        }
        for phone in self.phones.iter().flatten() {
            out.push(("phones", phone.column.list()));
        }
        out
    }
}

impl FieldNames {
    /// The preset with `overrides` applied field by field.
    pub fn with(mut self, overrides: Option<&ColumnMapping>) -> Self {
        let Some(o) = overrides else {
            return self;
        };
        for ((_, slot), (_, names)) in self.scalars_mut().into_iter().zip(o.scalars()) {
            if let Some(names) = names {
                *slot = names.list();
            }
        }
        if let Some(emails) = &o.emails {
            self.emails = emails.list().into_iter().map(|e| vec![e]).collect();
        }
        if let Some(phones) = &o.phones {
            self.phones = phones.iter().map(|p| (p.column.list(), p.kind)).collect();
            self.labeled_phones.clear();
        }
        self
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
    fn the_written_keys_and_the_fields_line_up() {
        let keys = |f: [(&'static str, &()); 15]| f.map(|(k, _)| k);
        let written = ColumnMapping::default().scalars().map(|(k, _)| k);
        assert_eq!(keys(Fields::<()>::default().scalars()), written);
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
