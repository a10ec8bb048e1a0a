//! SQL databases through ODBC (unixODBC and the driver the admin already has): CRM and ERP
//! tables on SQL Server, PostgreSQL, MariaDB/MySQL, SQLite, …
//!
//! Rows are fetched in blocks of `fetch_size` into buffers bound to the mapped columns only,
//! so a table of millions of rows never sits in memory and wide tables cost only what the
//! mapping reads. Values are fetched as text (the driver converts numbers and dates) and
//! must be UTF-8; anything else is read as Windows-1252 and reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kontakt_api::Phone;
use odbc_api::buffers::{ColumnarBuffer, TextColumn};
use odbc_api::{ConnectionOptions, Cursor, DataType, ResultSetMetadata};
use serde::Deserialize;

use super::mapping::{ColumnMapping, Fields, Names, Pick, Preset};
use super::{Emitter, Entry, Reader, Reading, SourceError, blocking, resolve_path};
use crate::check::{Problems, valid_env_name};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OdbcSource {
    /// A DSN (`crm`, from `odbc.ini`) or a connection string
    /// (`Driver=PostgreSQL Unicode;Server=db;Database=crm;Uid=kontakt`), without the password.
    pub connection: String,
    /// Name of the environment variable that holds the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// A file holding the password (systemd's `LoadCredential`).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// A `SELECT` returning one row per contact.
    #[serde(default)]
    pub query: Option<String>,
    /// Or a table or view: every row of it.
    #[serde(default)]
    pub table: Option<String>,
    /// The column, or columns joined, whose value identifies a row for good: contact ids
    /// and favourites stay stable through edits.
    pub key: Names,
    #[serde(default = "custom")]
    pub preset: Preset,
    #[serde(default)]
    pub columns: Option<ColumnMapping>,
    /// How long connecting and the query may take.
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Rows fetched per round trip.
    #[serde(default = "default_fetch_size")]
    pub fetch_size: usize,
}

fn custom() -> Preset {
    Preset::Custom
}

fn default_timeout() -> Duration {
    Duration::from_secs(60)
}

fn default_fetch_size() -> usize {
    1000
}

/// The longest value read from a column, in bytes; longer ones are cut and reported. No
/// contact field is longer, and the buffers stay small: `fetch_size` × columns × this.
pub const MAX_VALUE_BYTES: usize = 1024;

/// Key columns are joined with this into one id.
const KEY_SEPARATOR: &str = "/";

/// Connection string keys that carry a password (compared without case).
const PASSWORD_KEYS: &[&str] = &["pwd", "password"];

/// Result columns by position in the bound buffer.
type Columns = Fields<Pick<usize>>;

impl Reader for OdbcSource {
    fn name_fields(&self) -> &'static str {
        "the name and company columns"
    }

    fn check(&self, _production: bool, problems: &mut Problems) {
        if self.connection.trim().is_empty() {
            problems.error(
                "connection",
                "must name a DSN or be a connection string (Driver=…;Server=…;Database=…)",
            );
        }
        if connection_has_password(&self.connection) {
            problems.error(
                "connection",
                "contains a password: put it in the environment variable named by password_env or in password_file, never in the configuration",
            );
        }
        if self.password_env.is_some() && self.password_file.is_some() {
            problems.error(
                "password_file",
                "set password_env or password_file, not both",
            );
        }
        if let Some(var) = &self.password_env {
            if !valid_env_name(var) {
                problems.error(
                    "password_env",
                    "must be the NAME of an environment variable (letters, digits and _), not the password",
                );
            } else if std::env::var_os(var).is_none() {
                problems.warning(
                    "password_env",
                    format!(
                        "the environment variable {var} is not set here (it must be where the server runs)"
                    ),
                );
            }
        }
        if let Some(path) = &self.password_file
            && !path.exists()
        {
            problems.warning(
                "password_file",
                format!(
                    "{} does not exist here (it must exist where the server runs)",
                    path.display()
                ),
            );
        }
        match (&self.query, &self.table) {
            (Some(_), Some(_)) => problems.error("table", "set query or table, not both"),
            (None, None) => problems.error(
                "query",
                "missing: set query (a SELECT) or table (a table or view name)",
            ),
            (Some(q), None) if !is_select(q) => problems.error(
                "query",
                "must be a single SELECT (or WITH … SELECT) statement: the source only reads",
            ),
            (None, Some(t)) if !plain_table_name(t) => problems.error(
                "table",
                format!(
                    "{t:?} is not a plain table name (letters, digits, _ and schema dots): write a query instead"
                ),
            ),
            _ => {}
        }
        if key_names(&self.key).is_empty() {
            problems.error("key", "names no column");
        }
        if self.columns.as_ref().is_some_and(|c| c.id.is_some()) {
            problems.error("columns.id", "set the contact id with key, not columns.id");
        }
        if !(1..=100_000).contains(&self.fetch_size) {
            problems.error("fetch_size", "between 1 and 100000 rows");
        }
        if self.timeout < Duration::from_secs(1) {
            problems.error("timeout", "at least 1s");
        }
    }

    fn resolve_paths(&mut self, base: &Path) {
        if let Some(path) = &mut self.password_file {
            resolve_path(path, base);
        }
    }

    fn read<'a>(&'a self, out: &'a mut Emitter<'_>) -> Reading<'a> {
        Box::pin(async move { blocking(|| self.read_rows(out)) })
    }
}

fn odbc_error(context: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Odbc(format!("{context}: {e}"))
}

impl OdbcSource {
    /// The statement the source runs.
    pub fn statement(&self) -> String {
        match (&self.query, &self.table) {
            (Some(q), _) => q.trim().trim_end_matches(';').to_owned(),
            (None, Some(t)) => format!("SELECT * FROM {t}"),
            (None, None) => String::new(),
        }
    }

    /// The connection string with the password added; a bare DSN name becomes `DSN=name`.
    fn connection_string(&self) -> Result<String, SourceError> {
        let mut s = self.connection.trim().to_owned();
        if !s.contains('=') {
            s = format!("DSN={s}");
        }
        if let Some(password) = self.password()? {
            if !s.ends_with(';') {
                s.push(';');
            }
            s.push_str("PWD=");
            s.push_str(&escape_value(&password));
            s.push(';');
        }
        Ok(s)
    }

    fn password(&self) -> Result<Option<String>, SourceError> {
        if let Some(path) = &self.password_file {
            return std::fs::read_to_string(path)
                .map(|s| Some(s.trim_end_matches(['\r', '\n']).to_owned()))
                .map_err(|source| SourceError::Io {
                    path: path.clone(),
                    source,
                });
        }
        match &self.password_env {
            None => Ok(None),
            Some(var) => std::env::var(var).map(Some).map_err(|_| {
                SourceError::Config(String::from(
                    "the environment variable named by password_env is not set",
                ))
            }),
        }
    }

    fn read_rows(&self, out: &mut Emitter<'_>) -> Result<(), SourceError> {
        let environment =
            odbc_api::environment().map_err(|e| odbc_error("the ODBC driver manager", e))?;
        let seconds = self.timeout.as_secs().max(1);
        let connection = environment
            .connect_with_connection_string(
                &self.connection_string()?,
                ConnectionOptions {
                    login_timeout_sec: Some(u32::try_from(seconds).unwrap_or(u32::MAX)),
                    ..ConnectionOptions::default()
                },
            )
            .map_err(|e| odbc_error("cannot connect", e))?;
        let statement = self.statement();
        let mut cursor = connection
            .execute(
                &statement,
                (),
                Some(usize::try_from(seconds).unwrap_or(usize::MAX)),
            )
            .map_err(|e| odbc_error("the query failed", e))?
            .ok_or_else(|| odbc_error("the query failed", "it returned no rows at all"))?;
        let result = ResultColumns::of(&mut cursor)?;
        let (bound, columns, key) = self.resolve(&result)?;
        let buffers = bound
            .iter()
            .map(|&n| {
                let size = result.sizes[usize::from(n) - 1];
                (n, TextColumn::new(self.fetch_size, size))
            })
            .collect();
        let mut block = cursor
            .bind_buffer(ColumnarBuffer::<TextColumn<u8>>::new(buffers))
            .map_err(|e| odbc_error("binding the columns failed", e))?;
        let names: Vec<&str> = bound
            .iter()
            .map(|&n| result.names[usize::from(n) - 1].as_str())
            .collect();
        let mut row_number = 0usize;
        while let Some(rows) = block
            .fetch()
            .map_err(|e| odbc_error("reading rows failed", e))?
        {
            for r in 0..rows.num_rows() {
                row_number += 1;
                let row = Row::fetched(rows, r, &names);
                self.emit(out, row_number, &row, &columns, &key)?;
            }
        }
        Ok(())
    }

    /// Maps rows as a query would return them — `names` the result's columns, each row a
    /// value per column (`None`: NULL), all text — through the same steps as a database's
    /// rows: the fuzz target's and the tests' entry, without a driver.
    pub fn map_rows(
        &self,
        names: &[String],
        rows: impl IntoIterator<Item = Vec<Option<Vec<u8>>>>,
        out: &mut Emitter<'_>,
    ) -> Result<(), SourceError> {
        let result = ResultColumns::text(names);
        let (bound, columns, key) = self.resolve(&result)?;
        let bound_names: Vec<&str> = bound
            .iter()
            .map(|&n| result.names[usize::from(n) - 1].as_str())
            .collect();
        for (number, values) in rows.into_iter().enumerate() {
            let mut row = Row::new(&bound_names);
            for &n in &bound {
                let value = values.get(usize::from(n) - 1).and_then(Option::as_deref);
                // What a driver does with a longer value: cut it at the buffer's size.
                let cut = value.is_some_and(|v| v.len() > MAX_VALUE_BYTES);
                row.push(value.map(|v| &v[..v.len().min(MAX_VALUE_BYTES)]), cut);
            }
            self.emit(out, number + 1, &row, &columns, &key)?;
        }
        Ok(())
    }

    /// The bound result columns (1-based numbers), the mapping and the key over positions in
    /// that list.
    fn resolve(
        &self,
        result: &ResultColumns,
    ) -> Result<(Vec<u16>, Columns, Vec<usize>), SourceError> {
        let fields = self.preset.fields().with(self.columns.as_ref());
        let has = |n: &str| result.number(n).is_some();
        if let Some(problem) = self
            .columns
            .as_ref()
            .and_then(|c| c.missing(has, &result.names))
        {
            return Err(SourceError::Config(problem));
        }
        let key_columns = key_names(&self.key);
        if let Some(missing) = key_columns.iter().find(|n| !has(n)) {
            return Err(SourceError::Config(format!(
                "key names {missing:?} but the query has no such column (it has: {})",
                result.names.join(", ")
            )));
        }
        let numbered = fields.map(|pick| pick.resolve(|n| result.number(n)));
        // Only what the key and the mapping read is bound, each column once.
        let mut bound: Vec<u16> = Vec::new();
        let key_numbers = key_columns.iter().filter_map(|n| result.number(n));
        for number in key_numbers.chain(numbered.slots().flat_map(|p| p.names.iter().copied())) {
            if !bound.contains(&number) {
                bound.push(number);
            }
        }
        let position = |n: &u16| bound.iter().position(|b| b == n);
        let key: Vec<usize> = key_columns
            .iter()
            .filter_map(|n| result.number(n))
            .filter_map(|n| position(&n))
            .collect();
        let columns = numbered.map(|pick| pick.resolve(position));
        if !columns.maps_a_name(|p| !p.is_empty()) {
            return Err(SourceError::Config(format!(
                "no name column: map display_name, given_name, surname or company in columns (the query has: {})",
                result.names.join(", ")
            )));
        }
        // Bytes would arrive as hex digits: fine for a key, nonsense for a name.
        for &n in &bound {
            let i = usize::from(n) - 1;
            if result.binary[i] && !key.iter().any(|&k| bound[k] == n) {
                return Err(SourceError::Config(format!(
                    "the column {:?} holds bytes, not text ({}): map a text column or convert it in the query",
                    result.names[i], result.types[i]
                )));
            }
        }
        Ok((bound, columns, key))
    }

    fn emit(
        &self,
        out: &mut Emitter<'_>,
        number: usize,
        row: &Row,
        columns: &Columns,
        key: &[usize],
    ) -> Result<(), SourceError> {
        for problem in &row.problems {
            out.report_value(format!("row {number}"), problem);
        }
        let parts: Vec<&str> = key
            .iter()
            .map(|&i| row.values[i].as_deref().unwrap_or("").trim())
            .collect();
        if let Some(empty) = key.iter().zip(&parts).find(|(_, p)| p.is_empty()) {
            out.skip(
                format!("row {number}"),
                format!(
                    "no key: the column {:?} is empty (NULL)",
                    row.names[*empty.0]
                ),
            );
            return Ok(());
        }
        let id = parts.join(KEY_SEPARATOR);
        let value = |p: &Pick<usize>| p.value(|&i| row.values[i].as_deref());
        let mut entry: Entry = columns.entry(value);
        entry.id = Some(id.clone());
        entry.emails = columns.emails.iter().filter_map(value).collect();
        entry.phones = columns
            .phones
            .iter()
            .filter_map(|(p, kind)| value(p).map(|raw| Phone::new(*kind, raw)))
            .collect();
        // The location names the key, never a name: keys are ids.
        out.emit(format!("row {number} (key {id})"), entry)
    }
}

/// What the query returns: names, types and the buffer size for each column.
struct ResultColumns {
    names: Vec<String>,
    types: Vec<String>,
    binary: Vec<bool>,
    sizes: Vec<usize>,
    by_name: HashMap<String, u16>,
}

impl ResultColumns {
    fn of(cursor: &mut impl ResultSetMetadata) -> Result<Self, SourceError> {
        let count = cursor
            .num_result_cols()
            .map_err(|e| odbc_error("reading the result's columns failed", e))?;
        let mut result = ResultColumns::text(&[]);
        for n in 1..=u16::try_from(count).unwrap_or(0) {
            let fail = |e| odbc_error("reading the result's columns failed", e);
            let name = cursor.col_name(n).map_err(fail)?;
            let data_type = cursor.col_data_type(n).map_err(fail)?;
            let binary = matches!(
                data_type,
                DataType::Binary { .. }
                    | DataType::Varbinary { .. }
                    | DataType::LongVarbinary { .. }
            );
            // A character is up to 4 bytes of UTF-8; unknown and huge sizes get the cap.
            let size = data_type
                .utf8_len()
                .or_else(|| data_type.display_size())
                .map_or(MAX_VALUE_BYTES, |s| s.get())
                .clamp(1, MAX_VALUE_BYTES);
            let size = if binary { 2 * size } else { size };
            result.add(
                usize::from(n),
                name,
                &format!("{data_type:?}"),
                binary,
                size,
            );
        }
        Ok(result)
    }

    /// Columns of text with these names.
    fn text(names: &[String]) -> Self {
        let mut result = ResultColumns {
            names: Vec::new(),
            types: Vec::new(),
            binary: Vec::new(),
            sizes: Vec::new(),
            by_name: HashMap::new(),
        };
        for (i, name) in names.iter().enumerate().take(usize::from(u16::MAX - 1)) {
            result.add(i + 1, name.clone(), "Varchar", false, MAX_VALUE_BYTES);
        }
        result
    }

    fn add(&mut self, number: usize, name: String, data_type: &str, binary: bool, size: usize) {
        let number = u16::try_from(number).expect("at most u16::MAX columns");
        self.by_name.entry(name.to_lowercase()).or_insert(number);
        self.names.push(name);
        self.types.push(data_type.to_owned());
        self.binary.push(binary);
        self.sizes.push(size);
    }

    /// A column's 1-based number by name, without case.
    fn number(&self, name: &str) -> Option<u16> {
        self.by_name.get(&name.to_lowercase()).copied()
    }
}

/// One fetched row: a value per bound column, and what was wrong with any of them.
struct Row<'n> {
    names: &'n [&'n str],
    values: Vec<Option<String>>,
    problems: Vec<String>,
}

impl<'n> Row<'n> {
    fn new(names: &'n [&'n str]) -> Self {
        Row {
            names,
            values: Vec::with_capacity(names.len()),
            problems: Vec::new(),
        }
    }

    /// The next column's value as fetched (`None`: NULL); `cut` when it filled the buffer.
    fn push(&mut self, bytes: Option<&[u8]>, cut: bool) {
        let value = bytes.map(|bytes| {
            let (text, problem) = decode(bytes, cut);
            if let Some(problem) = problem {
                let name = self.names[self.values.len()];
                self.problems.push(format!("column {name:?}: {problem}"));
            }
            text
        });
        self.values.push(value);
    }

    fn fetched(rows: &ColumnarBuffer<TextColumn<u8>>, r: usize, names: &'n [&'n str]) -> Self {
        let mut row = Row::new(names);
        for i in 0..names.len() {
            let column = rows.column(i);
            let bytes = column.get(r);
            // A full buffer is taken as cut: the view keeps no per-row length.
            row.push(bytes, bytes.is_some_and(|b| b.len() >= column.max_len()));
        }
        row
    }
}

/// A value's text, and what had to be done to get it. A value cut at the buffer's end may
/// end inside a character: that character is dropped, not reported as bad encoding.
pub fn decode(bytes: &[u8], cut: bool) -> (String, Option<String>) {
    let problem_cut = format!("longer than {MAX_VALUE_BYTES} bytes; cut there");
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), cut.then_some(problem_cut)),
        Err(e) if cut && e.error_len().is_none() => (
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
            Some(problem_cut),
        ),
        Err(_) => (
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
            Some(String::from(
                "not UTF-8 text; read as Windows-1252 (use the driver's Unicode variant or set its character set to UTF-8)",
            )),
        ),
    }
}

fn key_names(key: &Names) -> Vec<String> {
    match key {
        Names::One(k) => vec![k.clone()],
        Names::Many(ks) => ks.clone(),
        Names::Joined(j) => j.join.clone(),
    }
    .into_iter()
    .filter(|k| !k.trim().is_empty())
    .collect()
}

/// `PWD=…` or `Password=…` anywhere in a connection string.
fn connection_has_password(connection: &str) -> bool {
    connection.split(';').any(|pair| {
        pair.split_once('=').is_some_and(|(k, _)| {
            PASSWORD_KEYS
                .iter()
                .any(|p| k.trim().eq_ignore_ascii_case(p))
        })
    })
}

/// A connection string value, braced when it holds a separator or a brace.
fn escape_value(value: &str) -> String {
    if value.contains([';', '{', '}', '+', '=']) || value.trim() != value {
        format!("{{{}}}", value.replace('}', "}}"))
    } else {
        value.to_owned()
    }
}

/// `SELECT …` or `WITH … SELECT …`, one statement.
fn is_select(query: &str) -> bool {
    let q = query.trim().trim_end_matches(';');
    let first = q
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    (first.eq_ignore_ascii_case("select") || first.eq_ignore_ascii_case("with")) && !q.contains(';')
}

/// `Kontakte`, `dbo.Kontakte`, `crm.public.kontakte`: names that need no quoting anywhere.
fn plain_table_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && !part.starts_with(|c: char| c.is_ascii_digit())
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::LoadReport;
    use kontakt_api::{Contact, PhoneKind, SourceRef};

    fn source(extra: &str) -> OdbcSource {
        toml::from_str(&format!(
            "connection = \"Driver=SQLite3;Database=/srv/crm.db\"\nkey = \"id\"\n{extra}"
        ))
        .unwrap()
    }

    fn problems(s: &OdbcSource) -> Vec<String> {
        let mut p = Problems::default();
        s.check(true, &mut p);
        p.into_vec().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_password_is_never_in_the_configuration() {
        let s = source("table = \"kontakte\"");
        assert!(problems(&s).is_empty(), "{:?}", problems(&s));
        for written in [
            "Driver=X;Server=db;PWD=geheim",
            "Driver=X; Password = geheim ;",
        ] {
            let s = OdbcSource {
                connection: written.into(),
                ..source("table = \"kontakte\"")
            };
            let found = problems(&s);
            assert!(
                found[0].contains("contains a password") && !found[0].contains("geheim"),
                "{found:?}"
            );
        }
        let s = source("table = \"kontakte\"\npassword_env = \"Svc-Pass-123\"");
        let found = problems(&s);
        assert!(
            found[0].contains("NAME of an environment variable") && !found[0].contains("Svc"),
            "{found:?}"
        );
    }

    #[test]
    fn the_password_is_added_escaped_and_a_dsn_name_becomes_a_dsn() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "a;b}c\n").unwrap();
        let mut s = source("table = \"t\"");
        s.connection = "crm".into();
        s.password_file = Some(file);
        assert_eq!(s.connection_string().unwrap(), "DSN=crm;PWD={a;b}}c};");
        s.password_file = None;
        assert_eq!(s.connection_string().unwrap(), "DSN=crm");
        s.password_env = Some("KONTAKT_TEST_SURELY_UNSET_PASSWORD".into());
        let err = s.connection_string().unwrap_err().to_string();
        assert!(err.contains("password_env is not set"), "{err}");
    }

    #[test]
    fn query_or_table_and_what_each_must_be() {
        let both = source("table = \"t\"\nquery = \"SELECT 1\"");
        assert!(problems(&both)[0].contains("query or table, not both"));
        let neither = source("");
        assert!(problems(&neither)[0].contains("query: missing"));
        let write = source("query = \"DELETE FROM kontakte\"");
        assert!(problems(&write)[0].contains("single SELECT"));
        let two = source("query = \"SELECT 1; DROP TABLE x\"");
        assert!(problems(&two)[0].contains("single SELECT"));
        let with = source("query = \"WITH a AS (SELECT 1) SELECT * FROM a;\"");
        assert!(problems(&with).is_empty());
        assert_eq!(with.statement(), "WITH a AS (SELECT 1) SELECT * FROM a");
        let odd = source("table = \"Kontakte; DROP\"");
        assert!(problems(&odd)[0].contains("not a plain table name"));
        let schema = source("table = \"dbo.Kontakte_2024\"");
        assert!(problems(&schema).is_empty());
        assert_eq!(schema.statement(), "SELECT * FROM dbo.Kontakte_2024");
        let id = source("table = \"t\"\n[columns]\nid = \"x\"");
        assert!(problems(&id)[0].contains("with key"));
    }

    #[test]
    fn values_are_utf8_or_read_as_windows_1252_and_said_so() {
        assert_eq!(decode("Müller".as_bytes(), false), ("Müller".into(), None));
        let (text, problem) = decode(b"M\xfcller", false);
        assert_eq!(text, "Müller");
        assert!(problem.unwrap().contains("not UTF-8"));
        // Cut inside the two bytes of ü: the half character goes, no encoding complaint.
        let (text, problem) = decode(&"Mü".as_bytes()[..2], true);
        assert_eq!(text, "M");
        assert!(problem.unwrap().contains("cut"));
    }

    /// Rows through the whole mapping, as a query would return them.
    fn map(config: &str, names: &[&str], rows: &[&[Option<&[u8]>]]) -> (Vec<Contact>, LoadReport) {
        let source: OdbcSource = toml::from_str(config).unwrap();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let rows = rows
            .iter()
            .map(|r| r.iter().map(|v| v.map(<[u8]>::to_vec)).collect());
        let mut contacts = Vec::new();
        let mut sink = |c: Contact| {
            contacts.push(c);
            Ok(())
        };
        let reference = SourceRef {
            id: "crm".into(),
            name: "CRM".into(),
        };
        let mut out = Emitter::new(reference, "the name and company columns", false, &mut sink);
        source.map_rows(&names, rows, &mut out).unwrap();
        let report = out.finish();
        (contacts, report)
    }

    #[test]
    fn rows_become_contacts_with_joined_keys_nulls_and_problems_said() {
        let config = r#"connection = "crm"
            table = "kontakte"
            key = ["Mandant", "Nr"]
            [columns]
            display_name = { join = ["Vorname", "Name"] }
            company = "Firma"
            phones = [{ column = "Tel" }, { column = "Handy", kind = "mobile" }]"#;
        let long = "x".repeat(MAX_VALUE_BYTES + 10);
        let (contacts, report) = map(
            config,
            &["MANDANT", "nr", "vorname", "name", "firma", "tel", "handy"],
            &[
                &[
                    Some(b"1"),
                    Some(b"K-1"),
                    Some("Jürgen".as_bytes()),
                    Some(b"Weiss"),
                    None,
                    Some(b"089 1"),
                    None,
                ],
                &[Some(b"1"), None, Some(b"Anna"), None, None, None, None],
                &[
                    Some(b"1"),
                    Some(b"K-1"),
                    Some(b"Doppelt"),
                    None,
                    None,
                    None,
                    None,
                ],
                &[
                    Some(b"2"),
                    Some(b"K-1"),
                    None,
                    Some(b"M\xfcller"),
                    Some(long.as_bytes()),
                    None,
                    Some(b"0171 2"),
                ],
                &[Some(b"2"), Some(b"K-2"), None, None, None, None, None],
            ],
        );
        let ids: Vec<&str> = contacts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["crm:1/K-1", "crm:2/K-1"]);
        assert_eq!(contacts[0].display_name, "Jürgen Weiss");
        assert_eq!(contacts[0].company, None);
        assert_eq!(contacts[1].display_name, "Müller");
        assert_eq!(
            contacts[1].company.as_deref().map(str::len),
            Some(MAX_VALUE_BYTES)
        );
        assert_eq!(contacts[1].phones[0].kind, PhoneKind::Mobile);
        let skipped: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            skipped,
            [
                "row 2: no key: the column \"nr\" is empty (NULL)",
                "row 3 (key 1/K-1): same id as row 1 (key 1/K-1)",
                "row 5 (key 2/K-2): no name: the name and company columns are empty",
            ]
        );
        let changed: Vec<String> = report.drops.iter().map(ToString::to_string).collect();
        assert_eq!(changed.len(), 2, "{changed:?}");
        assert!(changed[0].starts_with("row 4: column \"name\": not UTF-8 text"));
        assert!(changed[1].starts_with("row 4: column \"firma\": longer than 1024 bytes"));
        assert!(report.is_balanced());
    }

    #[test]
    fn the_documented_example_is_a_valid_source() {
        #[derive(Deserialize)]
        struct Doc {
            tenants: Tenants,
        }
        #[derive(Deserialize)]
        struct Tenants {
            sources: Vec<crate::sources::Source>,
        }
        let doc = include_str!("../../../../docs/sources.md");
        let block = doc
            .split("```toml")
            .map(|b| b.split("```").next().unwrap())
            .find(|b| b.contains("type = \"odbc\""))
            .expect("docs/sources.md shows an ODBC source");
        let parsed: Doc = toml::from_str(block).unwrap();
        let source = &parsed.tenants.sources[0];
        let mut problems = Problems::default();
        source.check(true, &mut problems);
        assert!(!problems.has_errors(), "{:?}", problems.into_vec());
        let crate::sources::SourceKind::Odbc(odbc) = &source.kind else {
            panic!("not an ODBC source");
        };
        assert_eq!(odbc.statement(), "SELECT * FROM kontakte");
    }

    #[test]
    fn keys_and_unknown_settings() {
        let s: OdbcSource =
            toml::from_str("connection = \"x\"\ntable = \"t\"\nkey = [\"mandant\", \"nr\"]")
                .unwrap();
        assert!(s.key == Names::Many(vec!["mandant".into(), "nr".into()]));
        let err = toml::from_str::<OdbcSource>(
            "connection = \"x\"\nkey = \"id\"\ntable = \"t\"\nfetchsize = 10",
        )
        .unwrap_err();
        assert!(err.to_string().contains("fetchsize"), "{err}");
        let err = toml::from_str::<OdbcSource>("connection = \"x\"\ntable = \"t\"").unwrap_err();
        assert!(err.to_string().contains("key"), "{err}");
    }
}
