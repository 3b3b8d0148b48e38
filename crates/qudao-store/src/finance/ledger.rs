//! The trial balance: every account kind's debits and credits, which must sum to zero.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// One line of the trial balance.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct TrialLine {
    /// `receivable`, `prepaid`, `rebate`, `sales`, `cash`.
    pub kind: String,
    /// Currency.
    pub currency: String,
    /// Sum of debits, fen.
    pub debit: i64,
    /// Sum of credits, fen (positive).
    pub credit: i64,
    /// Accounts of this kind.
    pub accounts: i64,
}

/// Debits and credits per account kind, from the journal itself (not the running balances),
/// up to `until_ms` (exclusive) when given.
pub async fn trial_balance(tx: &mut Tx, until_ms: Option<i64>) -> StoreResult<Vec<TrialLine>> {
    let mut sql = Sql::new(
        "SELECT a.kind, a.currency, \
         CAST(COALESCE(SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END), 0) AS BIGINT) AS debit, \
         CAST(COALESCE(SUM(CASE WHEN p.amount < 0 THEN -p.amount ELSE 0 END), 0) AS BIGINT) AS credit, \
         CAST(COUNT(DISTINCT a.id) AS BIGINT) AS accounts \
         FROM journal_postings p JOIN ledger_accounts a ON a.id = p.account_id \
         JOIN journal_entries e ON e.id = p.entry_id WHERE 1 = 1",
    );
    if let Some(until) = until_ms {
        sql.push_bind(" AND e.at_ms < ", until);
    }
    sql.push(" GROUP BY a.kind, a.currency ORDER BY a.currency, a.kind");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(TrialLine {
                kind: row.text("kind")?,
                currency: row.text("currency")?,
                debit: row.int("debit")?,
                credit: row.int("credit")?,
                accounts: row.int("accounts")?,
            })
        })
        .collect()
}
