//! The tenant's key on the directory's disk: the secret seed (readable by the service user
//! only, never sent anywhere), the endorsements of every rotation so far, and for an hour
//! after a rotation the key before it, so requests sealed just before still open.
//!
//! Files in `{data_dir}/{tenant}/`: `directory.key`, `directory.key.previous`,
//! `directory-key-chain.json`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use kontakt_api::{DirectoryKey, KeyEndorsement};
use kontakt_seal::{Endorsement, PublicKey, SecretKey};
use serde::{Deserialize, Serialize};

use crate::cache_key::write_private;

/// How long the key before a rotation still opens requests.
pub const GRACE: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the directory key {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the directory key {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the directory key {path} is damaged; restore it from the backup (a new key makes every user's tab refuse the directory until they trust it again)"
    )]
    Damaged { path: PathBuf },
}

/// The keys a running directory opens requests with.
#[derive(Clone, Debug)]
pub struct Keys {
    pub current: SecretKey,
    /// The key before the last rotation, while it is within [`GRACE`].
    pub previous: Option<SecretKey>,
    pub chain: Vec<Endorsement>,
}

#[derive(Default, Serialize, Deserialize)]
struct ChainFile {
    /// As tabs are given them (`GET …/directory-key`).
    endorsements: Vec<KeyEndorsement>,
}

/// Where one tenant's key files are.
#[derive(Clone, Debug)]
pub struct KeyFiles {
    dir: PathBuf,
}

impl KeyFiles {
    pub fn new(data_dir: &Path, tenant: &str) -> Self {
        KeyFiles {
            dir: data_dir.join(tenant),
        }
    }

    fn key(&self) -> PathBuf {
        self.dir.join("directory.key")
    }

    fn previous(&self) -> PathBuf {
        self.dir.join("directory.key.previous")
    }

    fn chain(&self) -> PathBuf {
        self.dir.join("directory-key-chain.json")
    }

    /// When the key file last changed (a rotation by `kontakt directory rotate-key`).
    pub fn modified(&self) -> Option<SystemTime> {
        std::fs::metadata(self.key()).ok()?.modified().ok()
    }

    /// The keys, with a new key made on first start.
    pub fn load_or_create(&self) -> Result<Keys, KeyError> {
        if let Some(keys) = self.load()? {
            return Ok(keys);
        }
        let key = SecretKey::generate(&mut |b| rand::fill(b));
        write_secret(&self.key(), &key, false)?;
        tracing::info!(fingerprint = %key.public().fingerprint(), "made the directory's key");
        self.load()?
            .ok_or_else(|| KeyError::Damaged { path: self.key() })
    }

    /// The keys, or `None` before the directory's first start.
    pub fn load(&self) -> Result<Option<Keys>, KeyError> {
        let Some(current) = read_secret(&self.key())? else {
            return Ok(None);
        };
        let previous = match std::fs::metadata(self.previous()).and_then(|m| m.modified()) {
            Ok(at) if at.elapsed().unwrap_or_default() < GRACE => read_secret(&self.previous())?,
            _ => None,
        };
        Ok(Some(Keys {
            current,
            previous,
            chain: self.read_chain()?,
        }))
    }

    fn read_chain(&self) -> Result<Vec<Endorsement>, KeyError> {
        let path = self.chain();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(KeyError::Read { path, source }),
        };
        let file: ChainFile =
            serde_json::from_slice(&bytes).map_err(|_| KeyError::Damaged { path: path.clone() })?;
        file.endorsements
            .iter()
            .map(|e| {
                e.parse()
                    .map_err(|_| KeyError::Damaged { path: path.clone() })
            })
            .collect()
    }

    /// A new key, endorsed by the current one, which stays usable for [`GRACE`].
    pub fn rotate(&self) -> Result<(PublicKey, PublicKey), KeyError> {
        let keys = self.load_or_create()?;
        let next = SecretKey::generate(&mut |b| rand::fill(b));
        let endorsement = keys.current.endorse(&next.public());
        let mut chain = keys.chain;
        chain.push(endorsement);
        let file = ChainFile {
            endorsements: chain.iter().map(KeyEndorsement::from).collect(),
        };
        let text = serde_json::to_vec_pretty(&file).expect("the chain serialises");
        replace(&self.chain(), &text)?;
        write_secret(&self.previous(), &keys.current, true)?;
        write_secret(&self.key(), &next, true)?;
        Ok((keys.current.public(), next.public()))
    }
}

impl Keys {
    /// The throwaway demo's key: derived from a public text, the same in every demo
    /// directory, so restarting one does not look like a new key to tabs. Never outside the
    /// demo (production mode refuses demo mode).
    pub fn demo() -> Keys {
        use sha2::{Digest, Sha256};
        let seed = Sha256::digest(b"kontakt/demo-directory-key/v1: public, for demos only");
        Keys {
            current: SecretKey::from_bytes(&seed).expect("32 bytes"),
            previous: None,
            chain: Vec::new(),
        }
    }

    /// What the cloud hands to tabs.
    pub fn document(&self, tenant: &str) -> DirectoryKey {
        DirectoryKey::new(tenant, &self.current.public(), &self.chain)
    }

    /// The key a request sealed to `fingerprint` opens with.
    pub fn for_fingerprint(&self, fingerprint: &str) -> Option<&SecretKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.fingerprint() == fingerprint)
    }
}

fn read_secret(path: &Path) -> Result<Option<SecretKey>, KeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => kontakt_seal::decode(text.trim(), "secret key")
            .and_then(|b| SecretKey::from_bytes(&b))
            .map(Some)
            .map_err(|_| KeyError::Damaged {
                path: path.to_owned(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeyError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn write_secret(path: &Path, key: &SecretKey, overwrite: bool) -> Result<(), KeyError> {
    let text = kontakt_seal::encode(&key.to_bytes());
    if overwrite {
        replace(path, text.as_bytes())
    } else {
        write_private(path, text.as_bytes()).map_err(|source| KeyError::Write {
            path: path.to_owned(),
            source,
        })
    }
}

/// Writes `bytes` to a private temporary file next to `path`, then renames it over `path`:
/// a crash leaves the old file or the new one, never half of either.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let error = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    write_private(&partial, bytes).map_err(error)?;
    std::fs::rename(&partial, path).map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_kept_private_and_rotations_are_endorsed() {
        let dir = tempfile::tempdir().unwrap();
        let files = KeyFiles::new(dir.path(), "t");
        let first = files.load_or_create().unwrap();
        assert_eq!(
            files.load_or_create().unwrap().current.public(),
            first.current.public(),
            "the same key after a restart"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("t/directory.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        let (old, new) = files.rotate().unwrap();
        assert_eq!(old, first.current.public());
        let keys = files.load_or_create().unwrap();
        assert_eq!(keys.current.public(), new);
        assert!(keys.for_fingerprint(&old.fingerprint()).is_some(), "grace");
        assert!(keys.for_fingerprint(&new.fingerprint()).is_some());
        assert!(keys.for_fingerprint("0000").is_none());
        let doc = keys.document("t");
        assert_eq!(doc.fingerprint, new.fingerprint());
        assert_eq!(doc.endorsements.len(), 1);
        assert!(Endorsement::chain_leads_to(&keys.chain, &old, &new));

        std::fs::write(dir.path().join("t/directory.key"), "not a key").unwrap();
        let err = files.load_or_create().unwrap_err().to_string();
        assert!(err.contains("is damaged"), "{err}");
    }
}
