use kontakt_directory::Directory;
use kontakt_directory::demo::{Generator, dialing};
use kontakt_directory::phone::PhoneNormalizer;

use super::{Engine, Hit, LIMIT};
use crate::queries::Query;

pub struct Kontakt(pub Directory);

impl Kontakt {
    pub fn build(size: usize, seed: u64) -> Kontakt {
        Kontakt(Directory::build(
            Generator::new(size, seed),
            PhoneNormalizer::new(&dialing()).expect("demo dialling parameters are valid"),
        ))
    }
}

impl Engine for Kontakt {
    /// The full production path: parse, match, rank, highlight, materialise contacts.
    fn search(&self, query: &Query) -> Option<(usize, Vec<Hit>)> {
        let r = self.0.search(&query.text, LIMIT);
        let hits = r
            .hits
            .into_iter()
            .map(|h| Hit {
                id: h.contact.id,
                display_name: h.contact.display_name,
            })
            .collect();
        Some((r.total, hits))
    }

    fn notes(&self) -> String {
        format!(
            "{:.0} MB contacts + index",
            self.0.heap_bytes() as f64 / 1e6
        )
    }
}
