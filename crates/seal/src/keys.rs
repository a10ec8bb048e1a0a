//! The directory's key: a secret seed, the public key derived from it, its fingerprint, and
//! endorsements from one key to the next.

#[cfg(feature = "sign")]
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
#[cfg(feature = "sign")]
use hkdf::Hkdf;
use hpke::Deserializable;
#[cfg(feature = "sign")]
use hpke::{Kem as _, Serializable};
use sha2::{Digest, Sha256};

#[cfg(feature = "sign")]
use crate::Random;
use crate::{SealError, decode, encode};

pub(crate) type Kem = hpke::kem::X25519HkdfSha256;

#[cfg(feature = "sign")]
const SEED_LEN: usize = 32;
#[cfg(feature = "sign")]
const HPKE_INFO: &[u8] = b"kontakt/directory-key/v1/hpke";
#[cfg(feature = "sign")]
const SIGN_INFO: &[u8] = b"kontakt/directory-key/v1/sign";
const ENDORSEMENT_CONTEXT: &[u8] = b"kontakt/key-rotation/v1\0";

/// The directory's secret: 32 random bytes, kept in its data folder and nowhere else.
#[cfg(feature = "sign")]
#[derive(Clone)]
pub struct SecretKey {
    seed: [u8; SEED_LEN],
    /// Derived once: each derivation costs scalar multiplications, and every request
    /// needs the private key and the fingerprint.
    hpke_private: <Kem as hpke::Kem>::PrivateKey,
    public: PublicKey,
    fingerprint: String,
}

/// What the tab seals to and pins: the HPKE public key and the signing key that endorses
/// the next key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    hpke: [u8; 32],
    sign: [u8; 32],
}

/// `previous` vouches for `next`: a signature by the previous key's signing key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endorsement {
    pub previous: PublicKey,
    pub next: PublicKey,
    pub signature: [u8; 64],
}

#[cfg(feature = "sign")]
impl SecretKey {
    pub fn generate(random: Random<'_>) -> Self {
        let mut seed = [0; SEED_LEN];
        random(&mut seed);
        SecretKey::from_seed(seed)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        let seed = bytes
            .try_into()
            .map_err(|_| SealError::Malformed("secret key"))?;
        Ok(SecretKey::from_seed(seed))
    }

    fn from_seed(seed: [u8; SEED_LEN]) -> Self {
        let (hpke_private, hpke_public) = Kem::derive_keypair(&derive(&seed, HPKE_INFO));
        let public = PublicKey {
            hpke: hpke_public
                .to_bytes()
                .as_slice()
                .try_into()
                .expect("X25519 keys are 32 bytes"),
            sign: SigningKey::from_bytes(&derive(&seed, SIGN_INFO))
                .verifying_key()
                .to_bytes(),
        };
        SecretKey {
            seed,
            hpke_private,
            fingerprint: public.fingerprint(),
            public,
        }
    }

    pub fn to_bytes(&self) -> [u8; SEED_LEN] {
        self.seed
    }

    pub(crate) fn hpke_private(&self) -> &<Kem as hpke::Kem>::PrivateKey {
        &self.hpke_private
    }

    pub(crate) fn signing(&self) -> SigningKey {
        SigningKey::from_bytes(&derive(&self.seed, SIGN_INFO))
    }

    pub fn public(&self) -> PublicKey {
        self.public.clone()
    }

    /// The public key's fingerprint (see [`PublicKey::fingerprint`]).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// This key vouches for `next` (the key that replaces it).
    pub fn endorse(&self, next: &PublicKey) -> Endorsement {
        let signature = self.signing().sign(&endorsed_bytes(next)).to_bytes();
        Endorsement {
            previous: self.public(),
            next: next.clone(),
            signature,
        }
    }
}

#[cfg(feature = "sign")]
impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.fingerprint)
    }
}

#[cfg(feature = "sign")]
fn derive(seed: &[u8; SEED_LEN], info: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    Hkdf::<Sha256>::new(None, seed)
        .expand(info, &mut out)
        .expect("32 bytes is a valid HKDF-SHA256 length");
    out
}

fn endorsed_bytes(next: &PublicKey) -> Vec<u8> {
    [ENDORSEMENT_CONTEXT, &next.to_bytes()].concat()
}

impl PublicKey {
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0; 64];
        out[..32].copy_from_slice(&self.hpke);
        out[32..].copy_from_slice(&self.sign);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        if bytes.len() != 64 {
            return Err(SealError::Malformed("public key"));
        }
        // Both halves must be usable keys, or the key is refused as a whole.
        <Kem as hpke::Kem>::PublicKey::from_bytes(&bytes[..32])
            .map_err(|_| SealError::Malformed("public key"))?;
        let sign: [u8; 32] = bytes[32..].try_into().expect("checked length");
        // Without `sign` (the tab) the signing half is checked when an endorsement is.
        #[cfg(feature = "sign")]
        VerifyingKey::from_bytes(&sign).map_err(|_| SealError::Malformed("public key"))?;
        Ok(PublicKey {
            hpke: bytes[..32].try_into().expect("checked length"),
            sign,
        })
    }

    pub fn to_text(&self) -> String {
        encode(&self.to_bytes())
    }

    pub fn from_text(text: &str) -> Result<Self, SealError> {
        PublicKey::from_bytes(&decode(text, "public key")?)
    }

    /// The Ed25519 public key that endorses this key's successor.
    pub fn signing_half(&self) -> [u8; 32] {
        self.sign
    }

    pub(crate) fn hpke(&self) -> Result<<Kem as hpke::Kem>::PublicKey, SealError> {
        <Kem as hpke::Kem>::PublicKey::from_bytes(&self.hpke)
            .map_err(|_| SealError::Malformed("public key"))
    }

    /// What people compare: SHA-256 of the key, first 16 bytes, as 8 groups of 4 hex digits
    /// (`3f2a 91c0 …`).
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.to_bytes());
        digest[..16]
            .chunks(2)
            .map(|pair| format!("{:02x}{:02x}", pair[0], pair[1]))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Endorsement {
    /// What `previous` signs: a context, then `next`.
    pub fn signed_message(&self) -> Vec<u8> {
        endorsed_bytes(&self.next)
    }

    /// Whether `previous` really signed `next`.
    #[cfg(feature = "sign")]
    pub fn is_valid(&self) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.previous.sign) else {
            return false;
        };
        key.verify(
            &self.signed_message(),
            &Signature::from_bytes(&self.signature),
        )
        .is_ok()
    }

    /// The key `pinned` leads to through a chain of valid endorsements, ending at `current`:
    /// `true` when a tab that trusts `pinned` may trust `current`.
    #[cfg(feature = "sign")]
    pub fn chain_leads_to(chain: &[Endorsement], pinned: &PublicKey, current: &PublicKey) -> bool {
        let valid: Vec<Endorsement> = chain.iter().filter(|e| e.is_valid()).cloned().collect();
        Endorsement::path_leads_to(&valid, pinned, current)
    }

    /// Like [`Endorsement::chain_leads_to`], for endorsements whose signatures the caller
    /// has already checked (the tab, with Web Crypto): only the walk from key to key.
    pub fn path_leads_to(valid: &[Endorsement], pinned: &PublicKey, current: &PublicKey) -> bool {
        let mut at = pinned.clone();
        // Each step moves to a newer key; a chain longer than itself cannot help.
        for _ in 0..=valid.len() {
            if at == *current {
                return true;
            }
            match valid.iter().find(|e| e.previous == at) {
                Some(step) => at = step.next.clone(),
                None => return false,
            }
        }
        false
    }
}

#[cfg(all(test, feature = "sign"))]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn counter_random() -> impl FnMut(&mut [u8]) {
        let mut n = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                n = n.wrapping_add(37);
                *b = n;
            }
        }
    }

    #[test]
    fn a_seed_gives_the_same_key_every_time_and_keys_round_trip() {
        let mut random = counter_random();
        let secret = SecretKey::generate(&mut random);
        let again = SecretKey::from_bytes(&secret.to_bytes()).unwrap();
        assert_eq!(secret.public(), again.public());
        let public = secret.public();
        assert_eq!(PublicKey::from_text(&public.to_text()).unwrap(), public);
        assert_eq!(public.fingerprint().len(), 8 * 4 + 7);
        assert!(PublicKey::from_text("AAAA").is_err());
        assert!(SecretKey::from_bytes(&[1; 31]).is_err());
    }

    #[test]
    fn a_rotation_is_followed_only_along_valid_endorsements() {
        let mut random = counter_random();
        let k0 = SecretKey::generate(&mut random);
        let k1 = SecretKey::generate(&mut random);
        let k2 = SecretKey::generate(&mut random);
        let stranger = SecretKey::generate(&mut random);
        let chain = [k0.endorse(&k1.public()), k1.endorse(&k2.public())];
        assert!(chain.iter().all(Endorsement::is_valid));
        assert!(Endorsement::chain_leads_to(
            &chain,
            &k0.public(),
            &k2.public()
        ));
        assert!(Endorsement::chain_leads_to(
            &chain,
            &k1.public(),
            &k2.public()
        ));
        assert!(Endorsement::chain_leads_to(&[], &k2.public(), &k2.public()));
        // A key the pinned one never vouched for, directly or through others.
        assert!(!Endorsement::chain_leads_to(
            &chain,
            &k0.public(),
            &stranger.public()
        ));
        let forged = Endorsement {
            signature: stranger.endorse(&stranger.public()).signature,
            ..k0.endorse(&stranger.public())
        };
        assert!(!forged.is_valid());
        assert!(!Endorsement::chain_leads_to(
            &[forged],
            &k0.public(),
            &stranger.public()
        ));
        // Backwards is not forwards.
        assert!(!Endorsement::chain_leads_to(
            &chain,
            &k2.public(),
            &k0.public()
        ));
    }
}
