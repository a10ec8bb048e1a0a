//! `[callerid]`: caller ID for phone systems, as written, checked and resolved.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::Deserialize;

use super::{ConfigError, secret};
use kontakt_directory::check::{Problems, valid_env_name};

/// Caller ID for phone systems (SBCs): a listener of its own, off unless this is set.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerIdSection {
    /// Where the REST protocols listen (anynode, AudioCodes, generic JSON); off unless set.
    #[serde(default)]
    pub listen: Option<SocketAddr>,
    /// Where LDAP listens, for SBCs that only speak LDAP; off unless set.
    #[serde(default)]
    pub ldap_listen: Option<SocketAddr>,
    /// Addresses or networks that may ask (`10.1.2.3`, `10.1.0.0/16`); any when empty.
    #[serde(default)]
    pub allow: Vec<String>,
    /// The SBC strips the `+` of international numbers (`4989…` means `+4989…`).
    #[serde(default)]
    pub plus_stripped: bool,
    /// Lookups per second per credential (with as many in a burst).
    #[serde(default = "default_rate")]
    pub lookups_per_second: u32,
    /// Lookups that phone systems outside the network send to the cloud are answered
    /// (the number and the name then pass through the cloud's memory).
    #[serde(default)]
    pub relay: bool,
    /// One credential per phone system.
    #[serde(default)]
    pub clients: Vec<ClientSection>,
}

fn default_rate() -> u32 {
    200
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSection {
    pub user: String,
    /// The name of the environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Or a file holding it (systemd's `LoadCredential`).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// The organisation whose directory answers (needed when `kontakt serve` has several).
    #[serde(default)]
    pub tenant: Option<String>,
}

/// `[callerid]` resolved.
#[derive(Clone)]
pub struct CallerIdSettings {
    pub listen: Option<SocketAddr>,
    pub ldap_listen: Option<SocketAddr>,
    pub allow: Vec<Network>,
    pub plus_stripped: bool,
    pub lookups_per_second: u32,
    pub relay: bool,
    pub clients: Vec<CallerIdClient>,
}

impl std::fmt::Debug for CallerIdSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallerIdSettings")
            .field("listen", &self.listen)
            .field("ldap_listen", &self.ldap_listen)
            .field("relay", &self.relay)
            .field("clients", &self.clients.len())
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct CallerIdClient {
    pub user: String,
    pub password: String,
    /// Lowercase tenant id.
    pub tenant: String,
}

/// An address or a network in CIDR notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| {
            format!("{s:?} is not an address or network (10.1.0.0/16, 192.0.2.7, 2001:db8::/32)")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(Network { addr, prefix })
    }
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let prefix = u32::from(self.prefix);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl CallerIdSection {
    /// What is wrong, at keys under `callerid`; `tenants` are the configured tenant ids.
    pub fn check(&self, tenants: &[String], demo: bool, problems: &mut Problems) {
        for (i, entry) in self.allow.iter().enumerate() {
            if let Err(m) = entry.parse::<Network>() {
                problems.error(&format!("allow[{i}]"), m);
            }
        }
        if self.listen.is_none() && self.ldap_listen.is_none() && !self.relay {
            problems.error(
                "listen",
                "missing: caller ID needs a listener (listen, ldap_listen) or lookups through the cloud (relay = true)",
            );
        }
        if self.lookups_per_second == 0 {
            problems.error("lookups_per_second", "at least 1");
        }
        if self.clients.is_empty() && !demo {
            problems.error(
                "clients",
                "missing: add one [[callerid.clients]] per phone system, with user and password_env or password_file",
            );
        }
        for (i, c) in self.clients.iter().enumerate() {
            let at = |k: &str| format!("clients[{i}].{k}");
            if c.user.trim().is_empty() || c.user.contains(':') {
                problems.error(
                    &at("user"),
                    "1 or more characters, without ':' (Basic authentication)",
                );
            }
            match (&c.password_env, &c.password_file) {
                (None, None) => problems.error(
                    &at("password_env"),
                    "missing: name the environment variable (password_env) or the file (password_file) holding the password",
                ),
                (Some(_), Some(_)) => {
                    problems.error(&at("password_file"), "set password_env or password_file, not both")
                }
                (Some(var), None) if !valid_env_name(var) => problems.error(
                    &at("password_env"),
                    "must be the NAME of an environment variable (letters, digits and _), not the password",
                ),
                _ => {}
            }
            match &c.tenant {
                Some(t) if !tenants.iter().any(|id| id.eq_ignore_ascii_case(t)) => problems.error(
                    &at("tenant"),
                    "names no tenant of this configuration ([[tenants]] id)",
                ),
                None if tenants.len() > 1 => problems.error(
                    &at("tenant"),
                    "missing: this configuration serves several tenants; name the one whose directory answers",
                ),
                _ => {}
            }
        }
    }

    /// Resolved, passwords read; `first_tenant` answers for clients that name none.
    pub fn resolve(&self, first_tenant: &str) -> Result<CallerIdSettings, ConfigError> {
        let mut clients = Vec::new();
        for c in &self.clients {
            let key = "callerid.clients.password_env";
            let password =
                secret(&c.password_file, &c.password_env, key)?.ok_or(ConfigError::Env(key))?;
            clients.push(CallerIdClient {
                user: c.user.clone(),
                password,
                tenant: c
                    .tenant
                    .as_deref()
                    .unwrap_or(first_tenant)
                    .to_ascii_lowercase(),
            });
        }
        Ok(CallerIdSettings {
            listen: self.listen,
            ldap_listen: self.ldap_listen,
            allow: self.allow.iter().filter_map(|a| a.parse().ok()).collect(),
            plus_stripped: self.plus_stripped,
            lookups_per_second: self.lookups_per_second,
            relay: self.relay,
            clients,
        })
    }
}

/// Demo mode's caller ID: `demo-sbc` / `demo-sbc` on loopback.
pub const DEMO_USER: &str = "demo-sbc";
pub const DEMO_PASSWORD: &str = "demo-sbc";
pub const DEMO_LISTEN: &str = "127.0.0.1:8081";
pub const DEMO_LDAP_LISTEN: &str = "127.0.0.1:1389";

pub fn demo(tenant: &str) -> CallerIdSettings {
    CallerIdSettings {
        listen: Some(DEMO_LISTEN.parse().expect("a socket address")),
        ldap_listen: Some(DEMO_LDAP_LISTEN.parse().expect("a socket address")),
        allow: vec![
            "127.0.0.1".parse().expect("an address"),
            "::1".parse().expect("an address"),
        ],
        plus_stripped: false,
        // Loopback only, for trying out and for the benchmark (`kontakt-bench callerid`),
        // which must measure the lookups, not the limit.
        lookups_per_second: 1_000_000,
        // The demo's cloud is on loopback too: try the relayed routes with the same credential.
        relay: true,
        clients: vec![CallerIdClient {
            user: DEMO_USER.into(),
            password: DEMO_PASSWORD.into(),
            tenant: tenant.to_ascii_lowercase(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_what_they_should() {
        let n: Network = "10.1.0.0/16".parse().unwrap();
        assert!(n.contains("10.1.200.3".parse().unwrap()));
        assert!(!n.contains("10.2.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.1.0.9".parse().unwrap()));
        let one: Network = "192.0.2.7".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let v6: Network = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!v6.contains("2001:db9::5".parse().unwrap()));
        let all: Network = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert!("intranet".parse::<Network>().is_err());
    }
}
