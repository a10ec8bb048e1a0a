use serde::{Deserialize, Serialize};

/// State of one contact source of the caller's tenant (`GET /api/v1/sources`). Holds no
/// contact data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceStatus {
    pub id: String,
    pub name: String,
    /// `csv`, `vcard`, `ldap` or `demo`.
    pub kind: String,
    pub state: SourceState,
    /// Records (rows, cards, entries) the source held in its last successful read: each is
    /// either imported (`contacts`) or skipped.
    #[serde(default)]
    pub records: u64,
    /// Contacts in the snapshot being served.
    pub contacts: u64,
    /// Records skipped in the last successful read.
    pub skipped: u64,
    /// The first skipped records, with where and why.
    pub problems: Vec<SourceProblem>,
    /// Values left out of imported contacts in the last successful read: a phone value
    /// without any digit, an e-mail value that is not an address.
    #[serde(default)]
    pub dropped: u64,
    /// The first of those, with where and why.
    #[serde(default)]
    pub drops: Vec<SourceProblem>,
    /// When the source was last read successfully (seconds since 1970).
    pub last_success: Option<u64>,
    pub last_attempt: Option<u64>,
    /// Why the last refresh failed, when it did.
    pub last_error: Option<String>,
    pub refresh_secs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// Never read yet, no snapshot.
    Loading,
    /// The last refresh succeeded.
    Ok,
    /// The last refresh failed; the previous snapshot, if any, is served.
    Failing,
}

/// A skipped row: `line 17`, `card 4 (line 30)`, `entry 12 (…guid…)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceProblem {
    pub location: String,
    pub reason: String,
}

impl std::fmt::Display for SourceProblem {
    /// `line 4: 2 fields instead of 3`, as logs and reports print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}
