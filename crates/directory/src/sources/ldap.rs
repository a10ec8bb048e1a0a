//! LDAP and Active Directory, with paged results so directories larger than the server's
//! size limit (1,000 entries in AD) come through whole.

use std::collections::HashMap;
use std::time::Duration;

use kontakt_api::Phone;
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use serde::Deserialize;

use super::mapping::{ColumnMapping, FieldNames, Pick, Preset};
use super::{Emitter, Entry, Reader, Reading, SourceError, content_id};
use crate::check::{Problems, check_ascii_url};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapSource {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    #[serde(default)]
    pub starttls: bool,
    /// Bind as this DN; anonymous when absent.
    #[serde(default)]
    pub bind_dn: Option<String>,
    /// Name of the environment variable that holds the bind password — never the password
    /// itself, so configuration files can be shared and checked in.
    #[serde(default)]
    pub password_env: Option<String>,
    pub base_dn: String,
    #[serde(default = "default_filter")]
    pub filter: String,
    #[serde(default = "default_preset")]
    pub preset: Preset,
    #[serde(default)]
    pub attributes: Option<ColumnMapping>,
    #[serde(default = "default_page_size")]
    pub page_size: i32,
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
}

fn default_filter() -> String {
    String::from("(&(objectClass=person)(!(objectClass=computer)))")
}

fn default_preset() -> Preset {
    Preset::ActiveDirectory
}

fn default_page_size() -> i32 {
    500
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

fn ldap_error(context: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Ldap(format!("{context}: {e}"))
}

impl LdapSource {
    /// A server that stops answering or drops the connection part-way is the usual fault;
    /// say so in plain words instead of ldap3's terse ones.
    fn failed(&self, context: &str, e: ldap3::LdapError) -> SourceError {
        match e {
            ldap3::LdapError::Timeout { .. } => ldap_error(
                context,
                format_args!("no answer within {:?} (timeout)", self.timeout),
            ),
            ldap3::LdapError::EndOfStream => {
                ldap_error(context, "the connection ended before the last entry")
            }
            e => ldap_error(context, e),
        }
    }
}

impl LdapSource {
    fn password(&self) -> Result<Option<String>, SourceError> {
        match (&self.bind_dn, &self.password_env) {
            (None, _) => Ok(None),
            (Some(_), None) => Err(SourceError::Config(String::from(
                "bind_dn is set but password_env is not: name the environment variable that holds the password",
            ))),
            (Some(_), Some(var)) if !crate::check::valid_env_name(var) => {
                Err(SourceError::Config(String::from(
                    "password_env must be the NAME of an environment variable, not the password (the value is not shown)",
                )))
            }
            (Some(_), Some(var)) => std::env::var(var).map(Some).map_err(|_| {
                SourceError::Config(format!(
                    "the environment variable {var} (password_env) is not set"
                ))
            }),
        }
    }

    async fn read_entries(&self, out: &mut Emitter<'_>) -> Result<(), SourceError> {
        let fields = self.preset.fields().with(self.attributes.as_ref());
        let password = self.password()?;
        let settings = LdapConnSettings::new()
            .set_conn_timeout(self.timeout)
            .set_starttls(self.starttls);
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.url)
            .await
            .map_err(|e| self.failed(&format!("cannot connect to {}", self.url), e))?;
        ldap3::drive!(conn);
        ldap.with_timeout(self.timeout);
        if let (Some(dn), Some(pw)) = (&self.bind_dn, &password) {
            ldap.simple_bind(dn, pw)
                .await
                .and_then(|r| r.success())
                .map_err(|e| self.failed(&format!("bind as {dn} failed"), e))?;
        }
        let attrs = requested_attributes(&fields);
        let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(self.page_size)),
        ];
        ldap.with_timeout(self.timeout);
        let mut search = ldap
            .streaming_search_with(adapters, &self.base_dn, Scope::Subtree, &self.filter, attrs)
            .await
            .map_err(|e| self.failed(&format!("search under {} failed", self.base_dn), e))?;
        let mut number = 0usize;
        while let Some(entry) = search
            .next()
            .await
            .map_err(|e| self.failed("reading results failed", e))?
        {
            number += 1;
            let entry = SearchEntry::construct(entry);
            let values = Values::of(&entry);
            let mut found = values.entry(&fields);
            // The location names the id, never the DN: DNs contain names.
            let location = match &found.id {
                Some(id) => format!("entry {number} ({id})"),
                None => format!("entry {number}"),
            };
            // Without an id attribute the DN is the next best thing: stable while the
            // entry stays where it is.
            found.id.get_or_insert_with(|| content_id(&[&entry.dn]));
            out.emit(location, found)?;
        }
        search
            .finish()
            .await
            .success()
            .map_err(|e| self.failed("the search ended with an error", e))?;
        let _ = ldap.unbind().await;
        Ok(())
    }
}

impl Reader for LdapSource {
    fn name_fields(&self) -> &'static str {
        "displayName, givenName, sn and company"
    }

    fn check(&self, _production: bool, problems: &mut Problems) {
        if !(self.url.starts_with("ldap://") || self.url.starts_with("ldaps://")) {
            problems.error(
                "url",
                format!("{:?} must start with ldap:// or ldaps://", self.url),
            );
        } else if let Err(m) = check_ascii_url(&self.url) {
            problems.error("url", m);
        }
        if self.page_size < 1 {
            problems.error("page_size", "must be at least 1");
        }
        // The value is never repeated: a password put where the variable's name belongs
        // would land on the terminal and, through ExecStartPre, in the journal.
        match (&self.bind_dn, &self.password_env) {
            (Some(_), None) => problems.error(
                "bind_dn",
                "is set but password_env is not: name the environment variable that holds the bind password (e.g. password_env = \"KONTAKT_LDAP_PASSWORD\"), or remove bind_dn to bind anonymously",
            ),
            (_, Some(var)) if !crate::check::valid_env_name(var) => problems.error(
                "password_env",
                "must be the NAME of an environment variable (letters, digits and _, e.g. KONTAKT_LDAP_PASSWORD), not the password; the value is not shown",
            ),
            (_, Some(var)) if std::env::var_os(var).is_none() => problems.warning(
                "password_env",
                format!(
                    "the environment variable {var} is not set here (it must be where the server runs)"
                ),
            ),
            _ => {}
        }
    }

    fn read<'a>(&'a self, out: &'a mut Emitter<'_>) -> Reading<'a> {
        Box::pin(self.read_entries(out))
    }
}

/// Every attribute a mapping may read.
fn requested_attributes(f: &FieldNames) -> Vec<String> {
    let mut attrs: Vec<String> = f.slots().flat_map(|p| &p.names).cloned().collect();
    attrs.sort();
    attrs.dedup();
    attrs
}

/// Id attributes that hold bytes, not text (lowercase).
const BINARY_IDS: &[&str] = &["objectguid", "msds-objectguid"];

/// An entry's attributes by lowercase name.
struct Values<'e> {
    text: HashMap<String, &'e Vec<String>>,
    binary: HashMap<String, &'e Vec<Vec<u8>>>,
}

impl<'e> Values<'e> {
    fn of(entry: &'e SearchEntry) -> Self {
        Values {
            text: entry
                .attrs
                .iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect(),
            binary: entry
                .bin_attrs
                .iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect(),
        }
    }

    /// Every value of a multi-valued attribute (the first of the alternatives that has
    /// one); a join is one value.
    fn all(&self, pick: &Pick) -> Vec<String> {
        if pick.join.is_some() {
            return self.one(pick).into_iter().collect();
        }
        pick.names
            .iter()
            .filter_map(|n| self.text.get(&n.to_lowercase()))
            .map(|v| {
                v.iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .find(|v| !v.is_empty())
            .unwrap_or_default()
    }

    /// An attribute's first value.
    fn first(&self, name: &str) -> Option<&str> {
        self.text
            .get(&name.to_lowercase())
            .and_then(|v| v.iter().map(|s| s.as_str()).find(|s| !s.trim().is_empty()))
    }

    fn one(&self, pick: &Pick) -> Option<String> {
        pick.value(|n| self.first(n))
    }

    /// The entry's stable id. Active Directory's `objectGUID` is 16 bytes, shown the way AD
    /// tools show it. The LDAP library hands out values that happen to be valid UTF-8 as
    /// text, so a GUID can arrive either way; binary id attributes are read as bytes always.
    fn id(&self, pick: &Pick) -> Option<String> {
        if pick.join.is_some() {
            return self.one(pick);
        }
        for name in &pick.names {
            let key = name.to_lowercase();
            if BINARY_IDS.contains(&key.as_str()) {
                let bytes = self
                    .binary
                    .get(&key)
                    .and_then(|v| v.first().cloned())
                    .or_else(|| {
                        self.text
                            .get(&key)
                            .and_then(|v| v.first())
                            .map(|s| s.as_bytes().to_vec())
                    });
                if let Some(bytes) = bytes {
                    return Some(guid_string(&bytes));
                }
            } else if let Some(text) = self.first(name) {
                return Some(text.trim().to_owned());
            }
        }
        None
    }

    fn entry(&self, f: &FieldNames) -> Entry {
        let mut entry = f.entry(|names| self.one(names));
        entry.id = self.id(&f.id);
        entry.emails = f.emails.iter().flat_map(|n| self.all(n)).collect();
        entry.phones = f
            .phones
            .iter()
            .flat_map(|(n, kind)| self.all(n).into_iter().map(|raw| Phone::new(*kind, raw)))
            .collect();
        entry
    }
}

/// `objectGUID` bytes (little-endian first three groups) → `8-4-4-4-12`.
fn guid_string(b: &[u8]) -> String {
    if b.len() != 16 {
        return b.iter().map(|x| format!("{x:02x}")).collect();
    }
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::testing::load_source;

    #[test]
    fn object_guids_read_like_ad_shows_them() {
        let bytes = [
            0x67, 0x45, 0x23, 0x01, 0xab, 0x89, 0xef, 0xcd, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
            0xcd, 0xef,
        ];
        assert_eq!(guid_string(&bytes), "01234567-89ab-cdef-0123-456789abcdef");
    }

    #[test]
    fn a_bind_dn_needs_a_password_variable() {
        let mut s: LdapSource = toml::from_str(
            r#"url = "ldap://127.0.0.1:1"
               base_dn = "dc=example,dc=org"
               bind_dn = "cn=reader,dc=example,dc=org""#,
        )
        .unwrap();
        assert!(
            s.password()
                .unwrap_err()
                .to_string()
                .contains("password_env is not")
        );
        s.password_env = Some("KONTAKT_TEST_SURELY_UNSET_VARIABLE".into());
        assert!(
            s.password()
                .unwrap_err()
                .to_string()
                .contains("KONTAKT_TEST_SURELY_UNSET_VARIABLE")
        );
    }

    /// Issue 19: the password put where the variable's name belongs was echoed back, and a
    /// bind DN without a password variable was only a warning at run time.
    #[test]
    fn the_check_never_repeats_a_secret_and_refuses_a_bind_dn_without_a_password() {
        let check = |extra: &str| {
            let s: LdapSource = toml::from_str(&format!(
                "url = \"ldap://127.0.0.1:1\"\nbase_dn = \"dc=example,dc=org\"\n{extra}"
            ))
            .unwrap();
            let mut problems = Problems::default();
            s.check(true, &mut problems);
            problems.into_vec()
        };
        let pasted = check("bind_dn = \"cn=reader\"\npassword_env = \"Svc-Pass-123\"");
        assert_eq!(pasted.len(), 1, "{pasted:?}");
        assert!(!pasted[0].warning && pasted[0].key == "password_env");
        assert!(
            pasted[0]
                .message
                .contains("NAME of an environment variable")
        );
        assert!(
            !format!("{pasted:?}").contains("Svc-Pass-123"),
            "{pasted:?}"
        );
        let s: LdapSource = toml::from_str(
            "url = \"ldap://127.0.0.1:1\"\nbase_dn = \"dc=x\"\nbind_dn = \"cn=r\"\npassword_env = \"Svc-Pass-123\"",
        )
        .unwrap();
        let at_run_time = s.password().unwrap_err().to_string();
        assert!(!at_run_time.contains("Svc-Pass-123"), "{at_run_time}");

        let no_password = check("bind_dn = \"cn=reader\"");
        assert_eq!(no_password.len(), 1, "{no_password:?}");
        assert!(!no_password[0].warning && no_password[0].key == "bind_dn");
        assert!(no_password[0].message.contains("password_env is not"));
        assert!(check("").is_empty(), "anonymous binds need neither");
    }

    #[test]
    fn an_unreachable_server_is_a_clear_error() {
        let err = load_source(
            r#"type = "ldap"
               id = "ad"
               name = "AD"
               url = "ldap://127.0.0.1:1"
               base_dn = "dc=example,dc=org"
               timeout = "2s""#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("cannot connect to ldap://127.0.0.1:1"),
            "{err}"
        );
    }
}
