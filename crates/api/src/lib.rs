//! Wire types of Kontakt's HTTP API v1, shared by the tab (wasm32) and the service.
//!
//! Both sides compile these exact definitions, so a field renamed here breaks the build of
//! the other side instead of silently breaking users. `docs/api.md` describes the same
//! shapes for people; the OpenAPI document at `/api/v1/openapi.json` is derived from them
//! (feature `openapi`).

mod contact;
pub mod json;
mod me;
mod problem;
mod sealed;
#[cfg(feature = "seal")]
mod sealing;
mod search;
mod sources;

pub use contact::{Address, Contact, Phone, PhoneKind, SourceRef};
pub use me::{DevTokenRequest, DevTokenResponse, Me};
pub use problem::{Problem, ProblemCode};
pub use sealed::{
    Answer, DirectoryKey, Inner, KeyEndorsement, Op, SealedAnswer, SealedRequest, TICKET_HEADER,
};
pub use search::{Highlight, SearchHit, SearchResponse};
pub use sources::{SourceProblem, SourceState, SourceStatus};

/// Longest query, in Unicode scalar values, the service accepts.
pub const MAX_QUERY_CHARS: usize = 200;
/// Bounds and default of the `limit` search parameter.
pub const MIN_LIMIT: u32 = 1;
pub const MAX_LIMIT: u32 = 100;
pub const DEFAULT_LIMIT: u32 = 25;

/// Path prefix of every API route.
pub const API_PREFIX: &str = "/api/v1";
