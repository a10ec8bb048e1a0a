//! Sealing a request to the directory, and its answer back to the tab.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
#[cfg(feature = "sign")]
use hpke::{Deserializable, OpModeR};
use hpke::{OpModeS, Serializable};

#[cfg(feature = "sign")]
use crate::keys::SecretKey;
use crate::keys::{Kem, PublicKey};
use crate::{Random, SealError};

type Kdf = hpke::kdf::HkdfSha256;
type HpkeAead = hpke::aead::AesGcm256;

const RESPONSE_LABEL: &[u8] = b"kontakt/response/v1";
const NONCE_LEN: usize = 12;

/// A request as it travels: the HPKE encapsulated key and the ciphertext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedRequest {
    pub enc: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// The key that seals one request's answer, exported from that request's HPKE context on
/// both ends. Never sent.
pub struct ResponseKey([u8; 32]);

/// `info` binds every request to one tenant: a request sealed for tenant A is not a valid
/// request to tenant B's directory, even under the same key.
fn info(tenant: &str) -> Vec<u8> {
    [b"kontakt/request/v1\0".as_slice(), tenant.as_bytes()].concat()
}

/// The caller's randomness as the RNG HPKE asks for.
struct CallerRandom<'r>(Random<'r>);

impl rand_core::TryRng for CallerRandom<'_> {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0; 4];
        (self.0)(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0; 8];
        (self.0)(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        (self.0)(dest);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for CallerRandom<'_> {}

/// Seals `plaintext` for the directory of `tenant` holding `key`.
pub fn seal_request(
    key: &PublicKey,
    tenant: &str,
    plaintext: &[u8],
    random: Random<'_>,
) -> Result<(SealedRequest, ResponseKey), SealError> {
    let (enc, mut context) = hpke::setup_sender_with_rng::<HpkeAead, Kdf, Kem>(
        &OpModeS::Base,
        &key.hpke()?,
        &info(tenant),
        &mut CallerRandom(random),
    )
    .map_err(|_| SealError::Seal)?;
    let ciphertext = context.seal(plaintext, b"").map_err(|_| SealError::Seal)?;
    let mut response = [0; 32];
    context
        .export(RESPONSE_LABEL, &mut response)
        .map_err(|_| SealError::Seal)?;
    let sealed = SealedRequest {
        enc: enc.to_bytes().to_vec(),
        ciphertext,
    };
    Ok((sealed, ResponseKey(response)))
}

/// Opens a request sealed to `secret` for `tenant`.
#[cfg(feature = "sign")]
pub fn open_request(
    secret: &SecretKey,
    tenant: &str,
    request: &SealedRequest,
) -> Result<(Vec<u8>, ResponseKey), SealError> {
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&request.enc)
        .map_err(|_| SealError::Malformed("encapsulated key"))?;
    let mut context = hpke::setup_receiver::<HpkeAead, Kdf, Kem>(
        &OpModeR::Base,
        secret.hpke_private(),
        &enc,
        &info(tenant),
    )
    .map_err(|_| SealError::Open)?;
    let plaintext = context
        .open(&request.ciphertext, b"")
        .map_err(|_| SealError::Open)?;
    let mut response = [0; 32];
    context
        .export(RESPONSE_LABEL, &mut response)
        .map_err(|_| SealError::Open)?;
    Ok((plaintext, ResponseKey(response)))
}

impl ResponseKey {
    /// The answer: a fresh nonce, then the AES-256-GCM ciphertext.
    pub fn seal(&self, plaintext: &[u8], random: Random<'_>) -> Vec<u8> {
        let mut nonce = [0; NONCE_LEN];
        random(&mut nonce);
        let cipher = Aes256Gcm::new_from_slice(&self.0).expect("32-byte key");
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: RESPONSE_LABEL,
                },
            )
            .expect("AES-GCM encryption of a bounded message cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Malformed("answer"));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("split at the nonce length");
        Aes256Gcm::new_from_slice(&self.0)
            .expect("32-byte key")
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: RESPONSE_LABEL,
                },
            )
            .map_err(|_| SealError::Open)
    }
}

#[cfg(all(test, feature = "sign"))]
mod tests {
    use super::*;

    fn os_like_random() -> impl FnMut(&mut [u8]) {
        // A counter is enough to exercise the code paths; the directory uses the OS RNG
        // and the tab crypto.getRandomValues.
        let mut n: u64 = 0x9E37_79B9_7F4A_7C15;
        move |buf: &mut [u8]| {
            for b in buf {
                n = n
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = (n >> 56) as u8;
            }
        }
    }

    #[test]
    fn a_request_opens_only_at_its_directory_and_its_answer_only_at_its_tab() {
        let mut random = os_like_random();
        let directory = SecretKey::generate(&mut random);
        let other = SecretKey::generate(&mut random);
        let (sealed, tab_key) = seal_request(
            &directory.public(),
            "tenant-a",
            b"{\"q\":\"mueller\"}",
            &mut random,
        )
        .unwrap();
        assert!(!sealed.ciphertext.windows(7).any(|w| w == b"mueller"));
        let (plain, dir_key) = open_request(&directory, "tenant-a", &sealed).unwrap();
        assert_eq!(plain, b"{\"q\":\"mueller\"}");
        let answer = dir_key.seal(b"{\"hits\":[]}", &mut random);
        assert_eq!(tab_key.open(&answer).unwrap(), b"{\"hits\":[]}");

        // Another directory's key, another tenant, a changed byte: refused.
        assert_eq!(
            open_request(&other, "tenant-a", &sealed).err(),
            Some(SealError::Open)
        );
        assert_eq!(
            open_request(&directory, "tenant-b", &sealed).err(),
            Some(SealError::Open)
        );
        let mut altered = sealed.clone();
        altered.ciphertext[3] ^= 1;
        assert_eq!(
            open_request(&directory, "tenant-a", &altered).err(),
            Some(SealError::Open)
        );
        let mut short = sealed.clone();
        short.enc.truncate(5);
        assert_eq!(
            open_request(&directory, "tenant-a", &short).err(),
            Some(SealError::Malformed("encapsulated key"))
        );
        // Another request's answer key cannot open this answer.
        let (_, other_tab_key) =
            seal_request(&directory.public(), "tenant-a", b"x", &mut random).unwrap();
        assert_eq!(other_tab_key.open(&answer).err(), Some(SealError::Open));
        let mut tampered = answer.clone();
        tampered[20] ^= 1;
        assert_eq!(tab_key.open(&tampered).err(), Some(SealError::Open));
        assert!(tab_key.open(&answer[..5]).is_err());
    }

    #[test]
    fn the_same_request_sealed_twice_looks_different() {
        let mut random = os_like_random();
        let directory = SecretKey::generate(&mut random);
        let one = seal_request(&directory.public(), "t", b"same", &mut random)
            .unwrap()
            .0;
        let two = seal_request(&directory.public(), "t", b"same", &mut random)
            .unwrap()
            .0;
        assert_ne!(one.enc, two.enc);
        assert_ne!(one.ciphertext, two.ciphertext);
    }
}
