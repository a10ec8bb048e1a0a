#![no_main]
//! What users type into the search box: words, prefixes, typos, `-exclusions`, numbers in
//! any format — searched in a small directory, so parsing, matching (typo automata,
//! phonetics, numbers) and highlighting all run.

use std::sync::LazyLock;

use kontakt_directory::Directory;
use kontakt_directory::demo;
use kontakt_directory::phone::PhoneNormalizer;
use libfuzzer_sys::fuzz_target;

static DIRECTORY: LazyLock<Directory> = LazyLock::new(|| {
    Directory::build(
        demo::generate(300, 7),
        PhoneNormalizer::new(&demo::dialing()).unwrap(),
    )
});

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let results = DIRECTORY.search(query, 25);
    assert!(results.hits.len() <= 25);
});
