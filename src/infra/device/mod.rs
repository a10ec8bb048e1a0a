//! Everything Kontakt keeps on the user's device: favourites and recent contacts in an
//! IndexedDB database of their own, every record sealed with a key that only the service
//! can derive and that the tab keeps in memory; plus a few settings that are not personal
//! data (`settings`). Nothing else — no search history, no directory cache.

mod records;
mod schema;
mod seal;
mod store;
mod sync;
#[cfg(all(test, target_arch = "wasm32"))]
mod tests;

pub use records::{Favourite, Recent, Use};
pub use store::{DeviceStore, MAX_RECENTS};
pub use sync::{Channel, Message};

/// Why the device store could not do something, as the user is told.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// No IndexedDB (e.g. a browser setting), or the browser refused to open it.
    #[error("this browser does not let Kontakt store anything: {0}")]
    Unavailable(String),
    /// The browser's storage quota for Kontakt is used up.
    #[error("the browser's storage for Kontakt is full")]
    QuotaFull,
    /// `GET /me` did not return a usable key (a service bug, or a service too old).
    #[error("the service sent no usable cache key")]
    BadKey,
    #[error("the browser could not encrypt")]
    Crypto,
    #[error("storage failed: {0}")]
    Storage(String),
}

impl From<indexed_db_futures::error::Error> for DeviceError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        use indexed_db_futures::error::{DomException, Error};
        match &e {
            Error::DomException(DomException::Other(d)) if d.name() == "QuotaExceededError" => {
                DeviceError::QuotaFull
            }
            _ => DeviceError::Storage(e.to_string()),
        }
    }
}

impl From<indexed_db_futures::error::OpenDbError> for DeviceError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        use indexed_db_futures::error::OpenDbError;
        match e {
            OpenDbError::Base(e) => match DeviceError::from(e) {
                DeviceError::Storage(m) => DeviceError::Unavailable(m),
                other => other,
            },
            other => DeviceError::Unavailable(other.to_string()),
        }
    }
}
