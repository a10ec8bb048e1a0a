#![no_main]
//! CSV files as any export or editor writes them: the first byte picks the settings (preset,
//! delimiter, encoding), the rest is the file.

use kontakt_directory::sources::csv::CsvSource;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const SETTINGS: &[&str] = &[
    "",
    "preset = \"google\"",
    "delimiter = \";\"\nencoding = \"windows-1252\"",
    "encoding = \"utf-16le\"",
    "preset = \"custom\"\n[columns]\nid = \"Nr\"\ndisplay_name = { join = [\"Vorname\", \"Name\"] }\nemails = [\"Mail\", \"Mail2\"]\nphones = [{ column = \"Tel\" }, { column = [\"Handy\", \"Mobil\"], kind = \"mobile\" }]",
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, file)) = data.split_first() else {
        return;
    };
    let settings = SETTINGS[usize::from(choice) % SETTINGS.len()];
    let source: CsvSource = toml::from_str(&format!("path = \"fuzz.csv\"\n{settings}")).unwrap();
    common::read(|out| source.read_bytes(file, out));
});
