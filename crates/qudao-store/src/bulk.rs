//! Multi-row statements for the order desk's batches: many rows in few round trips.

use crate::sql::Value;
use crate::tx::GroupedInsert;
use crate::{Dialect, Sql, StoreResult, Tx};

/// Most values in one statement: well under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_VALUES: usize = 8_000;

/// Inserts `rows` (each with the same number of values) as `head (…), (…)` statements,
/// `tail` appended to each (`ON CONFLICT … DO NOTHING`); returns the rows inserted.
pub(crate) async fn insert_rows(tx: &mut Tx, head: &str, rows: &[Vec<Value>], tail: &str) -> StoreResult<u64> {
    let Some(width) = rows.first().map(Vec::len) else { return Ok(0) };
    if tx.dialect() == Dialect::Postgres
        && let Some((table, columns)) = split_head(head)
        && columns.split(',').count() == width
    {
        return insert_json_rows(tx, table, columns, rows, tail).await;
    }
    let per_statement = (MAX_VALUES / width.max(1)).max(1);
    let mut inserted = 0;
    for chunk in rows.chunks(per_statement) {
        let mut sql = Sql::new(head);
        for (index, row) in chunk.iter().enumerate() {
            sql.push(if index == 0 { " (" } else { ", (" });
            for (column, value) in row.iter().enumerate() {
                if column > 0 {
                    sql.push(", ");
                }
                sql.bind(value.clone());
            }
            sql.push(")");
        }
        sql.push(tail);
        inserted += sql.execute(tx.conn()).await?;
    }
    Ok(inserted)
}

/// The table and column list of an `INSERT INTO table (a, b) VALUES` head.
fn split_head(head: &str) -> Option<(&str, &str)> {
    let rest = head.trim().strip_prefix("INSERT INTO ")?.strip_suffix("VALUES")?.trim_end();
    let (table, columns) = rest.split_once('(')?;
    Some((table.trim(), columns.strip_suffix(')')?))
}

/// Rows in one JSON statement per chunk.
const JSON_ROWS: usize = 5_000;

/// PostgreSQL: the rows as one JSON parameter expanded by `json_populate_recordset`. The
/// statement's text is then the same whatever the number of rows, so it is prepared once per
/// connection; as `VALUES` lists each batch size was a new statement of up to thousands of
/// parameters, parsed and planned again (the desk's batches vary from one order to hundreds).
async fn insert_json_rows(
    tx: &mut Tx,
    table: &str,
    columns: &str,
    rows: &[Vec<Value>],
    tail: &str,
) -> StoreResult<u64> {
    let names: Vec<&str> = columns.split(',').map(str::trim).collect();
    let mut inserted = 0;
    for chunk in rows.chunks(JSON_ROWS) {
        let json = json_rows(&names, chunk);
        if tail.is_empty()
            && let Some(grouped) = tx.grouped()
        {
            grouped.push(GroupedInsert { table: table.to_string(), columns: columns.to_string(), json });
            inserted += chunk.len() as u64;
            continue;
        }
        let mut sql = Sql::new("INSERT INTO ");
        sql.push(table).push(" (").push(columns).push(") SELECT ").push(columns);
        sql.push(" FROM json_populate_recordset(NULL::")
            .push(table)
            .push(", CAST(")
            .bind(json)
            .push(" AS json))")
            .push(tail);
        inserted += sql.execute(tx.conn()).await?;
    }
    Ok(inserted)
}

/// Sends held-back inserts (`Tx::group_inserts`) as one statement: each a data-modifying CTE
/// but the last. Foreign keys are checked at the end of the statement, so lines may come with
/// their orders.
pub(crate) async fn insert_grouped(tx: &mut Tx, grouped: Vec<GroupedInsert>) -> StoreResult<()> {
    let last = grouped.len().saturating_sub(1);
    let mut sql = Sql::new("");
    for (index, insert) in grouped.into_iter().enumerate() {
        if index < last {
            sql.push(if index == 0 { "WITH " } else { ", " });
            sql.push("g").push(&index.to_string()).push(" AS (");
        }
        sql.push("INSERT INTO ").push(&insert.table).push(" (").push(&insert.columns).push(") SELECT ");
        sql.push(&insert.columns).push(" FROM json_populate_recordset(NULL::").push(&insert.table);
        sql.push(", CAST(").bind(insert.json).push(" AS json))");
        if index < last {
            sql.push(")");
        }
        sql.push(" ");
    }
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Rows as a JSON array of objects keyed by column name.
fn json_rows(names: &[&str], chunk: &[Vec<Value>]) -> String {
    let mut json = String::with_capacity(chunk.len() * names.len() * 24);
    json.push('[');
    for (index, row) in chunk.iter().enumerate() {
        json.push_str(if index == 0 { "{" } else { ",{" });
        for (column, (name, value)) in names.iter().zip(row).enumerate() {
            if column > 0 {
                json.push(',');
            }
            json.push('"');
            json.push_str(name);
            json.push_str("\":");
            push_json(&mut json, value);
        }
        json.push('}');
    }
    json.push(']');
    json
}

fn push_json(out: &mut String, value: &Value) {
    use std::fmt::Write;
    match value {
        Value::NullText | Value::NullInt => out.push_str("null"),
        Value::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Flag(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Float(v) if v.is_finite() => {
            let _ = write!(out, "{v}");
        }
        Value::Float(_) => out.push_str("null"),
        Value::Text(text) => out.push_str(&serde_json::Value::from(text.as_str()).to_string()),
    }
}

/// Adds `deltas` (key, amount) to `column` of `table` in one guarded statement per chunk:
/// `UPDATE table SET column = column + v.column2 FROM (VALUES …) AS v WHERE key = v.column1 AND
/// guard`, where `guard` may use `v.column2`. Returns whether every row was updated, i.e. no guard
/// refused (the caller then rolls back the whole transaction).
pub(crate) async fn add_to_rows(
    tx: &mut Tx,
    table: &str,
    key_columns: &[&str],
    column: &str,
    deltas: &[(Vec<Value>, i64)],
    guard: &str,
) -> StoreResult<bool> {
    let width = key_columns.len() + 1;
    let per_statement = (MAX_VALUES / width).max(1);
    for chunk in deltas.chunks(per_statement) {
        let mut sql = Sql::new("UPDATE ");
        sql.push(table).push(" SET ").push(column).push(" = ").push(table).push(".").push(column);
        sql.push(" + v.column").push(&width.to_string()).push(" FROM (VALUES ");
        for (index, (keys, delta)) in chunk.iter().enumerate() {
            sql.push(if index == 0 { "(" } else { ", (" });
            for key in keys {
                sql.bind(key.clone()).push(", ");
            }
            sql.bind(*delta).push(")");
        }
        sql.push(") AS v WHERE ");
        for (index, key) in key_columns.iter().enumerate() {
            if index > 0 {
                sql.push(" AND ");
            }
            sql.push(table).push(".").push(key).push(" = v.column").push(&(index + 1).to_string());
        }
        if !guard.is_empty() {
            sql.push(" AND (").push(guard).push(")");
        }
        if sql.execute(tx.conn()).await? != chunk.len() as u64 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// ` FOR NO KEY UPDATE` on PostgreSQL, where rows read to decide a batch must stay as read until
/// commit; nothing on SQLite, whose write transaction already excludes every other writer.
/// The rows are then updated in columns no foreign key points at, so the weaker lock is the
/// one the update takes anyway: it keeps out every other writer but lets a concurrent insert
/// check a foreign key to the row (a journal posting to an account an order desk worker holds,
/// say) instead of queueing behind it — which, between two desk workers, could deadlock.
pub(crate) fn for_update(tx: &Tx) -> &'static str {
    match tx.dialect() {
        Dialect::Postgres => " FOR NO KEY UPDATE",
        Dialect::Sqlite => "",
    }
}
