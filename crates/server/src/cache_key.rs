//! The keys that seal each user's favourites and recents on their device.
//!
//! The service keeps one secret; a user's key is HKDF-SHA256 of that secret with the tenant
//! id and user id as context. The service stores no per-user key (it derives the same one
//! on every request), the tab keeps it in memory only, and replacing the secret makes every
//! device cache unreadable at once — the tab then clears it and tells the user.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use sha2::Sha256;

/// The shortest secret accepted: 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;
const SALT: &[u8] = b"kontakt/device-cache-key/v1";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the cache secret {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create the cache secret {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the cache secret {path} holds {len} bytes; it needs at least {MIN_SECRET_BYTES} (e.g. `openssl rand -base64 48 > {path}`)"
    )]
    TooShort { path: String, len: usize },
    #[error(
        "the cache secret {path} is damaged ({what}); restore it from the backup, or — to clear every user's favourites and recents on their devices — delete it and a new one is made"
    )]
    Damaged { path: String, what: &'static str },
}

pub struct CacheKeys {
    hkdf: Hkdf<Sha256>,
}

impl CacheKeys {
    pub fn from_secret(secret: &[u8]) -> Self {
        CacheKeys {
            hkdf: Hkdf::<Sha256>::new(Some(SALT), secret),
        }
    }

    /// Reads the secret at `path`, or creates one there (owner-readable only) when there is
    /// no file yet. Surrounding whitespace is not part of the secret. A file that exists but
    /// cannot be read or looks damaged refuses the start: a new secret would silently clear
    /// every user's device cache. `data_dir` tells whether this server ran before (it has
    /// snapshots); a secret missing there is made anew, loudly.
    pub fn load_or_create(path: &Path, data_dir: &Path) -> Result<Self, SecretError> {
        let shown = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => {
                let secret = bytes.trim_ascii();
                if let Some(what) = damage(secret) {
                    return Err(SecretError::Damaged { path: shown, what });
                }
                if secret.len() < MIN_SECRET_BYTES {
                    return Err(SecretError::TooShort {
                        path: shown,
                        len: secret.len(),
                    });
                }
                Ok(Self::from_secret(secret))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
                write_private(path, secret.as_bytes()).map_err(|source| SecretError::Create {
                    path: shown.clone(),
                    source,
                })?;
                if has_snapshots(data_dir) {
                    tracing::error!(
                        path = %shown,
                        "the cache secret was missing although this server has run before (it has snapshots): a new one was made, so every user's favourites and recents on their devices are cleared on their next visit. If the old secret is in a backup, stop the service, put it back and start again (docs/operations.md, backups)"
                    );
                } else {
                    tracing::info!(path = %shown, "created a new cache secret");
                }
                Ok(Self::from_secret(secret.as_bytes()))
            }
            Err(source) => Err(SecretError::Read {
                path: shown,
                source,
            }),
        }
    }

    /// The user's key, base64url without padding. Ids are compared case-insensitively
    /// elsewhere, so they are lowercased here too.
    pub fn for_user(&self, tenant_id: &str, user_id: &str) -> String {
        let info = format!(
            "{}\0{}",
            tenant_id.to_ascii_lowercase(),
            user_id.to_ascii_lowercase()
        );
        let mut key = [0u8; 32];
        self.hkdf
            .expand(info.as_bytes(), &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        URL_SAFE_NO_PAD.encode(key)
    }
}

/// What makes a secret's bytes look damaged rather than chosen: a file zeroed or cut by a
/// crash or a bad restore. Secrets are random bytes or their base64, never this.
fn damage(secret: &[u8]) -> Option<&'static str> {
    if secret.contains(&0) {
        return Some("it holds zero bytes, as a file does that a crash left unwritten");
    }
    let mut seen = [false; 256];
    for b in secret {
        seen[usize::from(*b)] = true;
    }
    let distinct = seen.iter().filter(|s| **s).count();
    (secret.len() >= MIN_SECRET_BYTES && distinct < 8)
        .then_some("it repeats fewer than 8 different bytes; a random secret does not")
}

/// Whether `data_dir` holds source snapshots (`{tenant}/{source}.meta.json`): the server
/// has served before.
fn has_snapshots(data_dir: &Path) -> bool {
    let Ok(tenants) = std::fs::read_dir(data_dir) else {
        return false;
    };
    tenants.flatten().any(|t| {
        std::fs::read_dir(t.path()).is_ok_and(|files| {
            files
                .flatten()
                .any(|f| f.file_name().to_string_lossy().ends_with(".meta.json"))
        })
    })
}

/// Creates `path` readable by its owner only; never replaces an existing file.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34";
    const USER: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

    #[test]
    fn keys_are_per_user_stable_and_change_with_the_secret() {
        let keys = CacheKeys::from_secret(&[7; 32]);
        let key = keys.for_user(TENANT, USER);
        assert_eq!(URL_SAFE_NO_PAD.decode(&key).unwrap().len(), 32);
        assert_eq!(key, keys.for_user(&TENANT.to_uppercase(), USER));
        assert_ne!(
            key,
            keys.for_user(TENANT, "1d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6")
        );
        assert_ne!(
            key,
            keys.for_user("7b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34", USER)
        );
        assert_ne!(key, CacheKeys::from_secret(&[8; 32]).for_user(TENANT, USER));
        // The tenant/user boundary is part of the input: no two splits collide.
        assert_ne!(keys.for_user("ab", "c"), keys.for_user("a", "bc"));
    }

    #[test]
    fn a_missing_secret_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/cache-secret");
        let first = CacheKeys::load_or_create(&path, dir.path())
            .unwrap()
            .for_user(TENANT, USER);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = CacheKeys::load_or_create(&path, dir.path())
            .unwrap()
            .for_user(TENANT, USER);
        assert_eq!(first, again);
        // An admin's secret with a trailing newline is the same secret without it.
        let chosen = "q8ZJ3vN0pXb7LrT1wYc5HsKd2MfGa9Ue4Vo6Ri";
        std::fs::write(&path, format!("{chosen}\n")).unwrap();
        let with_newline = CacheKeys::load_or_create(&path, dir.path())
            .unwrap()
            .for_user(TENANT, USER);
        assert_eq!(
            with_newline,
            CacheKeys::from_secret(chosen.as_bytes()).for_user(TENANT, USER)
        );
    }

    #[test]
    fn a_short_secret_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache-secret");
        std::fs::write(&path, "too short\n").unwrap();
        let err = CacheKeys::load_or_create(&path, dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("9 bytes") && err.contains("openssl rand"),
            "{err}"
        );
    }

    /// A secret a crash zeroed, a file of one repeated byte, or one that cannot be read
    /// refuses the start rather than silently clearing every user's device cache.
    #[test]
    fn a_damaged_or_unreadable_secret_refuses_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache-secret");
        let refused = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            CacheKeys::load_or_create(&path, dir.path())
                .err()
                .expect("refused")
                .to_string()
        };
        let zeroed = refused(&[0u8; 43]);
        assert!(
            zeroed.contains("damaged") && zeroed.contains("zero bytes"),
            "{zeroed}"
        );
        assert!(zeroed.contains("restore it from the backup"), "{zeroed}");
        let repeated = refused("a".repeat(48).as_bytes());
        assert!(
            repeated.contains("fewer than 8 different bytes"),
            "{repeated}"
        );
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        let unreadable = CacheKeys::load_or_create(&path, dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            unreadable.starts_with("cannot read the cache secret"),
            "{unreadable}"
        );
        // A secret made by the service is neither.
        std::fs::remove_dir(&path).unwrap();
        CacheKeys::load_or_create(&path, dir.path()).unwrap();
        CacheKeys::load_or_create(&path, dir.path()).unwrap();
    }
}
