//! Kontakt's directory: where contacts come from, how they are normalised, and how they
//! are found. No HTTP here: the server crate puts this behind the API.

pub mod demo;
mod directory;
pub mod phone;
pub mod text;

pub use directory::{Directory, SearchResults};
