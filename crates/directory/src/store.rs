//! Contacts packed for a million entries in a few hundred megabytes.
//!
//! A `Contact` with its `String`s and `Vec`s costs about 1.3 KB on the heap. Here every
//! text lives in one arena and a contact is a row of 8-byte spans into it; texts that repeat
//! across contacts (companies, departments, cities, given names, …) are stored once. A
//! contact is turned back into a `Contact` only when it is shown.

use std::collections::HashMap;

use kontakt_api::{Address, Contact, Phone, PhoneKind, SourceRef};

use crate::fields::Field;

/// A contact as caller ID sees it: borrowed from the store.
#[derive(Clone, Copy, Debug)]
pub struct CallerFacts<'s> {
    pub id: &'s str,
    pub source: &'s SourceRef,
    pub display_name: &'s str,
    pub company: Option<&'s str>,
    /// Has a given name or surname (not only a company).
    pub person: bool,
    /// The kind of the number that matched.
    pub kind: Option<PhoneKind>,
}

/// A text in the arena; `NONE` for an absent optional field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

const NONE: Span = Span {
    start: u32::MAX,
    len: 0,
};

/// A text many contacts share (a company, a city, a given name): its number in the table of
/// shared texts — 4 bytes in each row instead of an 8-byte span, for the ten such fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shared(u32);

const NO_SHARED: Shared = Shared(u32::MAX);

/// An e-mail address: the part before the `@` in the arena, the `@domain` shared (a
/// company's thousands of addresses store their domain once).
#[derive(Clone, Copy)]
struct PackedEmail {
    local: Span,
    domain: Shared,
}

/// [`Row::upn`] when the UPN is the contact's first e-mail address, as it is in most
/// Active Directories: stored once.
const UPN_IS_FIRST_EMAIL: Span = Span {
    start: u32::MAX - 1,
    len: 0,
};

/// A number as written, and its E.164 form: stored right after it in the arena, or not at
/// all when it is written in E.164 — 12 bytes instead of two spans' 20.
#[derive(Clone, Copy)]
struct PackedPhone {
    raw: Span,
    /// The E.164 form's length, or [`NO_E164`] / [`E164_AS_WRITTEN`].
    e164: u16,
    kind: PhoneKind,
}

const NO_E164: u16 = u16::MAX;
const E164_AS_WRITTEN: u16 = u16::MAX - 1;

impl PackedPhone {
    fn e164(&self) -> Span {
        match self.e164 {
            NO_E164 => NONE,
            E164_AS_WRITTEN => self.raw,
            len => Span {
                start: self.raw.start + self.raw.len,
                len: u32::from(len),
            },
        }
    }
}

#[derive(Clone)]
struct Row {
    id: Span,
    source: u16,
    display_name: Span,
    given_name: Shared,
    surname: Shared,
    company: Shared,
    department: Shared,
    job_title: Shared,
    upn: Span,
    street: Shared,
    postal_code: Shared,
    city: Shared,
    region: Shared,
    country: Shared,
    // Starts and counts as separate fields, not tuples, so that the row packs without
    // padding (88 bytes instead of 96).
    emails_start: u32,
    phones_start: u32,
    emails_len: u16,
    phones_len: u16,
    /// [`crate::directory::content_hash`] of the contact as its source gave it: a refresh
    /// compares it to find what changed.
    hash: u64,
}

#[derive(Default)]
pub struct ContactStore {
    text: String,
    rows: Vec<Row>,
    emails: Vec<PackedEmail>,
    phones: Vec<PackedPhone>,
    sources: Vec<SourceRef>,
    /// The texts [`Shared`] numbers stand for.
    shared: Vec<Span>,
}

/// Collects contacts one at a time; the caller never holds them all as `Contact`s.
#[derive(Default)]
pub struct StoreBuilder {
    store: ContactStore,
    interned: HashMap<Box<str>, Shared>,
}

impl StoreBuilder {
    fn put(&mut self, s: &str) -> Span {
        let span = Span {
            start: self.store.text.len() as u32,
            len: s.len() as u32,
        };
        self.store.text.push_str(s);
        span
    }

    /// Texts many contacts share are stored once.
    fn shared(&mut self, s: &str) -> Shared {
        if let Some(&shared) = self.interned.get(s) {
            return shared;
        }
        let span = self.put(s);
        let shared = Shared(self.store.shared.len() as u32);
        self.store.shared.push(span);
        self.interned.insert(s.into(), shared);
        shared
    }

    fn opt_shared(&mut self, s: &Option<String>) -> Shared {
        s.as_deref().map_or(NO_SHARED, |s| self.shared(s))
    }

    /// Adds `c`, whose content hash (as its source gave it) is `hash`.
    pub fn push(&mut self, c: Contact, hash: u64) {
        let source = match self.store.sources.iter().position(|s| *s == c.source) {
            Some(i) => i,
            None => {
                self.store.sources.push(c.source.clone());
                self.store.sources.len() - 1
            }
        } as u16;
        let emails_start = self.store.emails.len() as u32;
        for e in &c.emails {
            let (local, domain) = crate::fields::split_email(e);
            let (local, domain) = (self.put(local), self.shared(domain));
            self.store.emails.push(PackedEmail { local, domain });
        }
        let phones_start = self.store.phones.len() as u32;
        for p in &c.phones {
            let raw = self.put(&p.raw);
            let e164 = match p.e164.as_deref() {
                None => NO_E164,
                Some(e) if e == p.raw => E164_AS_WRITTEN,
                // Longer than any E.164 number (16 characters): kept out rather than cut.
                Some(e) if e.len() >= usize::from(E164_AS_WRITTEN) => NO_E164,
                Some(e) => self.put(e).len as u16,
            };
            self.store.phones.push(PackedPhone {
                raw,
                e164,
                kind: p.kind,
            });
        }
        let address = c.address.unwrap_or_default();
        let row = Row {
            id: self.put(&c.id),
            source,
            display_name: self.put(&c.display_name),
            given_name: self.opt_shared(&c.given_name),
            surname: self.opt_shared(&c.surname),
            company: self.opt_shared(&c.company),
            department: self.opt_shared(&c.department),
            job_title: self.opt_shared(&c.job_title),
            upn: match c.upn.as_deref() {
                None => NONE,
                Some(upn) if c.emails.first().is_some_and(|e| e == upn) => UPN_IS_FIRST_EMAIL,
                Some(upn) => self.put(upn),
            },
            street: self.opt_shared(&address.street),
            postal_code: self.opt_shared(&address.postal_code),
            city: self.opt_shared(&address.city),
            region: self.opt_shared(&address.region),
            country: self.opt_shared(&address.country),
            emails_start,
            phones_start,
            emails_len: c.emails.len() as u16,
            phones_len: c.phones.len() as u16,
            hash,
        };
        self.store.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.store.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.rows.is_empty()
    }

    /// The finished store, rows reordered by `key` (the directory's tie-break order). Of
    /// several contacts with the same id the one pushed first is kept; the number of
    /// dropped duplicates is returned alongside.
    pub fn finish<K: Ord>(self, key: impl Fn(&ContactStore, usize) -> K) -> (ContactStore, usize) {
        let mut store = self.store;
        let mut by_id: Vec<usize> = (0..store.rows.len()).collect();
        by_id.sort_by(|&a, &b| store.id(a).cmp(store.id(b)).then(a.cmp(&b)));
        let mut keep = vec![true; store.rows.len()];
        for pair in by_id.windows(2) {
            if store.id(pair[0]) == store.id(pair[1]) {
                keep[pair[1]] = false;
            }
        }
        let dropped = keep.iter().filter(|k| !**k).count();
        let mut order: Vec<usize> = (0..store.rows.len()).filter(|&i| keep[i]).collect();
        order.sort_by_cached_key(|&i| key(&store, i));
        store.rows = order.iter().map(|&i| store.rows[i].clone()).collect();
        store.text.shrink_to_fit();
        store.emails.shrink_to_fit();
        store.shared.shrink_to_fit();
        store.phones.shrink_to_fit();
        (store, dropped)
    }
}

impl ContactStore {
    fn text(&self, span: Span) -> &str {
        &self.text[span.start as usize..(span.start + span.len) as usize]
    }

    fn opt(&self, span: Span) -> Option<&str> {
        (span != NONE).then(|| self.text(span))
    }

    fn shared_text(&self, shared: Shared) -> Option<&str> {
        (shared != NO_SHARED).then(|| self.text(self.shared[shared.0 as usize]))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn id(&self, doc: usize) -> &str {
        self.text(self.rows[doc].id)
    }

    pub fn hash(&self, doc: usize) -> u64 {
        self.rows[doc].hash
    }

    /// The id of the source `doc` came from.
    pub fn source_id(&self, doc: usize) -> &str {
        &self.sources[self.rows[doc].source as usize].id
    }

    pub fn display_name(&self, doc: usize) -> &str {
        self.text(self.rows[doc].display_name)
    }

    fn emails(&self, row: &Row) -> &[PackedEmail] {
        &self.emails[row.emails_start as usize..][..row.emails_len as usize]
    }

    fn email(&self, e: PackedEmail) -> String {
        let (local, domain) = (
            self.text(e.local),
            self.shared_text(e.domain).unwrap_or_default(),
        );
        let mut email = String::with_capacity(local.len() + domain.len());
        email.push_str(local);
        email.push_str(domain);
        email
    }

    fn phones(&self, row: &Row) -> &[PackedPhone] {
        &self.phones[row.phones_start as usize..][..row.phones_len as usize]
    }

    /// The searchable texts of document `doc`, as [`crate::fields::for_each_field`]
    /// gives them for a `Contact`.
    pub fn for_each_field<'s>(&'s self, doc: usize, mut f: impl FnMut(Field, &'s str)) {
        let row = &self.rows[doc];
        f(Field::Name, self.text(row.display_name));
        for (field, span) in [
            (Field::Company, row.company),
            (Field::Department, row.department),
            (Field::JobTitle, row.job_title),
            (Field::City, row.city),
        ] {
            if let Some(t) = self.shared_text(span) {
                f(field, t);
            }
        }
        for &e in self.emails(row) {
            // Stored apart from its domain by `fields::split_email`, as
            // `fields::email_local_part` gives it.
            f(Field::Email, self.text(e.local));
        }
    }

    /// `(phone index, E.164)` of every number of `doc` that has one.
    pub fn for_each_e164<'s>(&'s self, doc: usize, mut f: impl FnMut(usize, &'s str)) {
        let row = &self.rows[doc];
        for (i, p) in self.phones(row).iter().enumerate() {
            if let Some(e) = self.opt(p.e164()) {
                f(i, e);
            }
        }
    }

    /// What caller ID weighs of document `doc` and its `phone`-th number, without building
    /// the whole contact: a switchboard may be the number of hundreds.
    pub fn caller_facts(&self, doc: usize, phone: usize) -> CallerFacts<'_> {
        let row = &self.rows[doc];
        CallerFacts {
            id: self.text(row.id),
            source: &self.sources[row.source as usize],
            display_name: self.text(row.display_name),
            company: self.shared_text(row.company),
            person: self.shared_text(row.given_name).is_some()
                || self.shared_text(row.surname).is_some(),
            kind: self.phones(row).get(phone).map(|p| p.kind),
        }
    }

    /// Reads a byte of what [`Self::contact`] will read of `docs` — first their rows, then
    /// their own texts, e-mails, numbers and shared texts — so that the memory of all of a
    /// page's hits is fetched at once instead of one cache miss after another: hits are
    /// scattered over the directory and seldom in the CPU's caches (3–30 % off a search's
    /// median at 100,000 contacts, docs/performance.md).
    pub fn warm(&self, docs: impl Iterator<Item = u32> + Clone) {
        let mut sum = 0u64;
        let rows = |d: u32| self.rows.get(d as usize);
        // A row is 88 bytes: its first and its last field are on its two cache lines.
        for row in docs.clone().filter_map(rows) {
            sum = sum.wrapping_add(u64::from(row.id.start) ^ row.hash);
        }
        let text = self.text.as_bytes();
        let mut touch = |bytes: &[u8], at: u32| {
            if let Some(b) = bytes.get(at as usize) {
                sum = sum.wrapping_add(u64::from(*b));
            }
        };
        let shared_of = |row: &Row| {
            [
                row.given_name,
                row.surname,
                row.company,
                row.department,
                row.job_title,
                row.street,
                row.postal_code,
                row.city,
                row.region,
                row.country,
            ]
        };
        for row in docs.filter_map(rows) {
            touch(text, row.id.start);
            touch(text, row.display_name.start);
            if let Some(e) = self.emails.get(row.emails_start as usize) {
                touch(text, e.local.start);
            }
            if let Some(p) = self.phones.get(row.phones_start as usize) {
                touch(text, p.raw.start);
            }
            for s in shared_of(row) {
                if let Some(span) = self.shared.get(s.0 as usize) {
                    touch(text, span.start);
                }
            }
        }
        std::hint::black_box(sum);
    }

    /// Document `doc` as the API shows it.
    pub fn contact(&self, doc: usize) -> Contact {
        let row = &self.rows[doc];
        let s = |span| self.opt(span).map(str::to_owned);
        let t = |shared| self.shared_text(shared).map(str::to_owned);
        let emails: Vec<String> = self.emails(row).iter().map(|&e| self.email(e)).collect();
        let address = Address {
            street: t(row.street),
            postal_code: t(row.postal_code),
            city: t(row.city),
            region: t(row.region),
            country: t(row.country),
        };
        Contact {
            id: self.text(row.id).to_owned(),
            source: self.sources[row.source as usize].clone(),
            display_name: self.text(row.display_name).to_owned(),
            given_name: t(row.given_name),
            surname: t(row.surname),
            company: t(row.company),
            department: t(row.department),
            job_title: t(row.job_title),
            upn: if row.upn == UPN_IS_FIRST_EMAIL {
                emails.first().cloned()
            } else {
                s(row.upn)
            },
            emails,
            phones: self
                .phones(row)
                .iter()
                .map(|p| Phone {
                    kind: p.kind,
                    raw: self.text(p.raw).to_owned(),
                    e164: s(p.e164()),
                    display: None,
                    extension_of: None,
                })
                .collect(),
            address: (!address.is_empty()).then_some(address),
        }
    }

    /// Heap bytes by part, for the benchmark's memory report.
    pub fn heap_parts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("contact texts", self.text.capacity()),
            (
                "contact rows",
                self.rows.capacity() * std::mem::size_of::<Row>(),
            ),
            (
                "shared texts' table",
                self.shared.capacity() * std::mem::size_of::<Span>(),
            ),
            (
                "e-mails and phones",
                self.emails.capacity() * std::mem::size_of::<PackedEmail>()
                    + self.phones.capacity() * std::mem::size_of::<PackedPhone>(),
            ),
        ]
    }

    pub fn heap_bytes(&self) -> usize {
        self.heap_parts().iter().map(|(_, bytes)| bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    #[test]
    fn round_trips_every_field() {
        let contacts = demo::generate(500, 3);
        let mut b = StoreBuilder::default();
        for c in contacts.iter().cloned() {
            b.push(c, 0);
        }
        let (store, dropped) = b.finish(|_, i| i);
        assert_eq!(dropped, 0);
        for (i, c) in contacts.iter().enumerate() {
            assert_eq!(&store.contact(i), c);
        }
    }

    /// The packed forms (a domain shared, a UPN that is the first address, an E.164 form
    /// that is the number as written) give back exactly what went in, and the searchable
    /// texts are those of the `Contact`.
    #[test]
    fn round_trips_odd_addresses_numbers_and_upns() {
        let phone = |raw: &str, e164: Option<&str>| Phone {
            e164: e164.map(Into::into),
            ..Phone::new(PhoneKind::Business, raw.to_owned())
        };
        let contact = |id: &str, emails: &[&str], upn: Option<&str>| Contact {
            id: id.into(),
            display_name: format!("Name {id}"),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            upn: upn.map(Into::into),
            phones: vec![
                phone("089 123", Some("+4989123")),
                phone("+4930555", Some("+4930555")),
                phone("-17", None),
            ],
            ..Contact::default()
        };
        let contacts = [
            contact(
                "a",
                &["anna.berg@firma.de", "info@firma.de"],
                Some("anna.berg@firma.de"),
            ),
            contact(
                "b",
                &["info@firma.de", "bernd@firma.de"],
                Some("bernd@firma.de"),
            ),
            contact(
                "c",
                &["no-at-sign", "\"odd@local\"@x.de", "@", "trailing@"],
                None,
            ),
            contact("d", &[], Some("d@upn.example")),
            contact("e", &["e@firma.de"], Some("E@firma.de")),
        ];
        let mut b = StoreBuilder::default();
        for c in contacts.iter().cloned() {
            b.push(c, 0);
        }
        let (store, _) = b.finish(|_, i| i);
        for (i, c) in contacts.iter().enumerate() {
            assert_eq!(&store.contact(i), c);
            let (mut packed, mut plain) = (Vec::new(), Vec::new());
            store.for_each_field(i, |f, t| packed.push((f, t.to_owned())));
            crate::fields::for_each_field(c, |f, t| plain.push((f, t.to_owned())));
            assert_eq!(packed, plain, "searchable texts of {}", c.id);
        }
    }

    #[test]
    fn repeated_texts_are_stored_once() {
        let mut b = StoreBuilder::default();
        for c in demo::generate(2_000, 3) {
            b.push(c, 0);
        }
        let (store, _) = b.finish(|s, i| s.display_name(i).to_owned());
        assert!(
            store.heap_bytes() < 2_000 * 400,
            "{} bytes",
            store.heap_bytes()
        );
        let names: Vec<&str> = (0..store.len()).map(|i| store.display_name(i)).collect();
        assert!(
            names.windows(2).all(|w| w[0] <= w[1]),
            "rows follow the key order"
        );
    }
}
