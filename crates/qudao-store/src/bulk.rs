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
    if tx.dialect() == Dialect::Postgres
        && let Some(columns) = array_columns(key_columns.len(), deltas)
    {
        // One array per column: the same text, so the same prepared statement, for any count.
        let mut sql = Sql::new("UPDATE ");
        sql.push(table).push(" SET ").push(column).push(" = ").push(table).push(".").push(column);
        sql.push(" + v.column").push(&width.to_string()).push(" FROM unnest(");
        for (index, (literal, kind)) in columns.into_iter().enumerate() {
            sql.push(if index == 0 { "CAST(" } else { ", CAST(" }).bind(literal).push(" AS ").push(kind).push(")");
        }
        sql.push(") AS v(").push(&(1..=width).map(|n| format!("column{n}")).collect::<Vec<_>>().join(", "));
        sql.push(") WHERE ");
        push_keys_and_guard(&mut sql, table, key_columns, guard);
        return Ok(sql.execute(tx.conn()).await? == deltas.len() as u64);
    }
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
        push_keys_and_guard(&mut sql, table, key_columns, guard);
        if sql.execute(tx.conn()).await? != chunk.len() as u64 {
            return Ok(false);
        }
    }
    Ok(true)
}

fn push_keys_and_guard(sql: &mut Sql, table: &str, key_columns: &[&str], guard: &str) {
    for (index, key) in key_columns.iter().enumerate() {
        if index > 0 {
            sql.push(" AND ");
        }
        sql.push(table).push(".").push(key).push(" = v.column").push(&(index + 1).to_string());
    }
    if !guard.is_empty() {
        sql.push(" AND (").push(guard).push(")");
    }
}

/// The keys and deltas as one PostgreSQL array literal per column, with its type; `None` when a
/// key is neither all text nor all integers (the caller then sends `VALUES` rows).
fn array_columns(keys: usize, deltas: &[(Vec<Value>, i64)]) -> Option<Vec<(String, &'static str)>> {
    let mut columns = Vec::with_capacity(keys + 1);
    for index in 0..keys {
        let values: Vec<&Value> = deltas.iter().map(|(k, _)| k.get(index)).collect::<Option<_>>()?;
        if values.iter().all(|v| matches!(v, Value::Text(_))) {
            let texts = values.iter().filter_map(|v| if let Value::Text(t) = v { Some(t.as_str()) } else { None });
            columns.push((array_literal(texts), "TEXT[]"));
        } else if values.iter().all(|v| matches!(v, Value::Int(_))) {
            let ints = values.iter().filter_map(|v| if let Value::Int(i) = v { Some(i.to_string()) } else { None });
            columns.push((array_literal(ints), "BIGINT[]"));
        } else {
            return None;
        }
    }
    columns.push((array_literal(deltas.iter().map(|(_, d)| d.to_string())), "BIGINT[]"));
    Some(columns)
}

/// `{"a","b"}`: a PostgreSQL array literal of these values, each quoted.
fn array_literal<V: ToString>(values: impl IntoIterator<Item = V>) -> String {
    let mut literal = String::from("{");
    for (index, value) in values.into_iter().enumerate() {
        if index > 0 {
            literal.push(',');
        }
        literal.push('"');
        for c in value.to_string().chars() {
            if c == '"' || c == '\\' {
                literal.push('\\');
            }
            literal.push(c);
        }
        literal.push('"');
    }
    literal.push('}');
    literal
}

/// Appends `column IN (…)` for a set of ids. On PostgreSQL it is `column = ANY(CAST($n AS
/// TEXT[]))` with the whole set as one array literal, so the statement's text — and with it the
/// prepared statement and, after a few runs, its plan — is the same whatever the set's size:
/// parsing and planning a fresh `IN` list cost the order desk about a tenth of its database
/// time. On SQLite, which has no arrays and plans cheaply, the `IN (?, ?, …)` list. An empty set
/// matches nothing.
pub(crate) fn push_in<V: ToString>(sql: &mut Sql, dialect: Dialect, column: &str, values: impl IntoIterator<Item = V>) {
    match dialect {
        Dialect::Postgres => {
            sql.push(column).push(" = ANY(CAST(").bind(array_literal(values)).push(" AS TEXT[]))");
        }
        Dialect::Sqlite => {
            sql.push(column).push(" IN ").bind_list(values.into_iter().map(|v| v.to_string()));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals_quote_every_element() {
        assert_eq!(array_literal(["a", "b"]), r#"{"a","b"}"#);
        assert_eq!(array_literal([r#"x"y\z"#]), r#"{"x\"y\\z"}"#);
        assert_eq!(array_literal(Vec::<String>::new()), "{}");
        assert_eq!(array_literal([-5_i64, 7]), r#"{"-5","7"}"#);
    }

    #[test]
    fn a_set_is_one_parameter_on_postgresql_and_a_list_on_sqlite() {
        let mut pg = Sql::new("SELECT 1 FROM stock WHERE ");
        push_in(&mut pg, Dialect::Postgres, "sku_id", ["a", "b", "c"]);
        assert_eq!(pg.text(), "SELECT 1 FROM stock WHERE sku_id = ANY(CAST($1 AS TEXT[]))");
        let mut lite = Sql::new("SELECT 1 FROM stock WHERE ");
        push_in(&mut lite, Dialect::Sqlite, "sku_id", ["a", "b"]);
        assert_eq!(lite.text(), "SELECT 1 FROM stock WHERE sku_id IN ($1, $2)");
    }

    #[test]
    fn deltas_become_typed_arrays_unless_a_key_column_mixes_types() {
        let deltas = vec![(vec![Value::from("k1"), Value::Int(3)], 10), (vec![Value::from("k2"), Value::Int(4)], -2)];
        let columns = array_columns(2, &deltas).expect("arrays");
        assert_eq!(
            columns,
            vec![
                (r#"{"k1","k2"}"#.to_string(), "TEXT[]"),
                (r#"{"3","4"}"#.to_string(), "BIGINT[]"),
                (r#"{"10","-2"}"#.to_string(), "BIGINT[]"),
            ]
        );
        let mixed = vec![(vec![Value::from("k1")], 1), (vec![Value::Int(1)], 1)];
        assert_eq!(array_columns(1, &mixed), None);
    }
}
