//! The one place that says what a host name and the service's public URL may look like: the
//! configuration's `public_url` and `kontakt package --host` are checked by the same rules,
//! the ones Teams applies to a tab's address.

pub use kontakt_directory::check::check_ascii_url;

const EXAMPLE: &str = "like contacts.example.com";

/// `https://contacts.example.com` → `contacts.example.com` (a port stays, a path refuses).
pub fn host_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.trim_end_matches('/');
    (!host.is_empty() && !host.contains('/')).then_some(host)
}

/// A host name Teams can load a tab from: no scheme, port, path or user; fully qualified;
/// ASCII; not an IP address. Teams compares it with the tab's address, the Application ID
/// URI and `validDomains`.
pub fn check_host(host: &str) -> Result<(), String> {
    if let Some((scheme, _)) = host.split_once("://") {
        return Err(format!(
            "{host:?} has a scheme ({scheme}://): give the host name only, {EXAMPLE}"
        ));
    }
    if host.contains('/') || host.contains('?') || host.contains('#') {
        return Err(format!(
            "{host:?} has a path: give the host name only, {EXAMPLE}"
        ));
    }
    if host.contains(':') {
        return Err(format!(
            "{host:?} has a port: Teams loads tabs from the standard HTTPS port only, {EXAMPLE}"
        ));
    }
    if host.contains('@') || host.chars().any(char::is_whitespace) {
        return Err(format!("{host:?} is not a host name, {EXAMPLE}"));
    }
    if !host.is_ascii() {
        return Err(format!(
            "{host:?} is not ASCII: write international names in their ASCII form (xn--…)"
        ));
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) || host.len() > 253 {
        return Err(format!(
            "{host:?} is not a fully qualified host name, {EXAMPLE}"
        ));
    }
    if labels.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!(
            "{host:?} is an IP address: Teams needs a host name with a certificate, {EXAMPLE}"
        ));
    }
    Ok(())
}

/// `server.public_url`: scheme and host only. In production it is what Teams loads, so it
/// must be https on a host [`check_host`] accepts; in development any http(s) host and port
/// will do (a trial on `http://127.0.0.1:8080`).
pub fn check_public_url(url: &str, production: bool) -> Result<(), String> {
    check_ascii_url(url)?;
    if production && !url.starts_with("https://") {
        return Err(format!(
            "{url:?} must be an https:// URL: Teams only loads tabs over HTTPS"
        ));
    }
    let Some(host) = host_of(url) else {
        return Err(format!(
            "{url:?} must be a scheme and host only, like https://contacts.example.com"
        ));
    };
    if production {
        check_host(host).map_err(|m| format!("{url:?}: {m}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_host_names_only() {
        for good in [
            "contacts.example.com",
            "kontakt.intranet.contoso.de",
            "xn--mller-kva.example",
        ] {
            assert_eq!(check_host(good), Ok(()), "{good}");
        }
        for (bad, says) in [
            ("contacts.example.com/tab", "path"),
            ("contacts.example.com:8443", "port"),
            ("http://contacts.example.com", "scheme"),
            ("localhost", "fully qualified"),
            ("10.0.0.5", "IP address"),
            ("kontakte.müller.example", "ASCII"),
            ("bad_host.example.com", "fully qualified"),
            ("-x.example.com", "fully qualified"),
            ("user@contacts.example.com", "not a host name"),
        ] {
            let err = check_host(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn public_urls_follow_the_same_rules_in_production_only() {
        assert!(check_public_url("https://contacts.example.com/", true).is_ok());
        assert!(check_public_url("http://127.0.0.1:8080", false).is_ok());
        let err = check_public_url("https://contacts.example.com:8443", true).unwrap_err();
        assert!(err.contains("has a port"), "{err}");
        let err = check_public_url("https://kontakt", true).unwrap_err();
        assert!(err.contains("fully qualified"), "{err}");
        let err = check_public_url("http://contacts.example.com", true).unwrap_err();
        assert!(err.contains("must be an https:// URL"), "{err}");
        let err = check_public_url("https://contacts.example.com/tab", false).unwrap_err();
        assert!(err.contains("scheme and host only"), "{err}");
    }
}
