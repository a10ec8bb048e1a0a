//! `kontakt check-config --read-sources`: every source read once, as the service reads it,
//! and what came of it in plain words — the contacts read, and every record skipped and
//! every value left out with its place and the reason. Nothing is kept: no snapshot is
//! written, and the report holds no contact data (places and reasons only).

use std::fmt::Write;

use kontakt_api::Contact;

use crate::settings::ConfigFile;

/// The report, and whether every source could be read.
pub async fn report(file: &ConfigFile) -> (String, bool) {
    let mut out = String::new();
    let mut all_read = true;
    for (i, tenant) in file.tenants.iter().enumerate() {
        for (j, source) in tenant.sources.iter().enumerate() {
            let _ = writeln!(
                out,
                "tenants[{i}].sources[{j}]: {:?} ({}) of {}",
                source.id,
                source.kind_name(),
                tenant.name
            );
            let mut contacts = 0usize;
            let mut count = |_: Contact| {
                contacts += 1;
                Ok(())
            };
            match source.load_listing_every_problem(&mut count).await {
                Ok(report) => {
                    let _ = writeln!(
                        out,
                        "  {} read from {}; {} skipped, {} left out",
                        counted(report.contacts, "contact"),
                        counted(report.records, "record"),
                        counted(report.skipped, "record"),
                        counted(report.dropped, "value"),
                    );
                    for p in &report.problems {
                        let _ = writeln!(out, "  skipped   {}: {}", p.location, p.reason);
                    }
                    for p in &report.drops {
                        let _ = writeln!(out, "  left out  {}: {}", p.location, p.reason);
                    }
                    if report.contacts == 0 {
                        let _ = writeln!(
                            out,
                            "  warning: no contacts — this source would serve nobody"
                        );
                    }
                }
                Err(e) => {
                    all_read = false;
                    let _ = writeln!(out, "  cannot be read: {e}");
                }
            }
        }
    }
    if out.is_empty() {
        out.push_str("no sources in this configuration (the cloud reads none)\n");
    }
    (out, all_read)
}

/// `1 contact`, `2 contacts`, `1,234 records`.
fn counted(n: usize, what: &str) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (k, d) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(d);
    }
    format!("{grouped} {what}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        assert_eq!(counted(1, "contact"), "1 contact");
        assert_eq!(counted(0, "value"), "0 values");
        assert_eq!(counted(1234567, "record"), "1,234,567 records");
    }

    /// Every skipped row is listed with its physical line — past the hundred the service's
    /// status keeps — and nothing of the contacts themselves appears.
    #[tokio::test]
    async fn every_skipped_row_is_listed_with_its_line_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("First Name;Last Name;Business Phone\n");
        csv.push_str("Jürgen;Müller;+49 89 1234\n");
        for _ in 0..150 {
            csv.push_str("Too;Many;Fields;Here\n");
        }
        csv.push_str("Eva;Wüst;call me\n");
        csv.push_str(";;\u{20}\n");
        std::fs::write(dir.path().join("crm.csv"), csv).unwrap();
        std::fs::write(
            dir.path().join("kontakt.toml"),
            "[[tenants]]\nid = \"00000000-0000-0000-0000-0000000000aa\"\nname = \"Beispiel GmbH\"\n\
             dialing = { country = \"DE\", area_code = \"89\" }\n\
             [[tenants.sources]]\ntype = \"csv\"\nid = \"crm\"\nname = \"CRM\"\npath = \"crm.csv\"\n\
             [[tenants.sources]]\ntype = \"vcard\"\nid = \"cards\"\nname = \"Cards\"\npath = \"missing\"\n",
        )
        .unwrap();
        let file = ConfigFile::read(&dir.path().join("kontakt.toml")).unwrap();
        let (text, all_read) = report(&file).await;
        assert!(!all_read, "the vCard folder is missing:\n{text}");
        assert!(
            text.starts_with("tenants[0].sources[0]: \"crm\" (csv) of Beispiel GmbH\n  2 contacts read from 152 records; 150 records skipped, 1 value left out\n"),
            "{text}"
        );
        assert!(
            text.contains("  skipped   line 3: 4 fields instead of 3\n"),
            "{text}"
        );
        assert!(
            text.contains("  skipped   line 152: 4 fields instead of 3\n"),
            "{text}"
        );
        assert_eq!(text.matches("  skipped ").count(), 150, "{text}");
        assert!(text.contains("  left out  line 153: "), "{text}");
        assert!(
            text.contains(
                "tenants[0].sources[1]: \"cards\" (vcard) of Beispiel GmbH\n  cannot be read: "
            ),
            "{text}"
        );
        for private in ["Jürgen", "Müller", "Wüst", "1234", "call me", "Debug", "{"] {
            assert!(!text.contains(private), "{private} in:\n{text}");
        }
    }
}
