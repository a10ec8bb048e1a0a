//! The directory's key, pinned per user on this device the first time it is seen (trust
//! on first use). A later key is taken without a word only when a chain of signatures leads
//! to it from the pinned one (`kontakt directory rotate-key`); any other change is refused,
//! with both fingerprints for the user to compare with their IT department.

use gloo_storage::{LocalStorage, Storage};
use kontakt_api::DirectoryKey;
use kontakt_seal::{Endorsement, PublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A key change the tab refused: not endorsed by the key pinned on this device. It holds
/// what trusting the offered key takes, should the user decide to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the directory's key changed from {pinned} to {offered} without a signature of the old key"
)]
pub struct KeyRefused {
    pub pinned: String,
    pub offered: String,
    offer: DirectoryKey,
    tenant: String,
    user: String,
}

impl KeyRefused {
    /// Trusts the offered key from now on: the user compared the fingerprints.
    pub fn trust_offered(&self) {
        trust(&self.tenant, &self.user, &self.offer);
    }
}

/// The pinned key as kept in `localStorage` (public keys only; not personal data).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pinned {
    key: String,
    fingerprint: String,
}

/// Where one user's pin lives on this device: by a hash of tenant and user, so the storage
/// names no one.
fn pin_name(tenant: &str, user: &str) -> String {
    let digest = Sha256::digest(format!(
        "kontakt/directory-key/v1\0{}\0{}",
        tenant.to_ascii_lowercase(),
        user.to_ascii_lowercase()
    ));
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("kontakt.directory-key.v1.{hex}")
}

/// The pinned key's fingerprint for `tenant` and `user`.
#[cfg(all(test, target_arch = "wasm32"))]
pub fn pinned_fingerprint(tenant: &str, user: &str) -> Option<String> {
    LocalStorage::get::<Pinned>(pin_name(tenant, user))
        .ok()
        .map(|p| p.fingerprint)
}

/// Trusts `offered` from now on.
pub fn trust(tenant: &str, user: &str, offered: &DirectoryKey) {
    let _ = LocalStorage::set(
        pin_name(tenant, user),
        Pinned {
            key: offered.key.clone(),
            fingerprint: offered.fingerprint.clone(),
        },
    );
}

/// Removes the pin of `tenant`/`user`.
pub fn forget(tenant: &str, user: &str) {
    LocalStorage::delete(pin_name(tenant, user));
}

/// Whether `e.previous` signed `e.next`, checked with the browser's Web Crypto (Ed25519):
/// the tab carries no signature code of its own for a check it needs only after a rotation.
async fn signed(e: &Endorsement) -> bool {
    use wasm_bindgen_futures::JsFuture;
    let check = async {
        let subtle = web_sys::window()?.crypto().ok()?.subtle();
        let usages = js_sys::Array::of1(&"verify".into());
        let raw = js_sys::Uint8Array::from(e.previous.signing_half().as_slice());
        let key = JsFuture::from(
            subtle
                .import_key_with_str("raw", &raw, "Ed25519", false, &usages)
                .ok()?,
        )
        .await
        .ok()?;
        let verified = JsFuture::from(
            subtle
                .verify_with_str_and_u8_array_and_u8_array(
                    "Ed25519",
                    &key.into(),
                    &e.signature,
                    &e.signed_message(),
                )
                .ok()?,
        )
        .await
        .ok()?;
        verified.as_bool()
    };
    check.await == Some(true)
}

/// Checks `offered` against the pin of `tenant`/`user`: pins it the first time, follows an
/// endorsed rotation, refuses anything else.
pub async fn accept(
    tenant: &str,
    user: &str,
    offered: &DirectoryKey,
) -> Result<PublicKey, KeyRefused> {
    let refused = |pinned: String| KeyRefused {
        pinned,
        offered: offered.fingerprint.clone(),
        offer: offered.clone(),
        tenant: tenant.to_owned(),
        user: user.to_owned(),
    };
    let key = offered
        .public_key()
        .ok_or_else(|| refused(String::from("(no usable key)")))?;
    let name = pin_name(tenant, user);
    match LocalStorage::get::<Pinned>(&name) {
        Err(_) => {
            trust(tenant, user, offered);
            Ok(key)
        }
        Ok(pinned) if pinned.key == offered.key => Ok(key),
        Ok(pinned) => {
            let chain: Vec<Endorsement> = offered
                .endorsements
                .iter()
                .filter_map(|e| e.parse().ok())
                .collect();
            let from = PublicKey::from_text(&pinned.key)
                .map_err(|_| refused(pinned.fingerprint.clone()))?;
            let mut valid = Vec::with_capacity(chain.len());
            for e in chain {
                if signed(&e).await {
                    valid.push(e);
                }
            }
            if Endorsement::path_leads_to(&valid, &from, &key) {
                trust(tenant, user, offered);
                Ok(key)
            } else {
                Err(refused(pinned.fingerprint))
            }
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::super::sealer::random;
    use super::*;
    use kontakt_seal::SecretKey;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn document(key: &SecretKey, chain: &[Endorsement]) -> DirectoryKey {
        DirectoryKey::new("t", &key.public(), chain)
    }

    #[wasm_bindgen_test]
    async fn the_first_key_is_pinned_an_endorsed_one_followed_and_a_stranger_refused() {
        let (tenant, user) = ("pin-test-tenant", "pin-test-user");
        forget(tenant, user);
        let k0 = SecretKey::generate(&mut random);
        let k1 = SecretKey::generate(&mut random);
        let stranger = SecretKey::generate(&mut random);
        assert!(accept(tenant, user, &document(&k0, &[])).await.is_ok());
        assert_eq!(
            pinned_fingerprint(tenant, user),
            Some(k0.public().fingerprint())
        );
        let chain = [k0.endorse(&k1.public())];
        assert!(accept(tenant, user, &document(&k1, &chain)).await.is_ok());
        assert_eq!(
            pinned_fingerprint(tenant, user),
            Some(k1.public().fingerprint())
        );
        // A signature that is not the pinned key's, checked by Web Crypto, is no endorsement.
        let forged = Endorsement {
            signature: stranger.endorse(&stranger.public()).signature,
            ..k1.endorse(&stranger.public())
        };
        let with_forged = [chain[0].clone(), forged];
        assert!(
            accept(tenant, user, &document(&stranger, &with_forged))
                .await
                .is_err()
        );
        let refused = accept(tenant, user, &document(&stranger, &chain))
            .await
            .unwrap_err();
        assert_eq!(refused.pinned, k1.public().fingerprint());
        assert_eq!(refused.offered, stranger.public().fingerprint());
        // Another user on the same device pins on their own.
        assert!(
            accept(tenant, "someone-else", &document(&stranger, &[]))
                .await
                .is_ok()
        );
        refused.trust_offered();
        assert!(
            accept(tenant, user, &document(&stranger, &[]))
                .await
                .is_ok()
        );
    }
}
