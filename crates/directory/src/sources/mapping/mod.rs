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
/// field takes one name, a list of names (the first present one wins), or several columns
/// joined (`{ join = ["Straße", "Hausnummer"] }`).
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

/// One name, several alternatives, or several columns joined into one value.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Names {
    One(String),
    Many(Vec<String>),
    Joined(Join),
}

/// `{ join = ["PLZ", "Ort"], separator = " " }`: the non-empty values of every listed
/// column, in order, joined by the separator (a space unless set).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    pub join: Vec<String>,
    #[serde(default = "space")]
    pub separator: String,
}

fn space() -> String {
    String::from(" ")
}

impl Names {
    /// What the names select for a single-valued field.
    pub fn pick(&self) -> Pick {
        match self {
            Names::One(s) => Pick::first(vec![s.clone()]),
            Names::Many(v) => Pick::first(v.clone()),
            Names::Joined(j) => Pick {
                names: j.join.clone(),
                join: Some(j.separator.clone()),
            },
        }
    }

    /// For `emails`, where a list means several slots: one pick per listed column.
    fn slots(&self) -> Vec<Pick> {
        match self {
            Names::Many(v) => v.iter().map(|n| Pick::first(vec![n.clone()])).collect(),
            other => vec![other.pick()],
        }
    }
}

/// Where one field's value comes from: the first of `names` that has a value, or — with
/// `join` — all of them that have one, joined by that separator. `N` is a column's name as
/// configured, then whatever a reader resolves it to (a CSV column's position).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pick<N = String> {
    pub names: Vec<N>,
    pub join: Option<String>,
}

impl<N> Pick<N> {
    pub fn first(names: Vec<N>) -> Self {
        Pick { names, join: None }
    }

    /// The pick with each name looked up: for alternatives only the first one found is
    /// kept (the preset's order decides), for a join every one found.
    pub fn resolve<M>(&self, find: impl Fn(&N) -> Option<M>) -> Pick<M> {
        let found = self.names.iter().filter_map(find);
        Pick {
            names: match self.join {
                Some(_) => found.collect(),
                None => found.take(1).collect(),
            },
            join: self.join.clone(),
        }
    }

    /// The field's value from a record, given each name's value there.
    pub fn value<'v>(&self, get: impl Fn(&N) -> Option<&'v str>) -> Option<String> {
        let mut values = self
            .names
            .iter()
            .filter_map(get)
            .map(str::trim)
            .filter(|v| !v.is_empty());
        match &self.join {
            None => values.next().map(str::to_owned),
            Some(separator) => {
                let joined = values.collect::<Vec<_>>().join(separator);
                (!joined.is_empty()).then_some(joined)
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
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

/// Every field of a mapping, with one `T` per single-valued field: what to pick as
/// configured ([`FieldNames`]), then whatever a reader resolves that to (CSV column
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

/// A mapping as the pick of names per field.
pub type FieldNames = Fields<Pick>;

impl<T> Fields<T> {
    /// The single-valued fields with their configuration key, in one fixed order.
    pub fn scalars(&self) -> [(&'static str, &T); 15] {
        scalars!(self, &)
    }

    fn scalars_mut(&mut self) -> [(&'static str, &mut T); 15] {
        scalars!(self, &mut)
    }

    /// Every slot, single-valued and multi-valued.
    pub fn slots(&self) -> impl Iterator<Item = &T> {
        self.scalars()
            .into_iter()
            .map(|(_, t)| t)
            .chain(&self.emails)
            .chain(self.phones.iter().map(|(t, _)| t))
            .chain(self.labeled_phones.iter().flat_map(|(l, v)| [l, v]))
    }

    /// Whether any of the fields a contact's name comes from is mapped (`is_mapped`).
    pub fn maps_a_name(&self, is_mapped: impl Fn(&T) -> bool) -> bool {
        [
            &self.display_name,
            &self.given_name,
            &self.surname,
            &self.company,
        ]
        .into_iter()
        .any(is_mapped)
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

    /// Every column the admin named, with its key: these must exist (one of a list of
    /// alternatives, each of a join), preset columns need not.
    pub fn named(&self) -> Vec<(&'static str, Pick)> {
        let mut out: Vec<(&'static str, Pick)> = self
            .scalars()
            .into_iter()
            .filter_map(|(key, names)| names.as_ref().map(|n| (key, n.pick())))
            .collect();
        for email in self.emails.iter().flat_map(Names::slots) {
            out.push(("emails", email));
        }
        for phone in self.phones.iter().flatten() {
            out.push(("phones", phone.column.pick()));
        }
        out
    }

    /// What is wrong with the named columns, given the columns a header or a query has
    /// (compared without case): the first problem, naming the key and listing what exists.
    pub fn missing(&self, has: impl Fn(&str) -> bool, columns: &[String]) -> Option<String> {
        self.named().into_iter().find_map(|(field, pick)| {
            let missing: Vec<&String> = pick.names.iter().filter(|n| !has(n)).collect();
            let wrong = match pick.join {
                Some(_) => !missing.is_empty(),
                None => missing.len() == pick.names.len(),
            };
            wrong.then(|| {
                format!(
                    "columns.{field} names {} but there is no such column (there are: {})",
                    missing
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(if pick.join.is_some() { " and " } else { " or " }),
                    columns.join(", ")
                )
            })
        })
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
                *slot = names.pick();
            }
        }
        if let Some(emails) = &o.emails {
            self.emails = emails.slots();
        }
        if let Some(phones) = &o.phones {
            self.phones = phones.iter().map(|p| (p.column.pick(), p.kind)).collect();
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
        assert_eq!(f.company.names, ["Firma/Organisation"]);
        assert_eq!(
            f.phones,
            [(Pick::first(vec!["Tel".to_owned()]), PhoneKind::Mobile)]
        );
        assert_eq!(f.given_name.names, ["First Name", "Vorname"]);
    }

    #[test]
    fn a_join_takes_every_value_and_alternatives_the_first() {
        let mapping: ColumnMapping = toml::from_str(
            r#"street = { join = ["Straße", "Nr"] }
               city = { join = ["PLZ", "Ort"], separator = " / " }
               company = ["Firma", "Name1"]
               emails = ["Mail", "Mail2"]"#,
        )
        .unwrap();
        let f = Preset::Custom.fields().with(Some(&mapping));
        let row = |n: &String| match n.as_str() {
            "Straße" => Some("Leopoldstraße "),
            "Nr" => Some("1a"),
            "PLZ" => Some(""),
            "Ort" => Some("München"),
            "Name1" => Some("Adler KG"),
            _ => None,
        };
        assert_eq!(f.street.value(row).as_deref(), Some("Leopoldstraße 1a"));
        assert_eq!(f.city.value(row).as_deref(), Some("München"));
        assert_eq!(f.company.value(row).as_deref(), Some("Adler KG"));
        assert_eq!(f.emails.len(), 2);
        assert_eq!(f.surname.value(row), None);
        let err = toml::from_str::<ColumnMapping>(r#"street = { joni = ["a"] }"#).unwrap_err();
        assert!(err.to_string().contains("street"), "{err}");
    }

    #[test]
    fn named_columns_must_exist_every_one_of_a_join() {
        let mapping: ColumnMapping = toml::from_str(
            r#"display_name = ["Name", "Name1"]
               street = { join = ["Straße", "Nr"] }"#,
        )
        .unwrap();
        let columns = ["Name1".to_owned(), "Straße".to_owned()];
        let has = |n: &str| columns.iter().any(|c| c.eq_ignore_ascii_case(n));
        assert_eq!(
            mapping.missing(has, &columns).unwrap(),
            "columns.street names \"Nr\" but there is no such column (there are: Name1, Straße)"
        );
        let columns = ["Nr".to_owned(), "Straße".to_owned()];
        let has = |n: &str| columns.iter().any(|c| c.eq_ignore_ascii_case(n));
        assert!(
            mapping
                .missing(has, &columns)
                .unwrap()
                .starts_with("columns.display_name names \"Name\" or \"Name1\"")
        );
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
