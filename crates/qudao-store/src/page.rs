//! Cursor pagination, newest first.
//!
//! Lists are read with keyset pagination on `(created_ms, id)`, which stays fast on page 1,000 and
//! never skips or repeats a row when rows are added between pages. The cursor is opaque to
//! clients: they pass back the `next` they were given.

use serde::Serialize;

/// The largest page a client may ask for.
pub const MAX_LIMIT: u32 = 200;

/// Where a page starts: just after the row with this creation time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The previous page's last row's creation time.
    pub created_ms: i64,
    /// The previous page's last row's id.
    pub id: String,
}

impl Cursor {
    /// The cursor's text form, `<ms>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_ms, self.id)
    }

    /// Parses a cursor a client sent back; `None` when it was not one of ours.
    pub fn decode(text: &str) -> Option<Cursor> {
        let (ms, id) = text.split_once('.')?;
        let created_ms = ms.parse().ok()?;
        let valid_id = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        valid_id.then(|| Cursor { created_ms, id: id.to_string() })
    }

    /// A cursor for results ordered by relevance, which have no stable key: the number of rows
    /// already shown, `o<n>`. Encoded as a [`Cursor`] with no id.
    pub fn offset(rows: u64) -> Cursor {
        Cursor { created_ms: i64::try_from(rows).unwrap_or(i64::MAX), id: String::new() }
    }

    /// The rows already shown, when this is an offset cursor.
    pub fn as_offset(&self) -> Option<u64> {
        if self.id.is_empty() { u64::try_from(self.created_ms).ok() } else { None }
    }

    /// Parses either form.
    pub fn decode_any(text: &str) -> Option<Cursor> {
        match text.strip_prefix('o') {
            Some(rows) => rows.parse::<u64>().ok().filter(|n| *n <= 100_000).map(Cursor::offset),
            None => Cursor::decode(text),
        }
    }

    /// The text form of either kind.
    pub fn encode_any(&self) -> String {
        match self.as_offset() {
            Some(rows) => format!("o{rows}"),
            None => self.encode(),
        }
    }
}

/// A page request: how many rows, after which cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows wanted, 1 to [`MAX_LIMIT`].
    pub limit: u32,
    /// Start after this row.
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// The first page of `limit` rows (clamped to 1..=[`MAX_LIMIT`]).
    pub fn first(limit: u32) -> Self {
        Self { limit: limit.clamp(1, MAX_LIMIT), after: None }
    }

    /// Appends the keyset condition and the ordering, newest first, on a time column and an id
    /// column (`"p.created_ms", "p.id"`).
    pub(crate) fn apply(&self, sql: &mut crate::Sql, time_column: &str, id_column: &str) {
        if let Some(cursor) = self.after.as_ref().filter(|c| c.as_offset().is_none()) {
            sql.push(" AND (").push(time_column).push(", ").push(id_column).push(") < (");
            sql.bind(cursor.created_ms).push(", ").bind(cursor.id.as_str()).push(")");
        }
        sql.push(" ORDER BY ").push(time_column).push(" DESC, ").push(id_column).push(" DESC LIMIT ");
        sql.bind(i64::from(self.limit) + 1);
    }
}

/// One page of rows and the cursor of the next page, if there is one.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass this back as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says that more exist.
    pub(crate) fn from_rows(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> Cursor) -> Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(|row| key(row).encode()) } else { None };
        Page { items: rows, next }
    }

    /// Builds a page of relevance-ordered rows fetched with `LIMIT limit + 1 OFFSET shown`.
    pub(crate) fn from_offset_rows(mut rows: Vec<T>, limit: u32, shown: u64) -> Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = more.then(|| Cursor::offset(shown + u64::from(limit)).encode_any());
        Page { items: rows, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let cursor = Cursor { created_ms: 1_764_201_600_000, id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into() };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for junk in ["", "abc", "1.", "x.abc", "1.' OR 1=1 --"] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }

    #[test]
    fn a_page_knows_whether_more_rows_exist() {
        let key = |n: &i64| Cursor { created_ms: *n, id: "a".into() };
        let page = Page::from_rows(vec![5, 4, 3], 2, key);
        assert_eq!(page.items, vec![5, 4]);
        assert_eq!(page.next.as_deref(), Some("4.a"));
        let last = Page::from_rows(vec![2, 1], 2, key);
        assert_eq!(last.next, None);
    }
}
