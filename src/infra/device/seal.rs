//! Sealing records with the user's key: AES-256-GCM, a fresh random nonce for every write,
//! and the tenant id, user id and record key as associated data — a record copied to
//! another user's database, or to another key in the same one, does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, aead};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::DeviceError;

pub const NONCE_LEN: usize = 12;

/// A sealed value as stored: the nonce it was sealed with and ciphertext plus tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub nonce: [u8; NONCE_LEN],
    pub data: Vec<u8>,
}

/// The record could not be opened: another key sealed it, or it was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the record does not decrypt with this key")]
pub struct Undecryptable;

pub struct Sealer {
    cipher: Aes256Gcm,
    key: [u8; 32],
    context: String,
}

impl Sealer {
    /// `cache_key` as `GET /me` returns it (32 bytes, base64url).
    pub fn new(cache_key: &str, tenant_id: &str, user_id: &str) -> Result<Sealer, DeviceError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(cache_key.trim_end_matches('='))
            .map_err(|_| DeviceError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| DeviceError::BadKey)?;
        Ok(Sealer {
            cipher: Aes256Gcm::new_from_slice(&key).map_err(|_| DeviceError::BadKey)?,
            key,
            context: format!(
                "kontakt/device/v1\0{}\0{}\0",
                tenant_id.to_ascii_lowercase(),
                user_id.to_ascii_lowercase()
            ),
        })
    }

    fn aad(&self, record_key: &str) -> Vec<u8> {
        [self.context.as_bytes(), record_key.as_bytes()].concat()
    }

    pub fn seal(&self, record_key: &str, plaintext: &[u8]) -> Result<Sealed, DeviceError> {
        let nonce = random_nonce()?;
        let data = self
            .cipher
            .encrypt(
                &aead::Nonce::<Aes256Gcm>::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &self.aad(record_key),
                },
            )
            .map_err(|_| DeviceError::Crypto)?;
        Ok(Sealed { nonce, data })
    }

    pub fn open(&self, record_key: &str, sealed: &Sealed) -> Result<Vec<u8>, Undecryptable> {
        self.cipher
            .decrypt(
                &aead::Nonce::<Aes256Gcm>::from(sealed.nonce),
                Payload {
                    msg: &sealed.data,
                    aad: &self.aad(record_key),
                },
            )
            .map_err(|_| Undecryptable)
    }

    /// The key a contact's record is stored under: opaque (a keyed hash, so the contact id
    /// is not readable either), the same for the same contact while the key stays.
    pub fn record_key(&self, contact_id: &str) -> String {
        let digest = Sha256::new()
            .chain_update(self.key)
            .chain_update(b"\0record\0")
            .chain_update(contact_id.as_bytes())
            .finalize();
        hex(&digest[..16])
    }
}

/// The database of one user: named from a hash of tenant and user id, never the ids.
pub fn database_name(tenant_id: &str, user_id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"kontakt/database/v1\0")
        .chain_update(tenant_id.to_ascii_lowercase().as_bytes())
        .chain_update(b"\0")
        .chain_update(user_id.to_ascii_lowercase().as_bytes())
        .finalize();
    format!("kontakt-{}", hex(&digest[..16]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 96 random bits from the browser's CSPRNG: with at most a few thousand writes per key,
/// random nonces stay far from the GCM collision bound.
fn random_nonce() -> Result<[u8; NONCE_LEN], DeviceError> {
    let mut nonce = [0u8; NONCE_LEN];
    web_sys::window()
        .ok_or(DeviceError::Crypto)?
        .crypto()
        .map_err(|_| DeviceError::Crypto)?
        .get_random_values_with_u8_array(&mut nonce)
        .map_err(|_| DeviceError::Crypto)?;
    Ok(nonce)
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    const KEY: &str = "q0TBrmUEAh2nFyXNzKZxn4jP1pL7m0e3cQx6yWbJ8sE";
    const OTHER_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const TENANT: &str = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34";
    const USER: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

    #[wasm_bindgen_test]
    fn seal_and_open_round_trip_with_fresh_nonces() {
        let sealer = Sealer::new(KEY, TENANT, USER).unwrap();
        let text = "Jürgen Müller, +49 89 1234-56".as_bytes();
        let a = sealer.seal("k1", text).unwrap();
        let b = sealer.seal("k1", text).unwrap();
        assert_ne!(a.nonce, b.nonce, "every write gets its own nonce");
        assert_ne!(a.data, b.data);
        assert_eq!(
            a.data.len(),
            text.len() + 16,
            "ciphertext plus a 16-byte tag"
        );
        assert!(!a.data.windows(6).any(|w| w == b"rgen M"));
        assert_eq!(sealer.open("k1", &a).unwrap(), text);
    }

    #[wasm_bindgen_test]
    fn another_key_user_tenant_record_or_a_flipped_bit_does_not_open() {
        let sealer = Sealer::new(KEY, TENANT, USER).unwrap();
        let sealed = sealer.seal("k1", b"secret").unwrap();
        assert_eq!(
            Sealer::new(OTHER_KEY, TENANT, USER)
                .unwrap()
                .open("k1", &sealed),
            Err(Undecryptable)
        );
        assert_eq!(
            Sealer::new(KEY, TENANT, "1d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6")
                .unwrap()
                .open("k1", &sealed),
            Err(Undecryptable)
        );
        assert_eq!(
            Sealer::new(KEY, "7b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34", USER)
                .unwrap()
                .open("k1", &sealed),
            Err(Undecryptable)
        );
        assert_eq!(sealer.open("k2", &sealed), Err(Undecryptable));
        let mut flipped = sealed.clone();
        flipped.data[0] ^= 1;
        assert_eq!(sealer.open("k1", &flipped), Err(Undecryptable));
        // Ids differ only in case: the same user.
        assert!(
            Sealer::new(KEY, &TENANT.to_uppercase(), USER)
                .unwrap()
                .open("k1", &sealed)
                .is_ok()
        );
    }

    #[wasm_bindgen_test]
    fn names_and_keys_reveal_no_ids_and_bad_keys_are_refused() {
        let name = database_name(TENANT, USER);
        assert!(
            name.starts_with("kontakt-") && name.len() == 8 + 32,
            "{name}"
        );
        assert!(!name.contains("6b8d5a4e") && !name.contains("0d1e2f3a"));
        assert_eq!(name, database_name(&TENANT.to_uppercase(), USER));
        assert_ne!(name, database_name(TENANT, "someone-else"));
        let sealer = Sealer::new(KEY, TENANT, USER).unwrap();
        let key = sealer.record_key("demo:000042");
        assert_eq!(key.len(), 32);
        assert!(!key.contains("000042"));
        assert_eq!(key, sealer.record_key("demo:000042"));
        assert_ne!(
            key,
            Sealer::new(OTHER_KEY, TENANT, USER)
                .unwrap()
                .record_key("demo:000042")
        );
        assert!(matches!(
            Sealer::new("too-short", TENANT, USER),
            Err(DeviceError::BadKey)
        ));
        assert!(matches!(
            Sealer::new("not base64 !!", TENANT, USER),
            Err(DeviceError::BadKey)
        ));
    }
}
