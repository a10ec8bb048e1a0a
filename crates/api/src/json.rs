//! A search answer written as JSON without serde, byte for byte what `serde_json` writes.
//!
//! Answers are the service's most frequent output (25 hits of ~20 short strings each, 17 KB)
//! and `serde_json` spent about a sixth of a search request's CPU time writing them: half of
//! that in its escaping loop, which looks at one byte at a time, the rest in a call per key.
//! Here the keys are written as constants and a string is checked eight bytes at a time;
//! the same answer takes 2.6 times less time (docs/performance.md, "Answers written
//! directly"). Faster serde serialisers (sonic-rs, simd-json) were no faster on x86-64
//! without AVX2, where the service must run.
//!
//! The serde derives stay the definition of the format — the tab reads answers with them
//! and the OpenAPI document comes from them. Every struct is taken apart here without `..`,
//! so a new field does not compile until it is written, and the tests compare this with
//! `serde_json` for contacts with every field set, absent and in need of escaping.

use crate::{Address, Contact, Phone, PhoneKind, SearchResponse};

/// `answer` as `serde_json::to_vec` writes it.
pub fn search_response(answer: &SearchResponse) -> Vec<u8> {
    let mut out = buffer_for(answer);
    write_search_response(&mut out, answer);
    out
}

/// An empty buffer that `answer` will fit in, most of the time, without growing: most
/// contacts take 500–900 bytes.
pub fn buffer_for(answer: &SearchResponse) -> Vec<u8> {
    Vec::with_capacity(256 + 768 * answer.hits.len())
}

/// `answer` appended to `out`, as `serde_json::to_writer` writes it.
pub fn write_search_response(out: &mut Vec<u8>, answer: &SearchResponse) {
    let SearchResponse { query, total, hits } = answer;
    out.extend_from_slice(b"{\"query\":");
    string(out, query);
    out.extend_from_slice(b",\"total\":");
    out.extend_from_slice(itoa::Buffer::new().format(*total).as_bytes());
    out.extend_from_slice(b",\"hits\":[");
    for (i, hit) in hits.iter().enumerate() {
        let crate::SearchHit {
            contact: c,
            score,
            highlights,
        } = hit;
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"contact\":");
        contact(out, c);
        out.extend_from_slice(b",\"score\":");
        float(out, *score);
        out.extend_from_slice(b",\"highlights\":[");
        for (j, crate::Highlight { field, ranges }) in highlights.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"field\":");
            string(out, field);
            out.extend_from_slice(b",\"ranges\":[");
            for (k, [start, end]) in ranges.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                out.push(b'[');
                out.extend_from_slice(itoa::Buffer::new().format(*start).as_bytes());
                out.push(b',');
                out.extend_from_slice(itoa::Buffer::new().format(*end).as_bytes());
                out.push(b']');
            }
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b"]}");
}

fn contact(out: &mut Vec<u8>, c: &Contact) {
    let Contact {
        id,
        source,
        display_name,
        given_name,
        surname,
        company,
        department,
        job_title,
        emails,
        phones,
        address,
        upn,
    } = c;
    let crate::SourceRef {
        id: source_id,
        name: source_name,
    } = source;
    out.extend_from_slice(b"{\"id\":");
    string(out, id);
    out.extend_from_slice(b",\"source\":{\"id\":");
    string(out, source_id);
    out.extend_from_slice(b",\"name\":");
    string(out, source_name);
    out.extend_from_slice(b"},\"display_name\":");
    string(out, display_name);
    optional(out, b",\"given_name\":", given_name);
    optional(out, b",\"surname\":", surname);
    optional(out, b",\"company\":", company);
    optional(out, b",\"department\":", department);
    optional(out, b",\"job_title\":", job_title);
    out.extend_from_slice(b",\"emails\":[");
    for (i, email) in emails.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, email);
    }
    out.extend_from_slice(b"],\"phones\":[");
    for (i, p) in phones.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        phone(out, p);
    }
    out.push(b']');
    if let Some(Address {
        street,
        postal_code,
        city,
        region,
        country,
    }) = address
    {
        out.extend_from_slice(b",\"address\":{");
        let mut first = true;
        for (key, value) in [
            (&b"\"street\":"[..], street),
            (b"\"postal_code\":", postal_code),
            (b"\"city\":", city),
            (b"\"region\":", region),
            (b"\"country\":", country),
        ] {
            if let Some(value) = value {
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(key);
                string(out, value);
            }
        }
        out.push(b'}');
    }
    optional(out, b",\"upn\":", upn);
    out.push(b'}');
}

fn phone(out: &mut Vec<u8>, p: &Phone) {
    let Phone {
        kind,
        raw,
        e164,
        display,
        extension_of,
    } = p;
    out.extend_from_slice(match kind {
        PhoneKind::Business => b"{\"kind\":\"business\"".as_slice(),
        PhoneKind::Mobile => b"{\"kind\":\"mobile\"",
        PhoneKind::Home => b"{\"kind\":\"home\"",
        PhoneKind::Fax => b"{\"kind\":\"fax\"",
        PhoneKind::Other => b"{\"kind\":\"other\"",
    });
    out.extend_from_slice(b",\"raw\":");
    string(out, raw);
    // Not skipped when absent: the field says "null" for a number not understood.
    out.extend_from_slice(b",\"e164\":");
    match e164 {
        Some(e164) => string(out, e164),
        None => out.extend_from_slice(b"null"),
    }
    optional(out, b",\"display\":", display);
    optional(out, b",\"extension_of\":", extension_of);
    out.push(b'}');
}

/// A field skipped when absent (`skip_serializing_if = "Option::is_none"`).
fn optional(out: &mut Vec<u8>, key: &[u8], value: &Option<String>) {
    if let Some(value) = value {
        out.extend_from_slice(key);
        string(out, value);
    }
}

/// As serde_json: the shortest form that reads back the same, `null` for what JSON lacks.
fn float(out: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format_finite(value).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// A JSON string; escaped as serde_json escapes (quote, backslash, control characters),
/// everything else — non-ASCII included — written as it is.
#[inline]
fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut i = 0;
    while i + 8 <= bytes.len() && !needs_escape(u64::from_le_bytes(word_at(bytes, i))) {
        i += 8;
    }
    while i < bytes.len() && ESCAPE[bytes[i] as usize] == 0 {
        i += 1;
    }
    if i == bytes.len() {
        out.extend_from_slice(bytes);
    } else {
        escaped(out, bytes);
    }
    out.push(b'"');
}

fn word_at(bytes: &[u8], i: usize) -> [u8; 8] {
    bytes[i..i + 8].try_into().expect("eight bytes")
}

/// Whether any of the eight bytes is below 0x20, a quote or a backslash: the classic
/// "has a zero byte" test on the word, on the word minus 0x20 and on the word xor each.
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |w: u64| w.wrapping_sub(ONES) & !w;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = zero_in(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_in(word ^ (ONES * u64::from(b'\\')));
    (below_space | quote | backslash) & HIGH != 0
}

/// What a byte is escaped as: 0 none, `u` as `\u00XX`, else `\` and that letter.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

#[cold]
fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = ESCAPE[b as usize];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            b'u' => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]),
            _ => out.extend_from_slice(&[b'\\', escape]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Highlight, SearchHit, SourceRef};

    fn full(text: &str) -> Contact {
        let s = |field: &str| Some(format!("{field} {text}"));
        Contact {
            id: format!("crm:{text}"),
            source: SourceRef {
                id: "crm".into(),
                name: format!("CRM {text}"),
            },
            display_name: format!("Jürgen {text}"),
            given_name: s("given"),
            surname: s("surname"),
            company: s("company"),
            department: s("department"),
            job_title: s("job"),
            emails: vec![format!("a{text}@example.com"), "b@example.com".into()],
            phones: vec![
                Phone {
                    kind: PhoneKind::Business,
                    raw: format!("+49 89 {text}"),
                    e164: Some("+4989123".into()),
                    display: s("display"),
                    extension_of: s("main"),
                },
                Phone::new(PhoneKind::Mobile, "0171"),
                Phone::new(PhoneKind::Home, "1"),
                Phone::new(PhoneKind::Fax, "2"),
                Phone::new(PhoneKind::Other, "3"),
            ],
            address: Some(Address {
                street: s("street"),
                postal_code: s("code"),
                city: s("city"),
                region: s("region"),
                country: s("country"),
            }),
            upn: s("upn"),
        }
    }

    fn answer(contacts: Vec<Contact>, score: f64) -> SearchResponse {
        SearchResponse {
            query: "Jü\"rgen".into(),
            total: u64::MAX,
            hits: contacts
                .into_iter()
                .enumerate()
                .map(|(i, contact)| SearchHit {
                    contact,
                    score: score * i as f64,
                    highlights: (0..i % 3)
                        .map(|h| Highlight {
                            field: format!("emails[{h}]"),
                            ranges: (0..h as u32).map(|r| [r, r + u32::MAX / 2]).collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn same_as_serde(answer: &SearchResponse) {
        assert_eq!(
            String::from_utf8(search_response(answer)).expect("utf-8"),
            serde_json::to_string(answer).expect("serialises")
        );
    }

    #[test]
    fn answers_are_what_serde_json_writes() {
        let texts = [
            "",
            "a",
            "Müller",
            "quote \" in",
            "back\\slash",
            "tab\tnew\nline\r",
            "\u{1}\u{1f}\u{7f}",
            "\u{8}\u{c}",
            "0123456\"",
            "01234567\\89",
            "emoji 🙂 and \u{2028}",
            "/slash/",
        ];
        let contacts: Vec<Contact> = texts.iter().map(|t| full(t)).collect();
        for score in [
            0.0,
            1.0,
            30970.0,
            0.1,
            1e-7,
            1e300,
            -2.5,
            f64::NAN,
            f64::INFINITY,
        ] {
            same_as_serde(&answer(contacts.clone(), score));
        }
        // Every optional field absent, no phones, mails or address.
        let bare = Contact {
            id: "x".into(),
            display_name: "X".into(),
            ..Contact::default()
        };
        same_as_serde(&answer(vec![bare.clone(), bare], 2.0));
        same_as_serde(&answer(Vec::new(), 1.0));
        // An address with only some parts.
        for part in 0..5 {
            let mut c = full("p");
            let a = c.address.as_mut().expect("address");
            let parts = [
                &mut a.street,
                &mut a.postal_code,
                &mut a.city,
                &mut a.region,
                &mut a.country,
            ];
            for (i, p) in parts.into_iter().enumerate() {
                if i != part {
                    *p = None;
                }
            }
            same_as_serde(&answer(vec![c], 1.0));
        }
    }

    #[test]
    fn every_byte_is_escaped_as_serde_json_escapes_it() {
        for b in 0..=127u8 {
            for at in 0..17 {
                let mut text = "abcdefghijklmnop".to_owned();
                text.insert(at, char::from(b));
                let mut out = Vec::new();
                string(&mut out, &text);
                assert_eq!(
                    String::from_utf8(out).expect("utf-8"),
                    serde_json::to_string(&text).expect("serialises"),
                    "byte {b:#x} at {at}"
                );
            }
        }
    }
}
