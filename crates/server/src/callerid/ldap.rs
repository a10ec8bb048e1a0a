//! LDAP for SBCs that only speak LDAP (AudioCodes' "LDAP-based caller name"): a small
//! read-only listener. The SBC binds with its credential, then searches with the calling
//! number as an equality filter on `telephoneNumber`, `mobile`, `homePhone` or
//! `facsimileTelephoneNumber` (or an `|` of them, or inside an `&` with `objectClass`) and
//! reads `displayName`, `cn` and `company` of the one entry it gets back. The number is
//! normalised like every other caller ID lookup — never compared as a string. Everything
//! else is refused, and a connection from an address not allowed is closed at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use ldap3_proto::LdapCodec;
use ldap3_proto::proto::{LdapFilter, LdapPartialAttribute, LdapResultCode, LdapSearchResultEntry};
use ldap3_proto::simple::{DisconnectionNotice, ServerOps};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{FramedRead, FramedWrite};

use super::{Shared, shown};

/// Attributes a calling number may be searched by (compared without case).
const NUMBER_ATTRIBUTES: &[&str] = &[
    "telephonenumber",
    "mobile",
    "homephone",
    "facsimiletelephonenumber",
];

/// The largest LDAP message accepted: a search for one number is a few hundred bytes.
const MAX_MESSAGE: usize = 16 * 1024;

/// A connection that says nothing for this long is closed.
const IDLE: Duration = Duration::from_secs(300);

/// Serves LDAP on `listener` until the process ends.
pub async fn serve(listener: TcpListener, state: Shared) -> std::io::Result<()> {
    let stop = crate::shutdown_signal();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => continue,
            },
            () = &mut stop => return Ok(()),
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let _ = session(stream, peer, state).await;
        });
    }
}

/// The tenant a connection has bound for, and the credential's name (its rate key).
struct Bound {
    user: String,
    tenant: String,
}

async fn session(stream: TcpStream, peer: SocketAddr, state: Shared) -> std::io::Result<()> {
    // An answer is an entry and a "done" in two small writes: without this, Nagle's
    // algorithm holds the second until the client's delayed ACK, 40 ms per lookup.
    stream.set_nodelay(true)?;
    let (read, write) = stream.into_split();
    let mut requests = FramedRead::new(read, LdapCodec::new(Some(MAX_MESSAGE)));
    let mut answers = FramedWrite::new(write, LdapCodec::default());
    if !state.allowed(peer.ip()) {
        let notice = DisconnectionNotice::r#gen(
            LdapResultCode::InsufficentAccessRights,
            "this address may not ask for caller ID (callerid.allow)",
        );
        return answers.send(notice).await;
    }
    let mut bound: Option<Bound> = None;
    loop {
        let message = match tokio::time::timeout(IDLE, requests.next()).await {
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(_))) => {
                let notice = DisconnectionNotice::r#gen(
                    LdapResultCode::ProtocolError,
                    "not an LDAP message this server understands",
                );
                return answers.send(notice).await;
            }
            Ok(None) | Err(_) => return Ok(()),
        };
        let op = match ServerOps::try_from(message) {
            Ok(op) => op,
            Err(()) => {
                let notice = DisconnectionNotice::r#gen(
                    LdapResultCode::UnwillingToPerform,
                    "this server only binds and searches for calling numbers",
                );
                return answers.send(notice).await;
            }
        };
        let answer = match op {
            ServerOps::SimpleBind(bind) => {
                if bind.dn.is_empty() && bind.pw.is_empty() {
                    bound = None;
                    vec![bind.gen_success()]
                } else {
                    match state.check(user_of(&bind.dn), &bind.pw) {
                        Some(client) => {
                            bound = Some(Bound {
                                user: client.user.clone(),
                                tenant: client.tenant.clone(),
                            });
                            vec![bind.gen_success()]
                        }
                        None => {
                            bound = None;
                            vec![bind.gen_invalid_cred()]
                        }
                    }
                }
            }
            ServerOps::Search(search) => match &bound {
                None => vec![search.gen_error(
                    LdapResultCode::InsufficentAccessRights,
                    String::from("bind with the phone system's credential first"),
                )],
                Some(b) if state.limiter.check(b.user.clone()).is_err() => vec![search.gen_error(
                    LdapResultCode::Busy,
                    String::from("too many lookups; try again in a second"),
                )],
                Some(b) => match number_in(&search.filter) {
                    None => vec![search.gen_error(
                        LdapResultCode::UnwillingToPerform,
                        String::from(
                            "search with an equality filter on telephoneNumber, mobile, homePhone or facsimileTelephoneNumber (or an | of them)",
                        ),
                    )],
                    Some(number) => {
                        let mut out = Vec::new();
                        if let Some(caller) = state.caller(&b.tenant, number) {
                            out.push(search.gen_result_entry(entry(&caller, &search.attrs)));
                        }
                        out.push(search.gen_success());
                        out
                    }
                },
            },
            ServerOps::Whoami(who) => {
                let name = bound.as_ref().map_or(String::new(), |b| format!("u:{}", b.user));
                vec![who.gen_success(&name)]
            }
            ServerOps::Compare(compare) => vec![compare.gen_error(
                LdapResultCode::UnwillingToPerform,
                String::from("this server only searches for calling numbers"),
            )],
            ServerOps::Unbind(_) => return Ok(()),
        };
        for message in answer {
            answers.feed(message).await?;
        }
        answers.flush().await?;
    }
}

/// The credential's user in a bind DN: `cn=sbc-muenchen,dc=kontakt` (or `uid=`), or the
/// bare name.
fn user_of(dn: &str) -> &str {
    let first = dn.split(',').next().unwrap_or("").trim();
    match first.split_once('=') {
        Some((attr, value))
            if attr.trim().eq_ignore_ascii_case("cn")
                || attr.trim().eq_ignore_ascii_case("uid") =>
        {
            value.trim()
        }
        _ => dn.trim(),
    }
}

/// The calling number a filter asks for: an equality on a number attribute, an `|` of
/// such (the first), or one of them inside an `&` with conditions on `objectClass`.
fn number_in(filter: &LdapFilter) -> Option<&str> {
    match filter {
        LdapFilter::Equality(attr, value)
            if NUMBER_ATTRIBUTES.contains(&attr.to_ascii_lowercase().as_str()) =>
        {
            Some(value.as_str())
        }
        LdapFilter::Or(parts) => {
            let numbers: Vec<&str> = parts.iter().map(number_in).collect::<Option<_>>()?;
            numbers.first().copied()
        }
        LdapFilter::And(parts) => {
            let mut found = None;
            for part in parts {
                match (number_in(part), part) {
                    (Some(n), _) if found.is_none() => found = Some(n),
                    (None, LdapFilter::Present(a) | LdapFilter::Equality(a, _))
                        if a.eq_ignore_ascii_case("objectclass") => {}
                    _ => return None,
                }
            }
            found
        }
        _ => None,
    }
}

/// The entry for `caller`, with the attributes asked for (all three when none are named).
fn entry(caller: &kontakt_directory::callerid::Caller, asked: &[String]) -> LdapSearchResultEntry {
    let name = shown(caller);
    let mut attributes = vec![
        ("displayName", Some(name.clone())),
        ("cn", Some(name)),
        ("company", caller.company.clone()),
    ];
    let wanted =
        |a: &str| asked.is_empty() || asked.iter().any(|x| x == "*" || x.eq_ignore_ascii_case(a));
    attributes.retain(|(a, v)| v.is_some() && wanted(a));
    LdapSearchResultEntry {
        dn: format!("cn={},ou=callers,dc=kontakt", dn_safe(&caller.contact_id)),
        attributes: attributes
            .into_iter()
            .map(|(a, v)| LdapPartialAttribute {
                atype: a.to_owned(),
                vals: vec![v.unwrap_or_default().into_bytes()],
            })
            .collect(),
    }
}

/// A contact id as an RDN value: the characters RFC 4514 escapes, escaped.
fn dn_safe(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_sbcs_send_and_the_ones_refused() {
        let eq = |a: &str, v: &str| LdapFilter::Equality(a.into(), v.into());
        assert_eq!(number_in(&eq("telephoneNumber", "+4989")), Some("+4989"));
        assert_eq!(number_in(&eq("MOBILE", "0171")), Some("0171"));
        assert_eq!(number_in(&eq("cn", "Anna")), None);
        let or = LdapFilter::Or(vec![eq("telephoneNumber", "089"), eq("mobile", "089")]);
        assert_eq!(number_in(&or), Some("089"));
        let mixed = LdapFilter::Or(vec![eq("telephoneNumber", "089"), eq("cn", "x")]);
        assert_eq!(number_in(&mixed), None);
        let and = LdapFilter::And(vec![
            LdapFilter::Present("objectClass".into()),
            eq("objectclass", "person"),
            eq("homePhone", "040"),
        ]);
        assert_eq!(number_in(&and), Some("040"));
        let two = LdapFilter::And(vec![eq("homePhone", "040"), eq("mobile", "041")]);
        assert_eq!(number_in(&two), None);
        assert_eq!(
            number_in(&LdapFilter::Present("telephoneNumber".into())),
            None
        );
        assert_eq!(user_of("cn=sbc-muenchen,dc=kontakt"), "sbc-muenchen");
        assert_eq!(user_of("UID = sbc ,ou=x"), "sbc");
        assert_eq!(user_of("sbc"), "sbc");
        assert_eq!(dn_safe("crm:1/K,2"), "crm:1/K\\,2");
    }
}
