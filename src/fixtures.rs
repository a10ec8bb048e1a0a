//! Contacts and hits as the service delivers them, for tests of every part of the tab.

use kontakt_api::{Contact, Highlight, Phone, PhoneKind, SearchHit, SourceRef};

/// A contact as a directory source would deliver it.
pub fn contact(id: &str, given: &str, surname: &str) -> Contact {
    Contact {
        id: format!("test:{id}"),
        source: SourceRef {
            id: "test".into(),
            name: "Test directory".into(),
        },
        display_name: format!("{given} {surname}"),
        given_name: Some(given.into()),
        surname: Some(surname.into()),
        company: Some("Contoso".into()),
        department: Some("Einkauf".into()),
        job_title: Some("Einkäuferin".into()),
        emails: vec![format!("{}@contoso.example", given.to_lowercase())],
        phones: vec![
            Phone {
                kind: PhoneKind::Fax,
                raw: "089 1234-99".into(),
                e164: Some("+4989123499".into()),
                display: None,
                extension_of: None,
            },
            Phone {
                kind: PhoneKind::Business,
                raw: "089 1234-56".into(),
                e164: Some("+49891234056".into()),
                display: None,
                extension_of: None,
            },
        ],
        ..Contact::default()
    }
}

pub fn hit(contact: Contact, name_ranges: Vec<[u32; 2]>) -> SearchHit {
    SearchHit {
        contact,
        score: 1.0,
        highlights: vec![Highlight {
            field: "display_name".into(),
            ranges: name_ranges,
        }],
    }
}
