//! Relay tickets: how the cloud admits a tab's requests without ever holding the user's
//! token. After the directory has checked a user's Teams token (inside a sealed request),
//! it hands the tab a ticket signed with its key: "a signed-in user of this organisation,
//! until then". The cloud checks the signature against the key the directory published and
//! relays; the ticket names no one and opens nothing at the directory, which still checks
//! the token inside every request.

use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};

use crate::keys::{PublicKey, SecretKey};
use crate::{Random, decode, encode};

const CONTEXT: &[u8] = b"kontakt/relay-ticket/v1\0";
const VERSION: &str = "t1";
const ID_LEN: usize = 16;

/// What a ticket says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    /// Lowercase tenant id.
    pub tenant: String,
    /// Random: the cloud counts requests per ticket, and learns nothing from it.
    pub id: [u8; ID_LEN],
    pub expires_at_ms: u64,
}

/// Why a ticket is not honoured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("the ticket is not one a Kontakt directory issues")]
    Malformed,
    #[error("the ticket is not signed by the organisation's directory")]
    Signature,
    #[error("the ticket is for another organisation")]
    Tenant,
    #[error("the ticket has expired")]
    Expired,
}

fn signed_bytes(tenant: &str, id: &[u8; ID_LEN], expires_at_ms: u64) -> Vec<u8> {
    [
        CONTEXT,
        tenant.as_bytes(),
        b"\0",
        id,
        &expires_at_ms.to_be_bytes(),
    ]
    .concat()
}

impl SecretKey {
    /// A ticket for a user of `tenant` the directory has just checked.
    pub fn issue_ticket(&self, tenant: &str, expires_at_ms: u64, random: Random<'_>) -> String {
        let tenant = tenant.to_ascii_lowercase();
        let mut id = [0; ID_LEN];
        random(&mut id);
        let signature = self
            .signing()
            .sign(&signed_bytes(&tenant, &id, expires_at_ms));
        let mut body = id.to_vec();
        body.extend_from_slice(&expires_at_ms.to_be_bytes());
        format!(
            "{VERSION}.{}.{}",
            encode(&body),
            encode(&signature.to_bytes())
        )
    }
}

impl Ticket {
    /// Reads and checks `text` for `tenant` at `now_ms`, against the keys the tenant's
    /// directory published (any of them: instances may be part-way through a rotation).
    pub fn check(
        text: &str,
        tenant: &str,
        keys: &[PublicKey],
        now_ms: u64,
    ) -> Result<Ticket, TicketError> {
        let mut parts = text.trim().split('.');
        let (Some(VERSION), Some(body), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TicketError::Malformed);
        };
        let body = decode(body, "ticket").map_err(|_| TicketError::Malformed)?;
        let signature: [u8; 64] = decode(signature, "ticket signature")
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(TicketError::Malformed)?;
        if body.len() != ID_LEN + 8 {
            return Err(TicketError::Malformed);
        }
        let id: [u8; ID_LEN] = body[..ID_LEN].try_into().expect("checked length");
        let expires_at_ms = u64::from_be_bytes(body[ID_LEN..].try_into().expect("checked length"));
        let tenant = tenant.to_ascii_lowercase();
        let signed = signed_bytes(&tenant, &id, expires_at_ms);
        let signature = Signature::from_bytes(&signature);
        // A ticket of another tenant fails here too: the tenant is part of what is signed.
        let genuine = keys.iter().any(|key| {
            VerifyingKey::from_bytes(&key.signing_half())
                .is_ok_and(|k| k.verify(&signed, &signature).is_ok())
        });
        if !genuine {
            return Err(TicketError::Signature);
        }
        if expires_at_ms <= now_ms {
            return Err(TicketError::Expired);
        }
        Ok(Ticket {
            tenant,
            id,
            expires_at_ms,
        })
    }
}

#[cfg(all(test, feature = "sign"))]
mod tests {
    use super::*;
    use crate::keys::tests::counter_random;

    #[test]
    fn a_ticket_holds_for_its_tenant_under_its_key_until_it_expires() {
        let mut random = counter_random();
        let key = SecretKey::generate(&mut random);
        let other = SecretKey::generate(&mut random);
        let now = 1_800_000_000_000;
        let text = key.issue_ticket("Tenant-A", now + 1000, &mut random);
        let keys = [other.public(), key.public()];
        let ticket = Ticket::check(&text, "tenant-a", &keys, now).unwrap();
        assert_eq!(ticket.tenant, "tenant-a");
        assert_eq!(ticket.expires_at_ms, now + 1000);
        assert_eq!(
            Ticket::check(&text, "tenant-b", &keys, now),
            Err(TicketError::Signature)
        );
        assert_eq!(
            Ticket::check(&text, "tenant-a", &[other.public()], now),
            Err(TicketError::Signature)
        );
        assert_eq!(
            Ticket::check(&text, "tenant-a", &keys, now + 1000),
            Err(TicketError::Expired)
        );
        // A later expiry written into the ticket breaks the signature.
        let mut parts: Vec<String> = text.split('.').map(str::to_owned).collect();
        let mut body = decode(&parts[1], "t").unwrap();
        body[ID_LEN + 7] ^= 1;
        parts[1] = encode(&body);
        assert_eq!(
            Ticket::check(&parts.join("."), "tenant-a", &keys, now),
            Err(TicketError::Signature)
        );
        for junk in ["", "t1", "t1.a.b", "t2.AAAA.AAAA", "t1..", "t1.a.b.c"] {
            assert_eq!(
                Ticket::check(junk, "tenant-a", &keys, now),
                Err(TicketError::Malformed),
                "{junk:?}"
            );
        }
    }
}
