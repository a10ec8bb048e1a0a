#![no_main]
//! Phone numbers as sources write them: normalised to E.164 with the tenant's dialling
//! parameters, then formatted for display the way the tab shows them.

use std::sync::LazyLock;

use kontakt_directory::demo;
use kontakt_directory::phone::PhoneNormalizer;
use libfuzzer_sys::fuzz_target;

static NORMALIZER: LazyLock<PhoneNormalizer> =
    LazyLock::new(|| PhoneNormalizer::new(&demo::dialing()).unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(e164) = NORMALIZER.normalize(raw) {
        assert!(e164.starts_with('+'), "{e164}");
        NORMALIZER.learn(&e164);
        let _ = NORMALIZER.present(&e164);
    }
});
