//! Who is calling: Microsoft Entra (Teams SSO) access tokens, validated locally against
//! the issuer's published keys. Demo tokens take exactly the same path; only the key URL
//! differs (the demo server publishes its own key set). Which organisations the service
//! serves is not this module's business: a valid token of any tenant passes here.

mod error;
mod jwks;
mod validator;

pub use error::AuthError;
pub use jwks::{KeyStore, KeyStoreOptions};
pub use validator::{Identity, SignedIn, TokenValidator, ValidatorOptions, is_guid};
