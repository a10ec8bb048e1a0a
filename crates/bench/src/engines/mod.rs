//! The engines compared, behind one interface. Every engine gets the same contacts with
//! the same E.164 normalisation, and answers the same queries.

pub mod fts5;
pub mod kontakt;
pub mod tantivy;

use crate::queries::Query;

/// The identity of a hit, enough to judge recall.
#[derive(Clone, Debug)]
pub struct Hit {
    pub id: String,
    pub display_name: String,
}

pub trait Engine {
    /// The best hits (at most 25), best first, and how many matched in all; `None` when the
    /// engine cannot express the query at all.
    fn search(&self, query: &Query) -> Option<(usize, Vec<Hit>)>;
    /// Whether the engine can answer queries of this class by design (it is still run on
    /// the others, to show its recall there).
    fn can_answer(&self, class: crate::queries::Class) -> bool {
        let _ = class;
        true
    }
    /// Engine-specific size facts for the report (e.g. bytes on disk).
    fn notes(&self) -> String {
        String::new()
    }
}

pub const LIMIT: usize = 25;
