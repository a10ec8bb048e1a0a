//! Sealing: every request is sealed to the directory's key before it leaves the tab, and
//! only this tab can open the answer (`kontakt-seal`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use kontakt_api::{Answer, Inner, Op};
use kontakt_seal::PublicKey;

/// Random bytes from the browser's CSPRNG.
pub fn random(buf: &mut [u8]) {
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(buf).ok());
    // Without a CSPRNG nothing may be sealed: a predictable key would be no key.
    assert!(
        filled.is_some(),
        "the browser has no crypto.getRandomValues"
    );
}

/// The key requests are sealed to right now, shared by every copy of the session.
#[derive(Clone)]
pub struct Sealer {
    tenant: String,
    key: Arc<Mutex<PublicKey>>,
    /// How far the directory's clock is ahead of this computer's (ms): requests carry the
    /// directory's time, so a computer whose clock runs wrong can still search.
    clock_offset_ms: Arc<AtomicI64>,
}

/// One sealed request on its way: what to send, and how to open its answer.
pub struct Sealed {
    pub body: kontakt_api::SealedRequest,
    reply: kontakt_seal::ResponseKey,
}

impl Sealer {
    pub fn new(tenant: &str, key: PublicKey) -> Self {
        Sealer {
            tenant: tenant.to_ascii_lowercase(),
            key: Arc::new(Mutex::new(key)),
            clock_offset_ms: Arc::new(AtomicI64::new(0)),
        }
    }

    pub fn replace(&self, key: PublicKey) {
        *self.key.lock().expect("single-threaded") = key;
    }

    pub fn fingerprint(&self) -> String {
        self.key.lock().expect("single-threaded").fingerprint()
    }

    /// Takes the directory's time from an [`Answer::Clock`].
    pub fn set_directory_time(&self, directory_now_ms: u64) {
        let offset = directory_now_ms as i64 - js_sys::Date::now() as i64;
        self.clock_offset_ms.store(offset, Ordering::Relaxed);
    }

    pub fn seal(&self, token: &str, op: Op) -> Sealed {
        let sent_at_ms = (js_sys::Date::now() as i64)
            .saturating_add(self.clock_offset_ms.load(Ordering::Relaxed))
            .max(0) as u64;
        let inner = Inner::new(token, op, sent_at_ms, &mut random);
        let plain = serde_json::to_vec(&inner).expect("requests serialise");
        let key = self.key.lock().expect("single-threaded").clone();
        let (body, reply) =
            kontakt_api::SealedRequest::seal(&key, &self.tenant, &plain, &mut random)
                .expect("sealing to a checked key cannot fail");
        Sealed { body, reply }
    }
}

impl Sealed {
    /// The directory's answer, opened; `None` when it does not open (not from the
    /// directory this request was sealed to).
    pub fn open(&self, sealed: &str) -> Option<Answer> {
        Answer::open(sealed, &self.reply).ok()
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use kontakt_api::{Answer, Inner, Op};
    use kontakt_seal::SecretKey;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_sealed_request_opens_at_the_directory_and_its_answer_here() {
        let directory = SecretKey::generate(&mut random);
        let sealer = Sealer::new("Tenant-A", directory.public());
        let sealed = sealer.seal(
            "a-token",
            Op::Search {
                q: "müller".into(),
                limit: 5,
            },
        );
        assert_eq!(sealed.body.key, directory.public().fingerprint());
        let request = sealed.body.to_sealed().unwrap();
        let (plain, reply) = kontakt_seal::open_request(&directory, "tenant-a", &request).unwrap();
        let inner: Inner = serde_json::from_slice(&plain).unwrap();
        assert_eq!(inner.token, "a-token");
        assert_eq!(
            inner.op,
            Op::Search {
                q: "müller".into(),
                limit: 5
            }
        );
        let back = Answer::Clock { now_ms: 7 }.seal(&reply, &mut random);
        assert_eq!(sealed.open(&back), Some(Answer::Clock { now_ms: 7 }));
        assert_eq!(sealed.open("garbage"), None);
    }
}
