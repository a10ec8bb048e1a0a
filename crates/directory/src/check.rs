//! What is wrong with settings, each problem at the key (or option) it is about. One
//! collector for the server's configuration, every source kind's own checks and the app
//! package's options, so they all report the same way.

use std::fmt;

/// One thing wrong with a setting, at a key path like `tenants[0].sources[1].id` or an
/// option like `--host`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingProblem {
    pub key: String,
    pub message: String,
    /// Warnings do not stop anything (e.g. a file that may exist on the server only).
    pub warning: bool,
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.warning { "warning" } else { "error" };
        write!(f, "{kind}: {}: {}", self.key, self.message)
    }
}

/// Collects problems; checks of a nested table report relative to it through
/// [`Problems::within`].
#[derive(Debug, Default)]
pub struct Problems {
    found: Vec<SettingProblem>,
    prefix: String,
}

impl Problems {
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.add(key, message.into(), false);
    }

    pub fn warning(&mut self, key: &str, message: impl Into<String>) {
        self.add(key, message.into(), true);
    }

    /// Runs `check` with keys relative to `at` (`tenants[0]`, then `sources[1]`, …).
    pub fn within<R>(&mut self, at: &str, check: impl FnOnce(&mut Problems) -> R) -> R {
        let outer = std::mem::take(&mut self.prefix);
        self.prefix = join(&outer, at);
        let result = check(self);
        self.prefix = outer;
        result
    }

    fn add(&mut self, key: &str, message: String, warning: bool) {
        self.found.push(SettingProblem {
            key: join(&self.prefix, key),
            message,
            warning,
        });
    }

    pub fn has_errors(&self) -> bool {
        self.found.iter().any(|p| !p.warning)
    }

    pub fn into_vec(self) -> Vec<SettingProblem> {
        self.found
    }
}

/// International host names must be written in their ASCII (punycode) form: the URL parser
/// is built without Unicode tables (see docs/dependencies.md, `idna_adapter`).
pub fn check_ascii_url(url: &str) -> Result<(), String> {
    if url.is_ascii() {
        Ok(())
    } else {
        Err(format!(
            "{url:?} contains non-ASCII characters: write international host names in their ASCII form (e.g. xn--mller-kva.example for müller.example)"
        ))
    }
}

fn join(prefix: &str, key: &str) -> String {
    match (prefix.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{key}"),
    }
}

/// An environment variable's name as a shell accepts it (letters, digits, `_`; no digit
/// first): a setting that should hold a name but holds a password fails this.
pub fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_checks_report_full_key_paths() {
        let mut problems = Problems::default();
        problems.error("auth", "missing");
        problems.within("tenants[1]", |p| {
            p.within("sources[0]", |p| p.warning("path", "not here"));
            p.error("", "whole table");
        });
        assert!(problems.has_errors());
        let lines: Vec<String> = problems
            .into_vec()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "error: auth: missing",
                "warning: tenants[1].sources[0].path: not here",
                "error: tenants[1]: whole table",
            ]
        );
    }
}
