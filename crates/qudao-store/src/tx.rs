//! A transaction that knows its scope.

use sqlx::{Any, AnyConnection, Transaction};

use crate::Dialect;
use crate::error::StoreResult;
use crate::scope::Scope;
use crate::sql::Sql;

/// A database transaction with the scope it was opened for. Store functions read the scope from
/// here, so a query cannot run without one; on PostgreSQL the scope is also set for row-level
/// security when the transaction begins. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    inner: Transaction<'static, Any>,
    scope: Scope,
    dialect: Dialect,
    /// Inserts held back to be sent together (see [`Tx::group_inserts`]).
    grouped: Option<Vec<GroupedInsert>>,
}

/// One multi-row insert held back: its table, column list and rows as one JSON array.
pub(crate) struct GroupedInsert {
    pub table: String,
    pub columns: String,
    pub json: String,
}

impl Tx {
    pub(crate) async fn start(inner: Transaction<'static, Any>, scope: Scope, dialect: Dialect) -> StoreResult<Tx> {
        let mut tx = Tx { inner, scope, dialect, grouped: None };
        tx.apply_scope().await?;
        Ok(tx)
    }

    async fn apply_scope(&mut self) -> StoreResult<()> {
        if self.dialect == Dialect::Postgres {
            let [kind, user, partner, subdealers] = self.scope.rls_settings();
            let mut sql = Sql::new("SELECT set_config('role', 'qudao_app', true), set_config('qudao.scope', ");
            sql.bind(kind).push(", true), set_config('qudao.user', ").bind(user);
            sql.push(", true), set_config('qudao.partner', ").bind(partner);
            sql.push(", true), set_config('qudao.subdealers', ").bind(subdealers).push(", true)");
            sql.fetch_optional(self.conn()).await?;
        }
        Ok(())
    }

    /// Switches the transaction to another scope and answers the one it had, for a store
    /// function that must read past the caller's scope for one purpose (an approval step's
    /// approvers are brand users a partner may not list) and switches back before it returns.
    /// Crate-private: handlers can never widen their own scope.
    pub(crate) async fn swap_scope(&mut self, scope: Scope) -> StoreResult<Scope> {
        let previous = std::mem::replace(&mut self.scope, scope);
        self.apply_scope().await?;
        Ok(previous)
    }

    /// A transaction as the connecting user, without switching to the application role: only
    /// for restoring a backup, which must empty the tables the migrations seeded.
    pub(crate) fn owner(inner: Transaction<'static, Any>, scope: Scope, dialect: Dialect) -> Tx {
        Tx { inner, scope, dialect, grouped: None }
    }

    /// The scope this transaction was opened for.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Which database the transaction runs on.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The connection, for store functions.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }

    /// PostgreSQL: from now on, plain multi-row inserts (no conflict clause) are held back and
    /// sent together, as one statement of data-modifying CTEs, at [`Tx::commit`]; the order desk
    /// writes orders, lines, reservations, journal entries and postings, stock moves and audit
    /// rows in one round trip instead of seven. Only for a transaction that never reads back
    /// what it inserted before committing. Nothing changes on SQLite, whose statements cost no
    /// round trip.
    pub fn group_inserts(&mut self) {
        if self.dialect == Dialect::Postgres {
            self.grouped = Some(Vec::new());
        }
    }

    /// The held-back inserts, when grouping.
    pub(crate) fn grouped(&mut self) -> Option<&mut Vec<GroupedInsert>> {
        self.grouped.as_mut()
    }

    /// Sends the inserts held back so far now, as one statement, and goes on grouping: a batch
    /// writes what locks nothing shared before it takes the shared rows, so that the rows stay
    /// locked for less time.
    pub async fn send_grouped(&mut self) -> StoreResult<()> {
        if let Some(grouped) = self.grouped.as_mut()
            && !grouped.is_empty()
        {
            let grouped = std::mem::take(grouped);
            crate::bulk::insert_grouped(self, grouped).await?;
        }
        Ok(())
    }

    /// Makes every write of the transaction durable (sending held-back inserts first).
    pub async fn commit(mut self) -> StoreResult<()> {
        self.send_grouped().await?;
        self.inner.commit().await?;
        Ok(())
    }

    /// Runs SQL that ignores the scope's predicate, to show in tests that row-level security
    /// alone still hides other partners' rows on PostgreSQL. Not for application code.
    #[doc(hidden)]
    pub async fn unfiltered_ids_for_wall_test(&mut self, table: &'static str) -> StoreResult<Vec<String>> {
        use crate::sql::RowExt;
        let sql = Sql::new(&format!("SELECT id FROM {table} ORDER BY id"));
        sql.fetch_all(self.conn()).await?.iter().map(|row| row.text("id")).collect()
    }
}
