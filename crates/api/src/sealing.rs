//! Between what travels (the text types of the sealed routes) and what `kontakt-seal` seals
//! and signs (bytes): written once, for the tab, the directory, the cloud and the tests, so
//! a field encoded one way cannot be decoded another.

use kontakt_seal::{Endorsement, PublicKey, Random, ResponseKey, SealError, decode, encode};

use crate::{Answer, DirectoryKey, Inner, KeyEndorsement, Op, SealedRequest};

impl Inner {
    /// `op` for the holder of `token`, with a fresh nonce, sealed at `sent_at_ms` (the
    /// directory's time as far as the sender knows it).
    pub fn new(token: &str, op: Op, sent_at_ms: u64, random: Random<'_>) -> Inner {
        let mut nonce = [0; 16];
        random(&mut nonce);
        Inner {
            token: token.to_owned(),
            nonce: encode(&nonce),
            sent_at_ms,
            op,
        }
    }
}

impl SealedRequest {
    /// `plain` (an [`Inner`] as JSON) sealed to `key` for `tenant`, as it travels, and the
    /// key its answer opens with.
    pub fn seal(
        key: &PublicKey,
        tenant: &str,
        plain: &[u8],
        random: Random<'_>,
    ) -> Result<(SealedRequest, ResponseKey), SealError> {
        let (sealed, reply) = kontakt_seal::seal_request(key, tenant, plain, random)?;
        let request = SealedRequest {
            key: key.fingerprint(),
            enc: encode(&sealed.enc),
            ciphertext: encode(&sealed.ciphertext),
        };
        Ok((request, reply))
    }

    /// The sealed bytes, for the directory to open.
    pub fn to_sealed(&self) -> Result<kontakt_seal::SealedRequest, SealError> {
        Ok(kontakt_seal::SealedRequest {
            enc: decode(&self.enc, "encapsulated key")?,
            ciphertext: decode(&self.ciphertext, "ciphertext")?,
        })
    }
}

impl Answer {
    /// This answer sealed to the tab whose request exported `reply`, as it travels.
    pub fn seal(&self, reply: &ResponseKey, random: Random<'_>) -> String {
        encode(&reply.seal(&self.to_json(), random))
    }

    /// The answer as JSON; a search answer, the one sent at every keystroke, written by
    /// [`crate::json`] (what serde_json writes, in less than half the time).
    fn to_json(&self) -> Vec<u8> {
        match self {
            Answer::Search(answer) => {
                let mut out = crate::json::buffer_for(answer);
                out.extend_from_slice(b"{\"search\":");
                crate::json::write_search_response(&mut out, answer);
                out.push(b'}');
                out
            }
            other => serde_json::to_vec(other).expect("answers serialise"),
        }
    }

    /// An answer as it travels, opened with its request's `reply` key.
    pub fn open(sealed: &str, reply: &ResponseKey) -> Result<Answer, SealError> {
        let plain = reply.open(&decode(sealed, "answer")?)?;
        serde_json::from_slice(&plain).map_err(|_| SealError::Malformed("answer"))
    }
}

impl From<&Endorsement> for KeyEndorsement {
    fn from(e: &Endorsement) -> Self {
        KeyEndorsement {
            previous: e.previous.to_text(),
            next: e.next.to_text(),
            signature: encode(&e.signature),
        }
    }
}

impl KeyEndorsement {
    /// The endorsement it spells; its signature is not checked here.
    pub fn parse(&self) -> Result<Endorsement, SealError> {
        let signature = decode(&self.signature, "signature")?
            .try_into()
            .map_err(|_| SealError::Malformed("signature"))?;
        Ok(Endorsement {
            previous: PublicKey::from_text(&self.previous)?,
            next: PublicKey::from_text(&self.next)?,
            signature,
        })
    }
}

impl DirectoryKey {
    /// What tabs are given for `tenant`: `key` and the endorsements leading to it.
    pub fn new(tenant: &str, key: &PublicKey, chain: &[Endorsement]) -> DirectoryKey {
        DirectoryKey {
            tenant_id: tenant.to_owned(),
            key: key.to_text(),
            fingerprint: key.fingerprint(),
            endorsements: chain.iter().map(KeyEndorsement::from).collect(),
        }
    }

    /// The key, when it is one and its fingerprint is its own.
    pub fn public_key(&self) -> Option<PublicKey> {
        PublicKey::from_text(&self.key)
            .ok()
            .filter(|k| k.fingerprint() == self.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use kontakt_seal::SecretKey;

    use super::*;

    fn random(buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(31).wrapping_add(7);
        }
    }

    #[test]
    fn a_request_and_its_answer_travel_as_text_and_open_at_the_other_end() {
        let directory = SecretKey::generate(&mut random);
        let inner = Inner::new(
            "a-token",
            Op::Contact { id: "crm:1".into() },
            42,
            &mut random,
        );
        let plain = serde_json::to_vec(&inner).unwrap();
        let (request, tab_reply) =
            SealedRequest::seal(&directory.public(), "t", &plain, &mut random).unwrap();
        assert_eq!(request.key, directory.public().fingerprint());
        let (opened, reply) =
            kontakt_seal::open_request(&directory, "t", &request.to_sealed().unwrap()).unwrap();
        assert_eq!(serde_json::from_slice::<Inner>(&opened).unwrap(), inner);
        let sealed = Answer::Clock { now_ms: 7 }.seal(&reply, &mut random);
        assert_eq!(
            Answer::open(&sealed, &tab_reply),
            Ok(Answer::Clock { now_ms: 7 })
        );
        assert!(Answer::open("garbage", &tab_reply).is_err());
    }

    #[test]
    fn a_search_answer_travels_as_serde_would_write_it() {
        let directory = SecretKey::generate(&mut random);
        let (request, tab_reply) =
            SealedRequest::seal(&directory.public(), "t", b"{}", &mut random).unwrap();
        let (_, reply) =
            kontakt_seal::open_request(&directory, "t", &request.to_sealed().unwrap()).unwrap();
        let answer = Answer::Search(crate::SearchResponse {
            query: "Mü\"ller".into(),
            total: 1,
            hits: vec![crate::SearchHit {
                contact: crate::Contact {
                    id: "crm:1".into(),
                    display_name: "Jürgen Müller".into(),
                    phones: vec![crate::Phone::new(crate::PhoneKind::Mobile, "0171 1")],
                    ..crate::Contact::default()
                },
                score: 12.5,
                highlights: vec![crate::Highlight {
                    field: "display_name".into(),
                    ranges: vec![[7, 10]],
                }],
            }],
        });
        assert_eq!(answer.to_json(), serde_json::to_vec(&answer).unwrap());
        let sealed = answer.seal(&reply, &mut random);
        assert_eq!(Answer::open(&sealed, &tab_reply), Ok(answer));
    }

    #[test]
    fn an_endorsement_reads_back_as_it_was_written() {
        let k0 = SecretKey::generate(&mut random);
        let mut other = |b: &mut [u8]| b.fill(3);
        let k1 = SecretKey::generate(&mut other);
        let endorsement = k0.endorse(&k1.public());
        let document = DirectoryKey::new("t", &k1.public(), std::slice::from_ref(&endorsement));
        assert_eq!(document.endorsements[0].parse(), Ok(endorsement));
        assert_eq!(document.public_key(), Some(k1.public()));
        let mut claimed = document.clone();
        claimed.fingerprint = k0.public().fingerprint();
        assert_eq!(claimed.public_key(), None);
        let mut bad = document.endorsements[0].clone();
        bad.signature.pop();
        assert!(bad.parse().is_err());
    }
}
