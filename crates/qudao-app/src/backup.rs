//! `qudao backup` and `qudao restore`: a consistent online backup in one file, and a restore that
//! checks the whole file before it writes anything.
//!
//! The file is gzip-compressed JSON lines:
//!
//! ```text
//! {"qudao_backup":1,"schema":6,"dialect":"sqlite","created_ms":…}   the manifest
//! {"table":"regions","columns":["id",…],"rows":212}                 each table: its head,
//! ["…",…]                                                            its rows,
//! {"end_table":"regions","rows":212,"sha256":"…"}                    and its checksum
//! …
//! {"end":true,"tables":57,"rows":123456,"sha256":"…"}               everything before, hashed
//! ```
//!
//! A backup reads every table from one snapshot (PostgreSQL's repeatable read, a SQLite read
//! transaction in WAL mode) while orders keep flowing. A restore reads the file twice: first it
//! verifies it whole — the gzip stream ends properly, every line parses, every table's rows hash
//! to their checksum, the last line hashes everything before it — and refuses a truncated or
//! corrupted file, or one of a newer schema than this binary knows; then it migrates the empty
//! target to the backup's schema, loads every row in one transaction, and migrates the rest of the
//! way. Rows are JSON values, so a SQLite backup restores into PostgreSQL and back.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use qudao_store::backup::{self as store, Dumped, Loader, SELF_REFERENCES, Snapshot};
use qudao_store::{Db, Dialect};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::demo::Progress;
use crate::tokens::hex;
use crate::{AppError, AppResult};

/// The version of the file format this binary writes and reads.
pub const FORMAT: i64 = 1;

/// The first line of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The file format (always [`FORMAT`] for now).
    pub qudao_backup: i64,
    /// The schema version the rows belong to (the newest migration applied).
    pub schema: i64,
    /// The database it was taken from (`sqlite` or `postgres`).
    pub dialect: String,
    /// When the snapshot was taken.
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TableHead {
    table: String,
    columns: Vec<String>,
    rows: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TableEnd {
    end_table: String,
    rows: u64,
    sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct End {
    end: bool,
    tables: u64,
    rows: u64,
    sha256: String,
}

/// What a backup or restore covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The manifest.
    pub manifest: Manifest,
    /// Tables.
    pub tables: u64,
    /// Rows over all tables.
    pub rows: u64,
}

fn refused(reason: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("backup refused: {reason}"))
}

fn io(error: std::io::Error) -> AppError {
    AppError::Internal(format!("backup file: {error}"))
}

/// Writes a consistent backup of `db` to `out` (a new file; an existing one is not overwritten).
/// A backup that fails midway leaves no file behind.
pub async fn backup(db: &Db, out: &Path, now_ms: i64, progress: &dyn Progress) -> AppResult<Summary> {
    if out.exists() {
        return Err(refused(format!("{} exists already; choose a new file", out.display())));
    }
    let result = write_backup(db, out, now_ms, progress).await;
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    result
}

async fn write_backup(db: &Db, out: &Path, now_ms: i64, progress: &dyn Progress) -> AppResult<Summary> {
    let schema = store::schema_version(db).await?;
    let dialect = if db.dialect() == Dialect::Sqlite { "sqlite" } else { "postgres" };
    let manifest = Manifest { qudao_backup: FORMAT, schema, dialect: dialect.into(), created_ms: now_ms };
    let file = File::options().write(true).create_new(true).open(out).map_err(io)?;
    let mut writer = HashingWriter::new(GzEncoder::new(BufWriter::new(file), Compression::fast()));
    writer.line(&serde_json::to_vec(&manifest).map_err(refused)?).map_err(io)?;
    let mut snapshot = Snapshot::open(db).await?;
    let tables = snapshot.tables().await?;
    let counts = snapshot_counts(&mut snapshot, &tables).await?;
    progress.stage("backup", counts.iter().sum());
    let mut total = 0u64;
    for (table, expected) in tables.iter().zip(&counts) {
        let mut table_hash = Sha256::new();
        let mut rows = 0u64;
        let mut failed: Option<std::io::Error> = None;
        let mut head_written = false;
        snapshot
            .rows(table, |dumped| {
                let corrupt = |e: String| qudao_store::StoreError::Corrupt(e);
                match dumped {
                    Dumped::Columns(columns) => {
                        let head = TableHead { table: table.clone(), columns: columns.to_vec(), rows: *expected };
                        let bytes = serde_json::to_vec(&head).map_err(|e| corrupt(e.to_string()))?;
                        writer.line(&bytes).map_err(|e| corrupt(e.to_string()))?;
                        head_written = true;
                    }
                    Dumped::Row(values) => {
                        let bytes = serde_json::to_vec(&values).map_err(|e| corrupt(e.to_string()))?;
                        table_hash.update(&bytes);
                        table_hash.update(b"\n");
                        if let Err(error) = writer.line(&bytes) {
                            failed.get_or_insert(error);
                        }
                        rows += 1;
                        if rows.is_multiple_of(1_000) {
                            progress.advance(1_000);
                        }
                    }
                }
                Ok(())
            })
            .await?;
        if !head_written {
            return Err(refused(format!("table {table} gave no columns")));
        }
        if let Some(error) = failed {
            return Err(io(error));
        }
        progress.advance(rows % 1_000);
        let end = TableEnd { end_table: table.clone(), rows, sha256: hex(&table_hash.finalize()) };
        writer.line(&serde_json::to_vec(&end).map_err(refused)?).map_err(io)?;
        total += rows;
    }
    drop(snapshot);
    let end = End { end: true, tables: tables.len() as u64, rows: total, sha256: hex(&writer.hash.clone().finalize()) };
    writer.line(&serde_json::to_vec(&end).map_err(refused)?).map_err(io)?;
    let mut inner = writer.inner.finish().map_err(io)?;
    inner.flush().map_err(io)?;
    inner.get_ref().sync_all().map_err(io)?;
    progress.finish();
    Ok(Summary { manifest, tables: tables.len() as u64, rows: total })
}

async fn snapshot_counts(snapshot: &mut Snapshot, tables: &[String]) -> AppResult<Vec<u64>> {
    let mut counts = Vec::with_capacity(tables.len());
    for table in tables {
        counts.push(snapshot.count(table).await?);
    }
    Ok(counts)
}

/// A writer of lines that hashes everything it writes (for the last line's checksum).
struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter { inner, hash: Sha256::new() }
    }

    fn line(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hash.update(bytes);
        self.hash.update(b"\n");
        self.inner.write_all(bytes)?;
        self.inner.write_all(b"\n")
    }
}

/// One thing read from a backup, in order.
enum Item {
    Head(TableHead),
    Row(Vec<serde_json::Value>),
    TableDone,
}

/// Reads a backup item by item, checking as it goes: a gzip stream cut short, a line that does
/// not parse, a table whose rows do not hash to its checksum, a missing or wrong last line are
/// errors naming the flaw. The caller sees an item only after the lines before it were checked,
/// but a flaw further on is found only when reached: verify a file whole before acting on it.
struct Reader {
    lines: std::io::Split<BufReader<GzDecoder<BufReader<File>>>>,
    all: Sha256,
    manifest: Manifest,
    table: Option<(String, Sha256, u64, usize)>,
    tables: u64,
    rows: u64,
    ended: bool,
}

impl Reader {
    fn open(path: &Path) -> AppResult<Reader> {
        let file = File::open(path).map_err(io)?;
        let lines = BufReader::new(GzDecoder::new(BufReader::new(file))).split(b'\n');
        let mut reader = Reader {
            lines,
            all: Sha256::new(),
            manifest: Manifest { qudao_backup: 0, schema: 0, dialect: String::new(), created_ms: 0 },
            table: None,
            tables: 0,
            rows: 0,
            ended: false,
        };
        let first = reader.line("its manifest")?;
        reader.hash(&first);
        reader.manifest =
            serde_json::from_slice(&first).map_err(|_| refused("this is not a Qudao backup (no manifest)"))?;
        if reader.manifest.qudao_backup != FORMAT {
            return Err(refused(format!("backup format {} is not format {FORMAT}", reader.manifest.qudao_backup)));
        }
        Ok(reader)
    }

    fn line(&mut self, what: &str) -> AppResult<Vec<u8>> {
        match self.lines.next() {
            Some(Ok(line)) => Ok(line),
            Some(Err(error)) => Err(refused(format!("the file is damaged or cut short ({error})"))),
            None => Err(refused(format!("the file ends before {what}: it was cut short"))),
        }
    }

    fn hash(&mut self, line: &[u8]) {
        self.all.update(line);
        self.all.update(b"\n");
    }

    /// The next item, or `None` after the last line was checked.
    fn next_item(&mut self) -> AppResult<Option<Item>> {
        if self.ended {
            return Ok(None);
        }
        if let Some((name, mut hash, count, width)) = self.table.take() {
            let line = self.line(&format!("the end of table {name}"))?;
            self.hash(&line);
            if line.first() == Some(&b'[') {
                hash.update(&line);
                hash.update(b"\n");
                let values: Vec<serde_json::Value> =
                    serde_json::from_slice(&line).map_err(|_| refused(format!("a row of {name} is damaged")))?;
                if values.len() != width {
                    return Err(refused(format!("a row of {name} does not have its {width} columns")));
                }
                self.table = Some((name, hash, count + 1, width));
                return Ok(Some(Item::Row(values)));
            }
            let end: TableEnd =
                serde_json::from_slice(&line).map_err(|_| refused(format!("table {name} has a damaged line")))?;
            if end.end_table != name || end.rows != count || end.sha256 != hex(&hash.finalize()) {
                return Err(refused(format!("table {name} does not match its checksum: the file is corrupted")));
            }
            self.tables += 1;
            self.rows += count;
            return Ok(Some(Item::TableDone));
        }
        let line = self.line("its last line")?;
        if let Ok(end) = serde_json::from_slice::<End>(&line) {
            let expected = hex(&self.all.clone().finalize());
            if !end.end || end.sha256 != expected || end.tables != self.tables || end.rows != self.rows {
                return Err(refused("the file's checksum does not match its content: it is corrupted"));
            }
            if self.lines.next().is_some() {
                return Err(refused("there is data after the last line"));
            }
            self.ended = true;
            return Ok(None);
        }
        self.hash(&line);
        let head: TableHead = serde_json::from_slice(&line)
            .map_err(|_| refused(format!("the line after table {} is not a table head", self.tables)))?;
        self.table = Some((head.table.clone(), Sha256::new(), 0, head.columns.len()));
        Ok(Some(Item::Head(head)))
    }
}

/// Checks a backup file whole without writing anything.
pub fn verify(path: &Path) -> AppResult<Summary> {
    let mut reader = Reader::open(path)?;
    while reader.next_item()?.is_some() {}
    let (manifest, tables, rows) = (reader.manifest, reader.tables, reader.rows);
    if manifest.schema > qudao_store::latest_schema_version() {
        return Err(refused(format!(
            "the backup is of schema {} but this Qudao knows schema {} at most: restore it with a newer Qudao",
            manifest.schema,
            qudao_store::latest_schema_version()
        )));
    }
    Ok(Summary { manifest, tables, rows })
}

/// Restores a verified backup into `db`, which must hold no users or partners: migrated to the
/// backup's schema, every row loaded in one transaction, then migrated to this binary's schema.
pub async fn restore(db: &Db, path: &Path, progress: &dyn Progress) -> AppResult<Summary> {
    let summary = verify(path)?;
    let at = store::schema_version(db).await?;
    if at > summary.manifest.schema {
        return Err(refused(format!(
            "the database is at schema {at}, newer than the backup's {}: restore into an empty database",
            summary.manifest.schema
        )));
    }
    if at > 0 && store::holds_data(db).await? {
        return Err(AppError::Conflict("database_not_empty"));
    }
    store::migrate_to(db, summary.manifest.schema).await?;
    if store::holds_data(db).await? {
        return Err(AppError::Conflict("database_not_empty"));
    }
    let mut loader = Loader::begin(db).await?.ok_or(AppError::Conflict("database_not_empty"))?;
    // The file was verified above; it is read again and loaded table by table. The rows of one
    // table are held until the table ends (to order self-referencing rows parents first); should
    // the file change in between, the reader finds it and the transaction is dropped unapplied.
    let mut reader = Reader::open(path)?;
    progress.stage("restore", summary.rows);
    let known: std::collections::HashSet<String> = loader.tables().iter().cloned().collect();
    let mut current: Option<TableHead> = None;
    let mut rows: Vec<Vec<serde_json::Value>> = Vec::new();
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Head(head) => {
                if !known.contains(&head.table) {
                    return Err(refused(format!("table {} is not in schema {}", head.table, summary.manifest.schema)));
                }
                current = Some(head);
                rows.clear();
            }
            Item::Row(values) => rows.push(values),
            Item::TableDone => {
                let Some(head) = current.take() else { return Err(refused("a table ends before it began")) };
                let ordered = parents_first(&head, std::mem::take(&mut rows));
                for chunk in ordered.chunks(2_000) {
                    loader.insert(&head.table, &head.columns, chunk).await?;
                    progress.advance(chunk.len() as u64);
                }
            }
        }
    }
    loader.commit().await?;
    db.migrate().await?;
    progress.finish();
    Ok(summary)
}

/// Orders a self-referencing table's rows so every parent comes before its children (other tables
/// keep the backup's order).
fn parents_first(head: &TableHead, rows: Vec<Vec<serde_json::Value>>) -> Vec<Vec<serde_json::Value>> {
    let Some((_, column)) = SELF_REFERENCES.iter().find(|(table, _)| *table == head.table) else { return rows };
    let (Some(id_at), Some(parent_at)) =
        (head.columns.iter().position(|c| c == "id"), head.columns.iter().position(|c| c == column))
    else {
        return rows;
    };
    let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut left = rows;
    let mut ordered = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let before = left.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = left.into_iter().partition(|row| match row[parent_at].as_str() {
            Some(parent) => placed.contains(parent),
            None => true,
        });
        for row in ready {
            if let Some(id) = row[id_at].as_str() {
                placed.insert(id.to_string());
            }
            ordered.push(row);
        }
        left = waiting;
        if left.len() == before {
            // A parent missing from the table: the database's foreign key will say so.
            ordered.append(&mut left);
        }
    }
    ordered
}
