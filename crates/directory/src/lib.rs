//! Kontakt's directory: where contacts come from, how they are normalised, and how they
//! are found. No HTTP here: the server crate puts this behind the API.

pub mod callerid;
pub mod catalog;
pub mod check;
pub mod demo;
mod directory;
pub mod fields;
mod fnv;
pub mod index;
pub mod memory;
pub mod phone;
pub mod phonetic;
pub mod served;
pub mod snapshot;
pub mod sources;
pub mod store;
pub mod text;

pub use directory::{Directory, DirectoryBuilder, SearchResults, content_hash};
pub use served::Served;
