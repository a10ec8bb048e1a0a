#![no_main]
//! Rows as an ODBC driver hands them over: any column names, NULLs, values in any bytes
//! and lengths, mapped by a configuration with a joined key, a joined name and several
//! numbers.

use kontakt_directory::sources::odbc::OdbcSource;
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const CONFIG: &str = r#"connection = "crm"
table = "kontakte"
key = ["mandant", "nr"]
[columns]
display_name = { join = ["vorname", "name"] }
company = ["firma", "firma2"]
emails = ["mail", "mail2"]
phones = [{ column = "tel" }, { column = "handy", kind = "mobile" }]
"#;

/// Mostly the names the mapping knows, sometimes anything.
const NAMES: &[&str] = &[
    "mandant", "nr", "vorname", "name", "firma", "firma2", "mail", "mail2", "tel", "handy",
];

fn input(u: &mut Unstructured<'_>) -> Result<(Vec<String>, Vec<Vec<Option<Vec<u8>>>>)> {
    let columns = u.int_in_range(0..=12)?;
    let mut names = Vec::with_capacity(columns);
    for _ in 0..columns {
        names.push(if u.ratio(1, 8)? {
            u.arbitrary::<String>()?
        } else {
            (*u.choose(NAMES)?).to_owned()
        });
    }
    let mut rows = Vec::new();
    while !u.is_empty() && rows.len() < 64 {
        let mut row = Vec::with_capacity(columns);
        for _ in 0..columns {
            row.push(u.arbitrary::<Option<Vec<u8>>>()?);
        }
        rows.push(row);
    }
    Ok((names, rows))
}

fuzz_target!(|data: &[u8]| {
    let source: OdbcSource = toml::from_str(CONFIG).unwrap();
    let Ok((names, rows)) = input(&mut Unstructured::new(data)) else {
        return;
    };
    common::read(|out| source.map_rows(&names, rows, out));
});
