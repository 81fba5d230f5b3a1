//! D1 migrations as wrangler 4.164 lays them out and records them, so a
//! database migrated by boardingpass and by `wrangler d1 migrations apply
//! --remote` agree on what is applied: the files are `<dir>/*.sql` (no
//! dotfiles, no subdirectories, no symlinks), ordered by the number before
//! their first `_` and then by name; the table is `d1_migrations`
//! (`id`, `name` unique, `applied_at`); each file runs in one call together
//! with the `INSERT` of its file name, so a failing file records nothing.

use std::cmp::Ordering;
use std::path::Path;

use crate::d1::{D1Result, D1Value, MAX_D1_SQL_BYTES};
use crate::error::Error;

/// The table wrangler records applied migrations in (its default `migrations_table`).
pub const MIGRATIONS_TABLE: &str = "d1_migrations";

/// One migration file: its name as recorded (`0001_create.sql`) and its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Migration {
    pub name: String,
    pub sql: String,
}

/// `"d1_migrations"`, quoted as wrangler quotes it.
fn quoted_table() -> String {
    format!("\"{}\"", MIGRATIONS_TABLE.replace('"', "\"\""))
}

/// wrangler's `CREATE TABLE IF NOT EXISTS` for the migrations table, byte for byte.
pub(crate) fn create_table_sql() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {}(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n);",
        quoted_table()
    )
}

/// wrangler's listing of applied migrations.
pub(crate) fn list_applied_sql() -> String {
    format!("SELECT *\n\t\tFROM {}\n\t\tORDER BY id", quoted_table())
}

/// The `name` column of the listing.
pub(crate) fn applied_names(listing: Option<&D1Result>) -> Vec<String> {
    let Some(r) = listing else { return Vec::new() };
    let Some(col) = r.columns.iter().position(|c| c == "name") else { return Vec::new() };
    r.rows
        .iter()
        .filter_map(|row| match row.get(col) {
            Some(D1Value::Text(name)) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

impl Migration {
    /// The file's SQL followed by the record of its name, as wrangler sends it.
    pub(crate) fn recorded_sql(&self) -> String {
        format!("{}\nINSERT INTO {} (name)\nvalues ('{}');", self.sql, quoted_table(), self.name.replace('\'', "''"))
    }
}

/// JavaScript's `parseInt` of the text before the first `_`: an optional
/// sign and the leading digits, `None` (NaN) when there are none.
fn leading_number(name: &str) -> Option<f64> {
    let head = name.split('_').next().unwrap_or_default().trim_start();
    let (sign, rest) = match head.as_bytes().first() {
        Some(b'-') => (-1.0, &head[1..]),
        Some(b'+') => (1.0, &head[1..]),
        _ => (1.0, head),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<f64>().ok().map(|n| sign * n)
}

/// wrangler's order: numbered files by number, before unnumbered ones; then by name.
fn compare(a: &str, b: &str) -> Ordering {
    match (leading_number(a), leading_number(b)) {
        (Some(x), Some(y)) if x != y => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        _ => a.cmp(b),
    }
}

/// `names` in wrangler's order (for the fuzz target; [`read_migrations`] sorts the same way).
#[cfg(feature = "fuzzing")]
pub(crate) fn order(names: &[String]) -> Vec<String> {
    let mut sorted = names.to_vec();
    sorted.sort_by(|a, b| compare(a, b));
    sorted
}

/// The migrations in `dir`, in the order they apply. Read entirely before
/// any of them is sent, so an unreadable file fails before anything changes.
pub fn read_migrations(dir: &Path) -> Result<Vec<Migration>, Error> {
    let io = |e: std::io::Error| Error::Io { path: dir.display().to_string(), source: e };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        // Like wrangler's walk: regular files only (a symlink is neither a file nor followed).
        if !entry.file_type().map_err(io)?.is_file() {
            continue;
        }
        let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
        if name.starts_with('.') || !name.ends_with(".sql") {
            continue;
        }
        found.push((name, entry.path()));
    }
    found.sort_by(|a, b| compare(&a.0, &b.0));
    let mut out = Vec::with_capacity(found.len());
    for (name, path) in found {
        let file_io = |e: std::io::Error| Error::Io { path: path.display().to_string(), source: e };
        let size = std::fs::metadata(&path).map_err(file_io)?.len();
        if size > MAX_D1_SQL_BYTES as u64 {
            return Err(Error::invalid("migrations", format!("{name} has {size} bytes, the limit is {MAX_D1_SQL_BYTES}")));
        }
        let sql = String::from_utf8(std::fs::read(&path).map_err(file_io)?).map_err(|_| Error::invalid("migrations", format!("{name} is not UTF-8 text")))?;
        if sql.trim().is_empty() {
            return Err(Error::invalid("migrations", format!("{name} is empty")));
        }
        out.push(Migration { name, sql });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_ordered_and_filtered_as_wrangler_does() {
        let dir = tempfile::tempdir().unwrap();
        for (name, sql) in [("0010_ten.sql", "SELECT 10;"), ("0002_two.sql", "SELECT 2;"), ("readme.sql", "SELECT 0;"), ("0002_a.sql", "SELECT 1;"), (".0001_hidden.sql", "x"), ("0003_notes.txt", "x")] {
            std::fs::write(dir.path().join(name), sql).unwrap();
        }
        std::fs::create_dir(dir.path().join("0001_dir.sql")).unwrap();
        let names: Vec<String> = read_migrations(dir.path()).unwrap().into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["0002_a.sql", "0002_two.sql", "0010_ten.sql", "readme.sql"]);
    }

    #[test]
    fn the_record_is_wranglers() {
        assert_eq!(
            create_table_sql(),
            "CREATE TABLE IF NOT EXISTS \"d1_migrations\"(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n);"
        );
        let m = Migration { name: "0001_it's.sql".into(), sql: "CREATE TABLE t (x);".into() };
        assert_eq!(m.recorded_sql(), "CREATE TABLE t (x);\nINSERT INTO \"d1_migrations\" (name)\nvalues ('0001_it''s.sql');");
        let listing = D1Result { columns: vec!["id".into(), "name".into(), "applied_at".into()], rows: vec![vec![D1Value::Integer(1), D1Value::Text("0001_a.sql".into()), D1Value::Text("2026-01-01 00:00:00".into())]], ..Default::default() };
        assert_eq!(applied_names(Some(&listing)), ["0001_a.sql"]);
    }

    #[test]
    fn unreadable_or_empty_files_fail_before_anything_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("0001_bin.sql"), [0xff, 0xfe]).unwrap();
        assert_eq!(read_migrations(dir.path()).unwrap_err().code(), "invalid_input");
        assert_eq!(read_migrations(&dir.path().join("missing")).unwrap_err().code(), "io");
    }
}
