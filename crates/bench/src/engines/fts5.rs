//! SQLite FTS5, configured as well as it goes for names: `unicode61 remove_diacritics 2`
//! (so `ü` matches `u`) and prefix indexes for one to four letters.

use std::path::PathBuf;

use kontakt_directory::demo::{Generator, dialing};
use kontakt_directory::fields::email_local_part;
use kontakt_directory::phone::PhoneNormalizer;
use rusqlite::{Connection, params};

use super::{Engine, Hit, LIMIT};
use crate::queries::{Class, Query};

pub struct Fts5 {
    db: Connection,
    path: PathBuf,
}

impl Fts5 {
    pub fn build(size: usize, seed: u64, dir: &std::path::Path) -> anyhow::Result<Fts5> {
        let path = dir.join(format!("fts5-{size}.db"));
        let _ = std::fs::remove_file(&path);
        let mut db = Connection::open(&path)?;
        db.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE VIRTUAL TABLE c USING fts5(
               id UNINDEXED, display UNINDEXED, company_full UNINDEXED,
               name, company, department, title, city, email, phones,
               tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4');",
        )?;
        let normalizer = PhoneNormalizer::new(&dialing())?;
        let tx = db.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO c (id, display, company_full, name, company, department, title, city, email, phones)
                 VALUES (?1, ?2, ?3, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for c in Generator::new(size, seed) {
                let emails: Vec<&str> = c.emails.iter().map(|e| email_local_part(e)).collect();
                let phones: Vec<String> = c
                    .phones
                    .iter()
                    .filter_map(|p| normalizer.normalize(&p.raw))
                    .map(|e| e[1..].to_owned())
                    .collect();
                insert.execute(params![
                    c.id,
                    c.display_name,
                    c.company,
                    c.department,
                    c.job_title,
                    c.city(),
                    emails.join(" "),
                    phones.join(" "),
                ])?;
            }
        }
        tx.commit()?;
        db.execute_batch("INSERT INTO c(c) VALUES('optimize');")?;
        Ok(Fts5 { db, path })
    }

    fn match_expression(query: &Query) -> Option<String> {
        if query.class == Class::Extension {
            // The end of a token is beyond FTS5: it indexes prefixes only.
            return None;
        }
        if query.class.is_word_query() {
            let terms: Vec<String> = query
                .text
                .split_whitespace()
                .map(|t| t.replace('"', ""))
                .filter(|t| !t.is_empty())
                .map(|t| format!("\"{t}\"*"))
                .collect();
            (!terms.is_empty()).then(|| {
                format!(
                    "{{name company department title city email}} : ({})",
                    terms.join(" ")
                )
            })
        } else {
            // Numbers are stored as E.164 digits; all FTS5 can do is match the typed digits
            // as a prefix of them.
            let digits: String = query.text.chars().filter(char::is_ascii_digit).collect();
            let digits = digits
                .strip_prefix("00")
                .map(str::to_owned)
                .unwrap_or(digits);
            (!digits.is_empty()).then(|| format!("phones : \"{digits}\"*"))
        }
    }
}

impl Engine for Fts5 {
    fn search(&self, query: &Query) -> Option<(usize, Vec<Hit>)> {
        let expr = Fts5::match_expression(query)?;
        let mut top = self
            .db
            .prepare_cached(
                "SELECT id, display, company_full FROM c WHERE c MATCH ?1 ORDER BY rank LIMIT ?2",
            )
            .ok()?;
        let hits = top
            .query_map(params![expr, LIMIT as i64], |row| {
                Ok(Hit {
                    id: row.get(0)?,
                    display_name: row.get(1)?,
                })
            })
            .ok()?
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        // The API reports how many matched, so the count is part of the work.
        let total: i64 = self
            .db
            .prepare_cached("SELECT count(*) FROM c WHERE c MATCH ?1")
            .ok()?
            .query_row(params![expr], |row| row.get(0))
            .ok()?;
        Some((total as usize, hits))
    }

    /// No edit distance and no phonetics in FTS5, and no token suffixes.
    fn can_answer(&self, class: Class) -> bool {
        !matches!(class, Class::Typo | Class::Phonetic | Class::Extension)
    }

    fn notes(&self) -> String {
        let bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        format!("{:.0} MB database file", bytes as f64 / 1e6)
    }
}

impl Drop for Fts5 {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
