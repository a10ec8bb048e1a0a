//! The sealed API: what the tab sends through the cloud to its company's directory, and
//! what comes back. The cloud sees only these envelopes, the tenant they are for and the
//! relay ticket; what is inside ([`Inner`], [`Answer`]) — the user's token included — is
//! sealed with the directory's key (`kontakt-seal`).

use serde::{Deserialize, Serialize};

use crate::{Contact, Me, Problem, SearchResponse};

/// `GET /api/v1/tenants/{tenant}/directory-key`: the public key of the organisation's
/// directory, which the tab pins on first use, and the endorsements that lead from older
/// keys to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryKey {
    pub tenant_id: String,
    /// The public key: 64 bytes, base64url (the HPKE X25519 key, then the Ed25519 key that
    /// endorses its successor).
    pub key: String,
    /// SHA-256 of the key, first 16 bytes in hex groups, as `kontakt directory status` and
    /// the tab's "This device" panel show it.
    pub fingerprint: String,
    /// Every rotation so far, oldest first: each older key's signature on the next.
    #[serde(default)]
    pub endorsements: Vec<KeyEndorsement>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyEndorsement {
    pub previous: String,
    pub next: String,
    /// Ed25519 signature of the previous key on the next, base64url.
    pub signature: String,
}

/// The header that carries a relay ticket (see [`Answer::SignedIn`]).
pub const TICKET_HEADER: &str = "kontakt-ticket";

/// `POST /api/v1/tenants/{tenant}/sealed`: a request sealed to the directory's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SealedRequest {
    /// The fingerprint of the key the request is sealed to.
    pub key: String,
    /// The HPKE encapsulated key, base64url.
    pub enc: String,
    /// The sealed [`Inner`] request, base64url.
    pub ciphertext: String,
}

/// The answer to a sealed request: the sealed [`Answer`], base64url.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealedAnswer {
    pub sealed: String,
}

/// What a sealed request says, once opened by the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inner {
    /// The user's Teams SSO token: the directory checks it itself.
    pub token: String,
    /// 16 random bytes, base64url: a request is answered once.
    pub nonce: String,
    /// When the tab sealed it (milliseconds since 1970, by the directory's clock as far as
    /// the tab knows it): requests older than a few minutes are not answered.
    pub sent_at_ms: u64,
    pub op: Op,
}

/// What the tab asks the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Who the user is, and a relay ticket: the one request the cloud relays without a
    /// ticket.
    SignIn,
    Search {
        q: String,
        limit: u32,
    },
    Contact {
        id: String,
    },
    // No `sources`: the sources' state is for the directory's admins (`kontakt directory
    // status`, metrics, the plain API on `serve`), not for every user through the cloud.
}

/// The directory's answer, sealed back to the tab: `{"search": {…}}`. Externally tagged on
/// purpose: an adjacently tagged enum is read through serde's buffer, which doubles every
/// variant's reading code in the tab (≈ 10 KB of the bundle).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Search(SearchResponse),
    Contact(Box<Contact>),
    /// The user, and a ticket for the cloud (header [`TICKET_HEADER`]): "a user this
    /// directory checked", signed with its key, naming no one. The cloud relays requests
    /// that carry one; the token stays inside the sealed requests, out of the cloud's reach.
    SignedIn {
        me: Me,
        ticket: String,
    },
    Problem(Problem),
    /// The request's `sent_at_ms` was too far from the directory's clock: this is the
    /// directory's time, for the tab to correct its own and ask again.
    Clock {
        now_ms: u64,
    },
}
