//! Which parts of a contact words are matched against.

use kontakt_api::Contact;

/// A searchable field. Three bits in postings, so at most eight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Field {
    Name = 0,
    Company = 1,
    Department = 2,
    JobTitle = 3,
    City = 4,
    /// The local part of an email address: `anna.berg` names the person, the domain would
    /// match everyone of a company.
    Email = 5,
}

pub const FIELD_BITS: u32 = 3;
/// How many fields there are: a set of them is a mask of this many bits.
pub const FIELDS: u32 = Field::Email as u32 + 1;
pub const FIELD_MASK: u32 = (1 << FIELD_BITS) - 1;

impl Field {
    pub fn from_bits(bits: u32) -> Field {
        match bits & FIELD_MASK {
            0 => Field::Name,
            1 => Field::Company,
            2 => Field::Department,
            3 => Field::JobTitle,
            4 => Field::City,
            _ => Field::Email,
        }
    }
}

/// The local part of an address (everything before the last `@`).
pub fn email_local_part(email: &str) -> &str {
    split_email(email).0
}

/// An address as its local part (everything before the last `@`) and the rest (`@` and
/// domain; empty without an `@`).
pub fn split_email(email: &str) -> (&str, &str) {
    email
        .rfind('@')
        .map_or((email, ""), |at| email.split_at(at))
}

/// Calls `f` with every searchable text of `c`; the indexing path, without allocation.
pub fn for_each_field<'c>(c: &'c Contact, mut f: impl FnMut(Field, &'c str)) {
    f(Field::Name, &c.display_name);
    if let Some(t) = &c.company {
        f(Field::Company, t);
    }
    if let Some(t) = &c.department {
        f(Field::Department, t);
    }
    if let Some(t) = &c.job_title {
        f(Field::JobTitle, t);
    }
    if let Some(t) = c.city() {
        f(Field::City, t);
    }
    for email in &c.emails {
        f(Field::Email, email_local_part(email));
    }
}

/// Calls `f` with every searchable text of `c` and the API path its highlights are
/// reported under (built only when asked: most fields of a hit have nothing to highlight).
pub fn for_each_field_with_path<'c>(
    c: &'c Contact,
    mut f: impl FnMut(Field, &'c str, &dyn Fn() -> String),
) {
    let mut email = 0;
    for_each_field(c, |field, text| {
        let index = email;
        if field == Field::Email {
            email += 1;
        }
        f(field, text, &|| match field {
            Field::Name => "display_name".to_owned(),
            Field::Company => "company".to_owned(),
            Field::Department => "department".to_owned(),
            Field::JobTitle => "job_title".to_owned(),
            Field::City => "address.city".to_owned(),
            Field::Email => format!("emails[{index}]"),
        });
    });
}
