#![no_main]
//! vCard files (2.1, 3.0, 4.0; folded lines, quoted-printable, base64 photos, UTF-16).

use kontakt_directory::sources::vcard;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::read(|out| vcard::read_bytes(data.to_vec(), None, out));
});
