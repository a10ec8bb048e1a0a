#![no_main]
//! Calling numbers as SBCs send them (`+4989…`, `%2B…`, `sip:…;user=phone`, extensions),
//! with and without the plus stripped: parsed to E.164 or refused, never a panic.

use std::sync::LazyLock;

use kontakt_directory::callerid::{NumberHabits, incoming_e164};
use kontakt_directory::demo;
use kontakt_directory::phone::PhoneNormalizer;
use libfuzzer_sys::fuzz_target;

static NORMALIZER: LazyLock<PhoneNormalizer> =
    LazyLock::new(|| PhoneNormalizer::new(&demo::dialing()).unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    for plus_stripped in [false, true] {
        if let Some(e164) = incoming_e164(raw, &NORMALIZER, NumberHabits { plus_stripped }) {
            assert!(
                e164.starts_with('+') && e164[1..].bytes().all(|b| b.is_ascii_digit()),
                "{e164}"
            );
        }
    }
});
