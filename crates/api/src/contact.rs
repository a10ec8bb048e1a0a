use serde::{Deserialize, Serialize};

/// One person or function (reception, hotline) from one contact source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// Stable across refreshes: `{source id}:{entry id}`.
    #[cfg_attr(feature = "openapi", schema(example = "demo:000042"))]
    pub id: String,
    pub source: SourceRef,
    /// The name as people see it, e.g. "Jürgen Müller".
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// User principal name, when the contact is a user of the tenant (Teams call and chat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
}

/// Which configured source a contact came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceRef {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Phone {
    pub kind: PhoneKind,
    /// Exactly as written in the source.
    #[cfg_attr(feature = "openapi", schema(example = "+49 (0)89 123456-78"))]
    pub raw: String,
    /// The number in E.164, or null when it could not be understood.
    #[cfg_attr(feature = "openapi", schema(example = "+498912345678"))]
    pub e164: Option<String>,
    /// The number as people read it where the organisation is: an extension of its own
    /// switchboard alone (`592`), a number of its country in national form
    /// (`089 452000-592`), any other in international form (`+41 61 604 94 54`); grouped by
    /// libphonenumber's rules for the number's country. Absent when not understood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "089 123456-78"))]
    pub display: Option<String>,
    /// For an extension of the organisation's own switchboard: the whole number, in
    /// national form (`089 452000-592`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_of: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PhoneKind {
    Business,
    Mobile,
    Home,
    Fax,
    Other,
}

impl Phone {
    /// A number as a source wrote it; the directory fills in `e164`.
    pub fn new(kind: PhoneKind, raw: impl Into<String>) -> Self {
        Phone {
            kind,
            raw: raw.into(),
            e164: None,
            display: None,
            extension_of: None,
        }
    }
}

impl Phone {
    /// What to show: the number as people read it, else as the source wrote it.
    pub fn shown(&self) -> &str {
        self.display.as_deref().unwrap_or(&self.raw)
    }
}

impl PhoneKind {
    /// Which number to offer first when there is one call button: people in an office
    /// directory are reached at work first, on the move second, never by fax.
    pub fn call_preference(self) -> u8 {
        match self {
            PhoneKind::Business => 0,
            PhoneKind::Mobile => 1,
            PhoneKind::Other => 2,
            PhoneKind::Home => 3,
            PhoneKind::Fax => 4,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self.street.is_none()
            && self.postal_code.is_none()
            && self.city.is_none()
            && self.region.is_none()
            && self.country.is_none()
    }
}

impl Contact {
    /// The number a one-click call dials: the most preferred kind that is not a fax,
    /// then the first written.
    pub fn best_phone(&self) -> Option<&Phone> {
        self.phones
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind != PhoneKind::Fax)
            .min_by_key(|(i, p)| (p.kind.call_preference(), *i))
            .map(|(_, p)| p)
    }

    pub fn city(&self) -> Option<&str> {
        self.address.as_ref().and_then(|a| a.city.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(kind: PhoneKind, raw: &str) -> Phone {
        Phone::new(kind, raw)
    }

    fn contact(phones: Vec<Phone>) -> Contact {
        Contact {
            id: "s:1".into(),
            source: SourceRef {
                id: "s".into(),
                name: "S".into(),
            },
            display_name: "Anna Berg".into(),
            phones,
            ..Contact::default()
        }
    }

    #[test]
    fn best_phone_prefers_business_then_mobile_and_never_fax() {
        let c = contact(vec![
            phone(PhoneKind::Fax, "1"),
            phone(PhoneKind::Mobile, "2"),
            phone(PhoneKind::Business, "3"),
        ]);
        assert_eq!(c.best_phone().unwrap().raw, "3");
        let c = contact(vec![
            phone(PhoneKind::Fax, "1"),
            phone(PhoneKind::Home, "2"),
        ]);
        assert_eq!(c.best_phone().unwrap().raw, "2");
        let c = contact(vec![phone(PhoneKind::Fax, "1")]);
        assert!(c.best_phone().is_none());
    }

    #[test]
    fn optional_fields_are_omitted_and_lists_default() {
        let c = contact(vec![]);
        let json = serde_json::to_value(&c).unwrap();
        assert!(json.get("company").is_none());
        assert_eq!(json["emails"], serde_json::json!([]));
        let back: Contact = serde_json::from_str(
            r#"{"id":"s:1","source":{"id":"s","name":"S"},"display_name":"Anna Berg"}"#,
        )
        .unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn phone_kind_is_lowercase_on_the_wire() {
        let p = phone(PhoneKind::Business, "089 1");
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"kind":"business","raw":"089 1","e164":null}"#
        );
    }
}
