//! Reading a source through the whole pipeline, as the directory does.

use std::path::Path;

use kontakt_api::Contact;
use kontakt_directory::sources::{LoadReport, Source, SourceError};

/// Reads `path` as a source of `kind` (`csv`, `vcard`) with the id `x`.
pub fn load_file(kind: &str, path: &Path) -> (Vec<Contact>, LoadReport) {
    let source: Source = toml::from_str(&format!(
        "type = \"{kind}\"\nid = \"x\"\nname = \"Export\"\npath = {:?}",
        path.display().to_string()
    ))
    .unwrap();
    load(&source).unwrap()
}

/// Reads `source` into a list, with its report.
pub fn load(source: &Source) -> Result<(Vec<Contact>, LoadReport), SourceError> {
    let mut contacts = Vec::new();
    let mut sink = |c: Contact| {
        contacts.push(c);
        Ok(())
    };
    let report = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(source.load(&mut sink))?;
    Ok((contacts, report))
}
