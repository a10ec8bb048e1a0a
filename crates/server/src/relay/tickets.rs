//! Relay tickets the cloud has already checked. A tab sends its ticket with every request,
//! and checking an Ed25519 signature costs more than relaying the request; a ticket is
//! checked again only when it expires or the organisation's linked keys change.

use std::collections::HashMap;
use std::sync::Mutex;

use kontakt_seal::{Ticket, TicketError};

use super::Links;

/// Checked tickets remembered at most; beyond, the expired are forgotten, then all.
const MAX_REMEMBERED: usize = 100_000;

#[derive(Default)]
pub struct CheckedTickets {
    /// (tenant, ticket) → the ticket, and the links' generation it was checked against.
    seen: Mutex<HashMap<(String, String), (Ticket, u64)>>,
}

impl CheckedTickets {
    /// `text` as a ticket of `tenant`, checked against the keys `links` holds for it (here,
    /// or on the node holding its links).
    pub async fn check(
        &self,
        text: &str,
        tenant: &str,
        links: &Links,
        now_ms: u64,
    ) -> Result<Ticket, TicketError> {
        let generation = links.generation();
        let key = (tenant.to_owned(), text.to_owned());
        if let Some((ticket, checked_at)) = self.seen.lock().expect("poisoned").get(&key)
            && *checked_at == generation
        {
            return if ticket.expires_at_ms > now_ms {
                Ok(ticket.clone())
            } else {
                Err(TicketError::Expired)
            };
        }
        let signers = links.ticket_signers_anywhere(tenant).await;
        let ticket = Ticket::check(text, tenant, &signers, now_ms)?;
        let mut seen = self.seen.lock().expect("poisoned");
        if seen.len() >= MAX_REMEMBERED {
            seen.retain(|_, (t, _)| t.expires_at_ms > now_ms);
            if seen.len() >= MAX_REMEMBERED {
                seen.clear();
            }
        }
        seen.insert(key, (ticket.clone(), generation));
        Ok(ticket)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use kontakt_api::DirectoryKey;
    use kontakt_seal::SecretKey;

    use super::*;
    use crate::relay::{Link, Relaying};

    struct Never;

    impl Link for Never {
        fn relay(&self, _: kontakt_api::SealedRequest, _: crate::link::Admission) -> Relaying {
            Box::pin(std::future::pending())
        }

        fn caller(&self, _: crate::link::CallerAsk) -> crate::relay::CallerRelaying {
            Box::pin(std::future::pending())
        }
    }

    fn document(key: &SecretKey) -> DirectoryKey {
        DirectoryKey {
            tenant_id: "t".into(),
            key: key.public().to_text(),
            fingerprint: key.fingerprint().to_owned(),
            endorsements: vec![],
        }
    }

    #[tokio::test]
    async fn a_ticket_is_checked_once_until_it_expires_or_the_keys_change() {
        let mut random = |b: &mut [u8]| rand::fill(b);
        let (key, other) = (
            SecretKey::generate(&mut random),
            SecretKey::generate(&mut random),
        );
        let links = Arc::new(Links::default());
        let now = 1_800_000_000_000;
        let text = key.issue_ticket("t", now + 1000, &mut random);
        let checked = CheckedTickets::default();
        assert_eq!(
            checked.check(&text, "t", &links, now).await,
            Err(TicketError::Signature)
        );
        let linked = links.add("t", document(&key), Arc::new(Never), None);
        assert!(checked.check(&text, "t", &links, now).await.is_ok());
        assert!(checked.check(&text, "t", &links, now + 999).await.is_ok());
        assert_eq!(
            checked.check(&text, "t", &links, now + 1000).await,
            Err(TicketError::Expired)
        );
        assert_eq!(
            checked.check(&text, "u", &links, now).await,
            Err(TicketError::Signature)
        );
        // The instance with that key goes and one with another key links: checked again.
        drop(linked);
        let _other = links.add("t", document(&other), Arc::new(Never), None);
        assert_eq!(
            checked.check(&text, "t", &links, now).await,
            Err(TicketError::Signature)
        );
    }
}
