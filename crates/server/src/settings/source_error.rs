//! Where in the file a source table's mistake is. A source's keys depend on its `type`, so
//! serde reads the table whole before it knows which keys are allowed, and toml can then only
//! point at the start of the sources — the first source's header even when the mistake is in
//! the third. This reads each source table on its own and names the source (`tenants[0].
//! sources[1]`, its id), the line of the offending key, and the key meant when one is a
//! typo away.

use kontakt_directory::sources::Source;

/// A message for the first source table that does not read, `None` when all read (the
/// mistake is elsewhere and toml's own message says where).
pub fn locate(text: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let tenants = table.get("tenants")?.as_array()?;
    for (t, tenant) in tenants.iter().enumerate() {
        let Some(sources) = tenant.get("sources").and_then(|s| s.as_array()) else {
            continue;
        };
        for (s, source) in sources.iter().enumerate() {
            let Err(e) = source.clone().try_into::<Source>() else {
                continue;
            };
            let id = source
                .get("id")
                .and_then(|v| v.as_str())
                .map(|id| format!(" (id {id:?})"))
                .unwrap_or_default();
            let message = e.to_string();
            let message = message.trim_end();
            let header = source_header_line(text, t, s);
            let (line, hint) = match unknown_key(message) {
                Some((key, expected)) => (
                    header.and_then(|h| key_line(text, h, key)).or(header),
                    closest(key, &expected)
                        .map(|k| format!(" — did you mean `{k}`?"))
                        .unwrap_or_default(),
                ),
                None => (header, String::new()),
            };
            let at = line.map(|l| format!(", line {l}")).unwrap_or_default();
            return Some(format!(
                "tenants[{t}].sources[{s}]{id}{at}: {message}{hint}"
            ));
        }
    }
    None
}

/// `unknown field `x`, expected one of `a`, `b`` → (`x`, [`a`, `b`]).
fn unknown_key(message: &str) -> Option<(&str, Vec<&str>)> {
    let rest = message.split("unknown field `").nth(1)?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).collect::<Vec<_>>();
    Some((key, expected))
}

/// The known key nearest to a mistyped one, when it is close enough to be the one meant.
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= 2 && *d < k.len())
        .min()
        .map(|(_, k)| k)
}

/// The 1-based line of the header of source `s` of tenant `t`, when both are written as
/// `[[tenants]]` and `[[tenants.sources]]` tables (as every example is).
fn source_header_line(text: &str, t: usize, s: usize) -> Option<usize> {
    let mut tenant = None;
    let mut source = 0;
    for (n, line) in text.lines().enumerate() {
        match line.trim() {
            "[[tenants]]" => {
                tenant = Some(tenant.map_or(0, |i| i + 1));
                source = 0;
            }
            "[[tenants.sources]]" if tenant == Some(t) => {
                if source == s {
                    return Some(n + 1);
                }
                source += 1;
            }
            _ => {}
        }
    }
    None
}

/// The line, after the header at `header`, where `key` is set in that table.
fn key_line(text: &str, header: usize, key: &str) -> Option<usize> {
    for (n, line) in text.lines().enumerate().skip(header) {
        let line = line.trim();
        if line.starts_with('[') {
            return None;
        }
        if let Some(rest) = line.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(n + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_SOURCES: &str = r#"[server]
data_dir = "/tmp/x"

[[tenants]]
id = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34"
name = "Contoso"
dialing = { country = "DE" }

[[tenants.sources]]
type = "csv"
id = "crm"
name = "CRM"
path = "/srv/crm.csv"

[[tenants.sources]]
type = "csv"
id = "erp"
name = "ERP"
path = "/srv/erp.csv"
delimeter = ";"
"#;

    /// Issue 19: `delimeter` in the second source was reported at the first source's header
    /// without saying which source.
    #[test]
    fn a_mistake_in_the_second_source_names_it_its_line_and_the_key_meant() {
        let err = locate(TWO_SOURCES).expect("located");
        assert!(
            err.starts_with(
                "tenants[0].sources[1] (id \"erp\"), line 20: unknown field `delimeter`"
            ),
            "{err}"
        );
        assert!(err.ends_with("did you mean `delimiter`?"), "{err}");
        assert_eq!(locate(&TWO_SOURCES.replace("delimeter", "delimiter")), None);
    }

    #[test]
    fn a_key_far_from_any_known_one_gets_no_guess() {
        let err = locate(&TWO_SOURCES.replace("delimeter", "colour")).unwrap();
        assert!(err.contains("line 20: unknown field `colour`"), "{err}");
        assert!(!err.contains("did you mean"), "{err}");
    }
}
