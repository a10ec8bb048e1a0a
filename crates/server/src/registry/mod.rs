//! The cloud's registry of organisations: who registered, their directories, one-time
//! enrollment codes, anonymous daily counters, and the record that a tenant's data was
//! deleted. One schema and one set of queries for SQLite (a file in the data folder, the
//! embedded default) and PostgreSQL (several cloud nodes), through sqlx's Any driver.
//!
//! Every function that depends on the time takes it (`now`, seconds since 1970): the
//! 56-day deletion is tested on an injected clock, not by waiting.

mod dates;
mod usage;

pub use dates::{day_of, parse_date};
pub use usage::{UsageReport, UsageRow, latency_bucket, usage_csv};

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row, SqlSafeStr};

/// Days after a subscription's end at which everything of the tenant is deleted.
pub const RETENTION_DAYS: i64 = 56;
/// How long an enrollment code can be used.
pub const CODE_LIFETIME_SECS: i64 = 24 * 3600;
const DAY: i64 = 24 * 3600;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "registry",
        include_str!("../../migrations/0001_registry.sql"),
    ),
    (
        2,
        "purge runs",
        include_str!("../../migrations/0002_purge_runs.sql"),
    ),
];

/// Migrations only PostgreSQL runs: what SQLite (one node, nothing to tell) has no use for.
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[(
    3,
    "change notices",
    include_str!("../../migrations/0003_change_notices.sql"),
)];

/// The channel the registry's triggers notify (migration 0003).
const CHANGES_CHANNEL: &str = "kontakt_registry";

/// What went wrong with the registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("the registry database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the registry's schema cannot be brought up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("registry.url must start with sqlite: or postgres:, not {0:?}")]
    Url(String),
    #[error("the organisation {0} is registered already")]
    AlreadyRegistered(String),
    #[error("no organisation {0} is registered")]
    UnknownTenant(String),
    /// A value an administrator typed (the admin page shows it at its field, in their
    /// language; the command line prints this).
    #[error("{field} {problem}")]
    Field {
        field: FormField,
        problem: FieldProblem,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("the enrollment code is not valid: it is mistyped, used, or older than 24 hours")]
    BadCode,
    #[error(
        "this organisation's directories use the key {registered}; this directory has {offered}. Copy directory.key and directory-key-chain.json from the first directory's data folder (docs/deploy.md, \"A second directory\"), then enroll again"
    )]
    OtherKey { registered: String, offered: String },
}

/// A registered organisation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TenantRecord {
    pub id: String,
    pub organisation: String,
    pub admin_name: String,
    pub admin_email: String,
    pub registered_at: i64,
    pub updated_at: i64,
    pub subscription_ends_at: Option<i64>,
}

impl TenantRecord {
    /// Whether the subscription has ended by `now`.
    pub fn ended(&self, now: i64) -> bool {
        ended_by(self.subscription_ends_at, now)
    }
}

/// An enrolled directory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DirectoryRecord {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    /// The public key its links hold (`kontakt_seal` text form).
    pub public_key: String,
    pub credential_hash: String,
    pub last_seen_at: Option<i64>,
}

/// What a registering administrator gives.
#[derive(Clone, Debug)]
pub struct NewTenant {
    pub id: String,
    pub organisation: String,
    pub admin_name: String,
    pub admin_email: String,
}

/// Everything the registry holds about one organisation.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Stored {
    pub tenant: TenantRecord,
    pub directories: Vec<DirectoryRecord>,
    pub open_enrollment_codes: i64,
    pub usage_days: Vec<serde_json::Value>,
}

/// What enrollment gives a directory.
#[derive(Clone, Debug)]
pub struct Enrolled {
    pub tenant_id: String,
    pub directory_id: String,
    /// The long-lived credential, shown this once; the registry keeps its hash.
    pub credential: String,
}

/// What a purge deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Hashes of the deleted tenants' ids.
    pub tenants: Vec<String>,
    pub expired_codes: u64,
}

pub struct Registry {
    pool: AnyPool,
    /// The PostgreSQL server's URL, for listening to change notices.
    postgres: Option<String>,
}

/// `sha256:` hex of `text`: how codes and credentials are stored — the same form as a
/// credential in a cloud's configuration.
pub fn hash(text: &str) -> String {
    crate::link::credential_line(text)
}

/// How a deleted tenant is recorded: not its id.
pub fn tenant_hash(tenant: &str) -> String {
    hash(&format!(
        "kontakt deleted tenant {}",
        tenant.to_ascii_lowercase()
    ))
}

/// Whether a subscription that ends at `end` (if it has an end) has ended by `now`.
pub fn ended_by(end: Option<i64>, now: i64) -> bool {
    end.is_some_and(|end| end <= now)
}

/// When everything of a tenant whose subscription ends at `end` is deleted.
pub fn deleted_at(end: i64) -> i64 {
    end + RETENTION_DAYS * DAY
}

/// Enrollment codes: 20 characters of Crockford's base32 (100 bits) in groups of five,
/// read back whatever the case, dashes or spaces.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn new_code() -> String {
    let bytes: [u8; 20] = rand::random();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| CODE_ALPHABET[(b & 31) as usize] as char)
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as typed, in the form it was hashed in: upper case, `O`→`0`, `I`/`L`→`1`, no
/// separators.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

fn new_id() -> String {
    let bytes: [u8; 9] = rand::random();
    format!("dir_{}", kontakt_seal::encode(&bytes))
}

fn tenant(row: &sqlx::any::AnyRow) -> Result<TenantRecord, sqlx::Error> {
    Ok(TenantRecord {
        id: row.try_get("id")?,
        organisation: row.try_get("organisation")?,
        admin_name: row.try_get("admin_name")?,
        admin_email: row.try_get("admin_email")?,
        registered_at: row.try_get("registered_at")?,
        updated_at: row.try_get("updated_at")?,
        subscription_ends_at: row.try_get("subscription_ends_at")?,
    })
}

fn directory(row: &sqlx::any::AnyRow) -> Result<DirectoryRecord, sqlx::Error> {
    Ok(DirectoryRecord {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        name: row.try_get("name")?,
        public_key: row.try_get("public_key")?,
        credential_hash: row.try_get("credential_hash")?,
        last_seen_at: row.try_get("last_seen_at")?,
    })
}

const TENANT_COLUMNS: &str = "SELECT id, organisation, admin_name, admin_email, registered_at, updated_at, subscription_ends_at FROM tenants";
const DIRECTORY_COLUMNS: &str =
    "SELECT id, tenant_id, name, public_key, credential_hash, last_seen_at FROM directories";

/// Longest organisation name, administrator name or e-mail address kept.
pub const MAX_FIELD_CHARS: usize = 200;

/// The values the registry keeps that a person types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormField {
    Organisation,
    AdminName,
    AdminEmail,
    DirectoryName,
}

impl std::fmt::Display for FormField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FormField::Organisation => "the organisation's name",
            FormField::AdminName => "the administrator's name",
            FormField::AdminEmail => "the e-mail address",
            FormField::DirectoryName => "the directory's name",
        })
    }
}

/// What is wrong with a typed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    #[error("is empty")]
    Empty,
    #[error("is longer than {MAX_FIELD_CHARS} characters")]
    TooLong,
    #[error("contains a control character")]
    ControlCharacter,
    #[error("is not in the form name@example.com")]
    NotEmail,
}

fn check_field(field: FormField, value: &str) -> Result<String, RegistryError> {
    let value = value.trim();
    let problem = if value.is_empty() {
        FieldProblem::Empty
    } else if value.chars().count() > MAX_FIELD_CHARS {
        FieldProblem::TooLong
    } else if value.chars().any(char::is_control) {
        FieldProblem::ControlCharacter
    } else {
        return Ok(value.to_owned());
    };
    Err(RegistryError::Field { field, problem })
}

fn check_email(value: &str) -> Result<String, RegistryError> {
    let value = check_field(FormField::AdminEmail, value)?;
    match value.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !value.contains(' ') =>
        {
            Ok(value)
        }
        _ => Err(RegistryError::Field {
            field: FormField::AdminEmail,
            problem: FieldProblem::NotEmail,
        }),
    }
}

impl Registry {
    /// Opens (creating a SQLite file when needed) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Registry, RegistryError> {
        sqlx::any::install_default_drivers();
        let url = if let Some(path) = url.strip_prefix("sqlite:") {
            // Created when missing; WAL, so readers never wait for the purge.
            let path = path.trim_start_matches("//");
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("sqlite://{path}{sep}mode=rwc")
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            url.to_owned()
        } else {
            return Err(RegistryError::Url(url.to_owned()));
        };
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(8)
            .connect(&url)
            .await?;
        if url.starts_with("sqlite:") {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let postgres = (!url.starts_with("sqlite:")).then(|| url.clone());
        let postgres_only = if postgres.is_some() {
            POSTGRES_MIGRATIONS
        } else {
            &[]
        };
        let migrations = MIGRATIONS
            .iter()
            .chain(postgres_only)
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations).run(&pool).await?;
        Ok(Registry { pool, postgres })
    }

    /// Calls `changed` whenever the registry's organisations or directories change, for as
    /// long as the returned task runs: on PostgreSQL through LISTEN/NOTIFY (a lost
    /// connection is opened again, and counts as a change, since notices may have been
    /// missed). `None` on SQLite, where only this process writes.
    pub fn watch_changes(
        &self,
        changed: impl Fn() + Send + 'static,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let url = self.postgres.clone()?;
        Some(tokio::spawn(async move {
            loop {
                let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for registry changes; reading it every few seconds meanwhile");
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen(CHANGES_CHANNEL).await {
                    tracing::warn!(error = %e, "cannot listen for registry changes");
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    continue;
                }
                changed();
                // `try_recv` reports a lost connection as `None` rather than reconnecting
                // silently, so the notices missed meanwhile count as a change.
                while let Ok(Some(_)) = listener.try_recv().await {
                    changed();
                }
            }
        }))
    }

    /// Registers an organisation; refused when it is registered already.
    pub async fn register(&self, new: &NewTenant, now: i64) -> Result<TenantRecord, RegistryError> {
        let id = new.id.to_ascii_lowercase();
        let organisation = check_field(FormField::Organisation, &new.organisation)?;
        let admin_name = check_field(FormField::AdminName, &new.admin_name)?;
        let admin_email = check_email(&new.admin_email)?;
        let inserted = sqlx::query(
            "INSERT INTO tenants (id, organisation, admin_name, admin_email, registered_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(&organisation)
        .bind(&admin_name)
        .bind(&admin_email)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(RegistryError::AlreadyRegistered(id));
        }
        self.tenant(&id)
            .await?
            .ok_or(RegistryError::UnknownTenant(id))
    }

    pub async fn tenant(&self, id: &str) -> Result<Option<TenantRecord>, RegistryError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TENANT_COLUMNS} WHERE id = $1"
        )))
        .bind(id.to_ascii_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(tenant).transpose()?)
    }

    pub async fn tenants(&self) -> Result<Vec<TenantRecord>, RegistryError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TENANT_COLUMNS} ORDER BY registered_at, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(tenant).collect::<Result<_, _>>()?)
    }

    /// The administrator changes their name and e-mail address.
    pub async fn update_contact(
        &self,
        id: &str,
        admin_name: &str,
        admin_email: &str,
        now: i64,
    ) -> Result<(), RegistryError> {
        let admin_name = check_field(FormField::AdminName, admin_name)?;
        let admin_email = check_email(admin_email)?;
        let done = sqlx::query(
            "UPDATE tenants SET admin_name = $1, admin_email = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(&admin_name)
        .bind(&admin_email)
        .bind(now)
        .bind(id.to_ascii_lowercase())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(RegistryError::UnknownTenant(id.to_owned()));
        }
        Ok(())
    }

    /// Ends the subscription at `at` (which may be in the past); `None` lets it run on.
    pub async fn set_subscription_end(
        &self,
        id: &str,
        at: Option<i64>,
        now: i64,
    ) -> Result<(), RegistryError> {
        let done = sqlx::query(
            "UPDATE tenants SET subscription_ends_at = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(at)
        .bind(now)
        .bind(id.to_ascii_lowercase())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(RegistryError::UnknownTenant(id.to_owned()));
        }
        Ok(())
    }

    /// Deletes everything of a tenant at once and records that it was deleted. `false`
    /// when there was nothing to delete.
    pub async fn delete_tenant(&self, id: &str, now: i64) -> Result<bool, RegistryError> {
        let id = id.to_ascii_lowercase();
        let mut tx = self.pool.begin().await?;
        for table in [
            "DELETE FROM directories WHERE tenant_id = $1",
            "DELETE FROM enrollment_codes WHERE tenant_id = $1",
            "DELETE FROM usage_days WHERE tenant_id = $1",
            "DELETE FROM active_users_today WHERE tenant_id = $1",
        ] {
            sqlx::query(table).bind(&id).execute(&mut *tx).await?;
        }
        let deleted = sqlx::query("DELETE FROM tenants WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if deleted {
            sqlx::query("INSERT INTO deletions (tenant_hash, day) VALUES ($1, $2)")
                .bind(tenant_hash(&id))
                .bind(day_of(now))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Deletes every tenant whose subscription ended 56 days or more before `now`, and
    /// enrollment codes that expired; closes the counters of days that are over.
    pub async fn purge(&self, now: i64) -> Result<Purged, RegistryError> {
        let due: Vec<String> = sqlx::query(
            "SELECT id FROM tenants WHERE subscription_ends_at IS NOT NULL AND subscription_ends_at <= $1",
        )
        .bind(now - RETENTION_DAYS * DAY)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
        let mut purged = Purged::default();
        for id in due {
            if self.delete_tenant(&id, now).await? {
                purged.tenants.push(tenant_hash(&id));
            }
        }
        purged.expired_codes = sqlx::query("DELETE FROM enrollment_codes WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
        self.close_days(&day_of(now)).await?;
        Ok(purged)
    }

    /// Whether this node is the first to claim the purge of the hour `now` falls in: with
    /// several nodes on one registry, the purge runs once an hour, not once per node.
    pub async fn claim_purge(&self, now: i64) -> Result<bool, RegistryError> {
        let slot = now.div_euclid(3600);
        let claimed = sqlx::query(
            "INSERT INTO purge_runs (slot, ran_at) VALUES ($1, $2) ON CONFLICT (slot) DO NOTHING",
        )
        .bind(slot)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if claimed {
            // A week of claims is plenty to see that the purge runs.
            sqlx::query("DELETE FROM purge_runs WHERE slot < $1")
                .bind(slot - 7 * 24)
                .execute(&self.pool)
                .await?;
        }
        Ok(claimed)
    }

    /// The days on which tenants' data was deleted: (hash of the tenant id, day).
    pub async fn deletions(&self) -> Result<Vec<(String, String)>, RegistryError> {
        let rows = sqlx::query("SELECT tenant_hash, day FROM deletions ORDER BY day")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| Ok((r.try_get("tenant_hash")?, r.try_get("day")?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// A new one-time code for enrolling a directory of `tenant`: shown once, kept as a
    /// hash.
    pub async fn create_code(&self, tenant: &str, now: i64) -> Result<String, RegistryError> {
        let code = new_code();
        sqlx::query(
            "INSERT INTO enrollment_codes (code_hash, tenant_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(hash(&normalise_code(&code)))
        .bind(tenant.to_ascii_lowercase())
        .bind(now + CODE_LIFETIME_SECS)
        .execute(&self.pool)
        .await?;
        Ok(code)
    }

    /// Enrolls a directory with a one-time code: the code is used up, the directory's key
    /// is registered, and its credential returned. A tenant's directories all hold one key.
    pub async fn enroll(
        &self,
        code: &str,
        tenant: &str,
        public_key: &str,
        name: &str,
        now: i64,
    ) -> Result<Enrolled, RegistryError> {
        let name = check_field(FormField::DirectoryName, name)?;
        let mut tx = self.pool.begin().await?;
        // Deleting is what uses the code: of two enrollments at once, one gets the row.
        let row = sqlx::query(
            "DELETE FROM enrollment_codes WHERE code_hash = $1 RETURNING tenant_id, expires_at",
        )
        .bind(hash(&normalise_code(code)))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(RegistryError::BadCode);
        };
        let tenant_id: String = row.try_get("tenant_id")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at <= now {
            tx.commit().await?;
            return Err(RegistryError::BadCode);
        }
        if !tenant_id.eq_ignore_ascii_case(tenant) {
            // The code stays usable by the directory it was meant for.
            return Err(RegistryError::Invalid(format!(
                "this code is for the organisation {tenant_id}, but this directory is configured for {tenant} (tenants[0].id)"
            )));
        }
        let ended: Option<i64> =
            sqlx::query("SELECT subscription_ends_at FROM tenants WHERE id = $1")
                .bind(&tenant_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("subscription_ends_at"))
                .transpose()?
                .flatten();
        if ended.is_some_and(|end| end <= now) {
            return Err(RegistryError::Invalid(String::from(
                "the organisation's subscription has ended: no directory can enroll",
            )));
        }
        let registered: Option<String> =
            sqlx::query("SELECT public_key FROM directories WHERE tenant_id = $1 LIMIT 1")
                .bind(&tenant_id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("public_key"))
                .transpose()?;
        if let Some(registered) = registered.filter(|k| !k.is_empty() && k != public_key) {
            // The code stays unused: the admin copies the key and tries again.
            return Err(RegistryError::OtherKey {
                registered: fingerprint(&registered),
                offered: fingerprint(public_key),
            });
        }
        let credential = crate::link::new_credential();
        let directory_id = new_id();
        sqlx::query(
            "INSERT INTO directories (id, tenant_id, name, public_key, credential_hash) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&directory_id)
        .bind(&tenant_id)
        .bind(&name)
        .bind(public_key)
        .bind(hash(&credential))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Enrolled {
            tenant_id,
            directory_id,
            credential,
        })
    }

    /// Registers a directory with a credential known in advance (the demo's), once.
    pub async fn ensure_directory(
        &self,
        tenant: &str,
        directory_id: &str,
        name: &str,
        credential: &str,
    ) -> Result<(), RegistryError> {
        sqlx::query(
            "INSERT INTO directories (id, tenant_id, name, public_key, credential_hash) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(directory_id)
        .bind(tenant.to_ascii_lowercase())
        .bind(name)
        .bind("")
        .bind(hash(credential))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The directory a link's credential belongs to.
    pub async fn directory_by_credential(
        &self,
        credential: &str,
    ) -> Result<Option<DirectoryRecord>, RegistryError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{DIRECTORY_COLUMNS} WHERE credential_hash = $1"
        )))
        .bind(hash(credential))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(directory).transpose()?)
    }

    pub async fn directories(&self, tenant: &str) -> Result<Vec<DirectoryRecord>, RegistryError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{DIRECTORY_COLUMNS} WHERE tenant_id = $1 ORDER BY name, id"
        )))
        .bind(tenant.to_ascii_lowercase())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(directory).collect::<Result<_, _>>()?)
    }

    /// Ids of every enrolled directory.
    pub async fn directory_ids(&self) -> Result<Vec<String>, RegistryError> {
        let rows = sqlx::query("SELECT id FROM directories")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?)
    }

    /// Revokes a directory of `tenant` (only of that tenant): its credential stops working.
    pub async fn revoke(&self, tenant: &str, directory_id: &str) -> Result<bool, RegistryError> {
        let done = sqlx::query("DELETE FROM directories WHERE id = $1 AND tenant_id = $2")
            .bind(directory_id)
            .bind(tenant.to_ascii_lowercase())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A directory linked with `public_key` at `now`.
    pub async fn seen(
        &self,
        directory_id: &str,
        public_key: &str,
        now: i64,
    ) -> Result<(), RegistryError> {
        sqlx::query("UPDATE directories SET public_key = $1, last_seen_at = $2 WHERE id = $3")
            .bind(public_key)
            .bind(now)
            .bind(directory_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Everything stored about `tenant`, field by field, as the administrator is shown it;
    /// `None` when it is not registered.
    pub async fn stored_about(&self, tenant: &str) -> Result<Option<Stored>, RegistryError> {
        let Some(tenant) = self.tenant(tenant).await? else {
            return Ok(None);
        };
        let directories = self.directories(&tenant.id).await?;
        let open_enrollment_codes: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM enrollment_codes WHERE tenant_id = $1")
                .bind(&tenant.id)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
        let usage_days = self.usage_of(&tenant.id).await?;
        Ok(Some(Stored {
            tenant,
            directories,
            open_enrollment_codes,
            usage_days,
        }))
    }
}

/// How often the cloud runs the purge: hourly, so a deletion is never more than an hour
/// late whenever the cloud was started; with several nodes, whichever claims the hour.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// The purge, inside the cloud, for as long as it runs.
pub fn spawn_daily_purge(registry: std::sync::Arc<Registry>) {
    tokio::spawn(async move {
        loop {
            let now = crate::tenants::now_secs();
            let outcome = match registry.claim_purge(now).await {
                Ok(true) => registry.purge(now).await.map(Some),
                // Another node of the cluster runs this hour's purge.
                Ok(false) => Ok(None),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(None) => {}
                Ok(Some(purged)) => {
                    for hash in &purged.tenants {
                        tracing::info!(tenant_hash = %hash, "deleted everything of an organisation 56 days after its subscription ended");
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "the purge failed; it runs again within the hour")
                }
            }
            tokio::time::sleep(PURGE_EVERY).await;
        }
    });
}

/// The demo's directory, enrolled with the public demo credential.
pub const DEMO_DIRECTORY_ID: &str = "dir_demo";

/// Registers the demo organisation and enrolls its directory, unless they are there.
pub async fn register_demo(registry: &Registry) -> Result<(), RegistryError> {
    let now = crate::tenants::now_secs();
    let tenant = crate::demo::TENANT_ID;
    match registry.tenant(tenant).await? {
        Some(t) if t.ended(now) => registry.set_subscription_end(tenant, None, now).await?,
        Some(_) => {}
        None => {
            registry
                .register(
                    &NewTenant {
                        id: tenant.to_owned(),
                        organisation: crate::demo::TENANT_NAME.to_owned(),
                        admin_name: crate::demo::ADMIN_NAME.to_owned(),
                        admin_email: crate::demo::ADMIN_UPN.to_owned(),
                    },
                    now,
                )
                .await?;
        }
    }
    registry
        .ensure_directory(
            tenant,
            DEMO_DIRECTORY_ID,
            "Demo directory",
            crate::link::DEMO_CREDENTIAL,
        )
        .await
}

/// The fingerprint of a key in its text form, or the text when it is not a key.
fn fingerprint(key: &str) -> String {
    kontakt_seal::PublicKey::from_text(key).map_or_else(|_| key.to_owned(), |k| k.fingerprint())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_back_however_they_are_typed() {
        let code = new_code();
        assert_eq!(code.len(), 23);
        assert_eq!(code.matches('-').count(), 3);
        let typed = code.to_ascii_lowercase().replace('-', " ");
        assert_eq!(normalise_code(&typed), code.replace('-', ""));
        assert_eq!(normalise_code("ol-IL"), "0111");
        assert_ne!(new_code(), new_code());
    }

    #[test]
    fn e_mail_addresses_and_names_are_checked() {
        let problem = |r: Result<String, RegistryError>| match r {
            Err(RegistryError::Field { problem, .. }) => Some(problem),
            _ => None,
        };
        assert_eq!(check_email(" ada@example.com ").unwrap(), "ada@example.com");
        assert_eq!(problem(check_email("ada")), Some(FieldProblem::NotEmail));
        assert_eq!(
            problem(check_email("ada@localhost")),
            Some(FieldProblem::NotEmail)
        );
        assert_eq!(problem(check_email(" ")), Some(FieldProblem::Empty));
        let name = |v: &str| check_field(FormField::AdminName, v);
        assert_eq!(problem(name(" ")), Some(FieldProblem::Empty));
        assert_eq!(problem(name(&"a".repeat(201))), Some(FieldProblem::TooLong));
        assert!(name(&"ä".repeat(200)).is_ok(), "characters, not bytes");
        assert_eq!(
            problem(name("a\u{7}")),
            Some(FieldProblem::ControlCharacter)
        );
        // What the command line prints.
        assert_eq!(
            name("").unwrap_err().to_string(),
            "the administrator's name is empty"
        );
    }
}
