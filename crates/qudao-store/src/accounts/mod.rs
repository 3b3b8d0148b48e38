//! The double-entry ledger: partner and brand accounts, journal entries and their postings.
//!
//! A posting changes its account's running balance with one guarded statement that refuses to
//! take a partner account past its ceiling (the credit line for the receivable; zero for prepaid
//! and rebate, which are never overdrawn). Accounts are touched in id order, so concurrent
//! entries cannot deadlock. The journal is append-only; `balance` is only ever changed together
//! with the posting that explains it.

use qudao_domain::accounts::AccountKind;
use qudao_domain::ids::{AccountId, EntryId, PartnerId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// The brand's sales account in CNY (created by the migration).
pub const BRAND_SALES_CNY: &str = "00000000-0000-7000-8000-000000000001";
/// The brand's cash account in CNY (created by the migration).
pub const BRAND_CASH_CNY: &str = "00000000-0000-7000-8000-000000000002";
/// The brand's adjustment account in CNY (migration 0006).
pub const BRAND_ADJUSTMENT_CNY: &str = "00000000-0000-7000-8000-000000000003";

/// An account as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    /// Id.
    pub id: AccountId,
    /// The partner, for partner accounts.
    pub partner_id: Option<PartnerId>,
    /// `receivable`, `prepaid`, `rebate`, `sales`, `cash` or `adjustment`.
    pub kind: String,
    /// Currency.
    pub currency: String,
    /// The balance as people read it (prepaid and rebate positive when the partner has money).
    pub balance: i64,
    /// The credit line (receivable accounts).
    pub credit_line: i64,
    /// What the partner can still spend from it: credit line minus debt, or the balance.
    pub available: i64,
    /// The partner's own credit terms in days (receivable accounts); none follows the brand's
    /// setting.
    pub terms_days: Option<i64>,
}

pub(crate) fn kind_of(text: &str) -> StoreResult<AccountKind> {
    AccountKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("account kind {text}")))
}

fn view(row: &sqlx::any::AnyRow) -> StoreResult<AccountView> {
    let kind = kind_of(&row.text("kind")?)?;
    let sum = row.int("balance")?;
    let credit_line = row.int("credit_line")?;
    let shown = kind.shown(sum);
    let available = match kind {
        AccountKind::Receivable => credit_line - sum,
        _ => shown,
    };
    Ok(AccountView {
        id: row.parse("id")?,
        partner_id: row.opt_parse("partner_id")?,
        kind: kind.as_str().to_string(),
        currency: row.text("currency")?,
        balance: shown,
        credit_line,
        available,
        terms_days: row.opt_int("terms_days")?,
    })
}

/// Creates a partner's three accounts in `currency` if they do not exist yet.
pub async fn ensure_partner_accounts(tx: &mut Tx, partner: PartnerId, currency: &str, now_ms: i64) -> StoreResult<()> {
    for kind in [AccountKind::Receivable, AccountKind::Prepaid, AccountKind::Rebate] {
        let mut sql = Sql::new(
            "INSERT INTO ledger_accounts (id, partner_id, kind, currency, balance, credit_line, created_ms) VALUES (",
        );
        sql.bind(AccountId::new()).push(", ").bind(partner).push(", ").bind(kind.as_str());
        sql.push(", ").bind(currency).push(", 0, 0, ").bind(now_ms);
        sql.push(") ON CONFLICT (partner_id, kind, currency) DO NOTHING");
        sql.execute(tx.conn()).await?;
    }
    Ok(())
}

/// A visible partner's accounts.
pub async fn partner_accounts(tx: &mut Tx, partner: PartnerId) -> StoreResult<Vec<AccountView>> {
    let mut sql = Sql::new(
        "SELECT id, partner_id, kind, currency, balance, credit_line, terms_days FROM ledger_accounts WHERE partner_id = ",
    );
    sql.bind(partner);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.push(" ORDER BY kind, currency");
    sql.fetch_all(tx.conn()).await?.iter().map(view).collect()
}

/// The id of a visible partner's account of `kind`.
pub async fn partner_account(
    tx: &mut Tx,
    partner: PartnerId,
    kind: AccountKind,
    currency: &str,
) -> StoreResult<Option<AccountId>> {
    let mut sql = Sql::new("SELECT id FROM ledger_accounts WHERE partner_id = ");
    sql.bind(partner).push_bind(" AND kind = ", kind.as_str()).push_bind(" AND currency = ", currency);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.fetch_optional(tx.conn()).await?.map(|row| row.parse("id")).transpose()
}

/// Sets a visible partner's credit line. Lowering it below the current debt is allowed: the
/// partner simply cannot buy more on credit until it pays.
pub async fn set_credit_line(tx: &mut Tx, partner: PartnerId, currency: &str, amount: i64) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE ledger_accounts SET credit_line = ");
    sql.bind(amount).push_bind(" WHERE partner_id = ", partner).push(" AND kind = 'receivable'");
    sql.push_bind(" AND currency = ", currency);
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// Sets a visible partner's own credit terms in days (none: the brand's setting applies).
pub async fn set_terms(tx: &mut Tx, partner: PartnerId, currency: &str, terms_days: Option<i64>) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE ledger_accounts SET terms_days = ");
    sql.bind(terms_days).push_bind(" WHERE partner_id = ", partner).push(" AND kind = 'receivable'");
    sql.push_bind(" AND currency = ", currency);
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? == 1)
}

/// One posting to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewPosting {
    /// The account.
    pub account: AccountId,
    /// Positive debit, negative credit.
    pub amount: i64,
}

/// A journal entry to write.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The partner it concerns.
    pub partner: Option<PartnerId>,
    /// Its template name (`pay_on_credit`…).
    pub template: &'a str,
    /// What it is about (`order`, …) and its id.
    pub reference: Option<(&'a str, String)>,
    /// A note.
    pub memo: Option<&'a str>,
    /// Who made it.
    pub created_by: Option<UserId>,
    /// When.
    pub at_ms: i64,
    /// The postings; they must sum to zero.
    pub postings: Vec<NewPosting>,
}

/// Why an entry was not written.
#[derive(Debug)]
pub enum PostError {
    /// The postings do not sum to zero (a bug in the caller).
    Unbalanced,
    /// An account would go past its ceiling (the credit line, or below zero prepaid or rebate).
    Overdraft(AccountId),
    /// The database failed.
    Store(StoreError),
}

impl From<StoreError> for PostError {
    fn from(error: StoreError) -> Self {
        PostError::Store(error)
    }
}

impl From<sqlx::Error> for PostError {
    fn from(error: sqlx::Error) -> Self {
        PostError::Store(error.into())
    }
}

/// Writes an entry and moves the balances, refusing any overdraft. On `Err` the transaction may
/// hold part of the entry: the caller must not commit it.
pub async fn post(tx: &mut Tx, entry: &NewEntry<'_>) -> Result<EntryId, PostError> {
    if entry.postings.iter().map(|p| p.amount).sum::<i64>() != 0 || entry.postings.is_empty() {
        return Err(PostError::Unbalanced);
    }
    let mut postings = entry.postings.clone();
    postings.sort_by_key(|p| p.account);
    for posting in &postings {
        let mut sql = Sql::new("UPDATE ledger_accounts SET balance = balance + ");
        sql.bind(posting.amount).push_bind(" WHERE id = ", posting.account);
        if posting.amount > 0 {
            sql.push(" AND (kind NOT IN ('receivable', 'prepaid', 'rebate') OR balance + ");
            sql.bind(posting.amount);
            sql.push(" <= CASE WHEN kind = 'receivable' THEN credit_line ELSE 0 END)");
        }
        if sql.execute(tx.conn()).await? != 1 {
            return Err(PostError::Overdraft(posting.account));
        }
    }
    let id = EntryId::new();
    let mut sql = Sql::new(
        "INSERT INTO journal_entries (id, partner_id, template, reference_kind, reference_id, memo, created_by, at_ms) \
         VALUES (",
    );
    sql.bind(id).push(", ").bind(entry.partner).push(", ").bind(entry.template);
    sql.push(", ")
        .bind(entry.reference.as_ref().map(|r| r.0))
        .push(", ")
        .bind(entry.reference.as_ref().map(|r| r.1.as_str()));
    sql.push(", ").bind(entry.memo).push(", ").bind(entry.created_by).push(", ").bind(entry.at_ms).push(")");
    sql.execute(tx.conn()).await?;
    for posting in &entry.postings {
        let mut sql = Sql::new("INSERT INTO journal_postings (id, entry_id, account_id, amount) VALUES (");
        sql.bind(EntryId::new()).push(", ").bind(id).push(", ").bind(posting.account).push(", ").bind(posting.amount);
        sql.push(")");
        sql.execute(tx.conn()).await?;
    }
    Ok(id)
}

/// Accounts whose running balance differs from the sum of their postings (must be none), and the
/// sum of every posting (must be zero): the ledger's two invariants.
pub async fn check_ledger(tx: &mut Tx) -> StoreResult<(Vec<AccountId>, i64)> {
    let sql = Sql::new(
        "SELECT a.id FROM ledger_accounts a LEFT JOIN (SELECT account_id, CAST(SUM(amount) AS BIGINT) AS total \
         FROM journal_postings GROUP BY account_id) j ON j.account_id = a.id \
         WHERE a.balance <> COALESCE(j.total, 0)",
    );
    let wrong = sql.fetch_all(tx.conn()).await?.iter().map(|r| r.parse("id")).collect::<StoreResult<Vec<_>>>()?;
    let total =
        Sql::new("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM journal_postings").fetch_i64(tx.conn()).await?;
    Ok((wrong, total))
}

/// An account as read for a batch: held until commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldAccount {
    /// Id.
    pub id: AccountId,
    /// Its partner.
    pub partner_id: PartnerId,
    /// Kind.
    pub kind: AccountKind,
    /// Sum of postings.
    pub balance: i64,
    /// Credit line (receivable).
    pub credit_line: i64,
}

/// Reads, and on PostgreSQL locks, the CNY accounts of `partners`, in id order.
pub async fn hold(tx: &mut Tx, partners: &[PartnerId]) -> StoreResult<Vec<HeldAccount>> {
    let mut sql =
        Sql::new("SELECT id, partner_id, kind, balance, credit_line FROM ledger_accounts WHERE currency = 'CNY' AND ");
    crate::bulk::push_in(&mut sql, tx.dialect(), "partner_id", partners);
    sql.push(" ORDER BY id").push(crate::bulk::for_update(tx));
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(HeldAccount {
                id: row.parse("id")?,
                partner_id: row.parse("partner_id")?,
                kind: kind_of(&row.text("kind")?)?,
                balance: row.int("balance")?,
                credit_line: row.int("credit_line")?,
            })
        })
        .collect()
}

/// Writes a batch of entries: one guarded update per account with the batch's net amount, then
/// every entry and posting in multi-row inserts. `false` (nothing to commit) if a guard refused.
/// The caller has checked each entry against the held balances in order, so a refusal here means
/// the rows changed under it.
pub async fn post_batch(tx: &mut Tx, entries: &[(EntryId, NewEntry<'_>)]) -> StoreResult<bool> {
    if !post_balances(tx, entries).await? {
        return Ok(false);
    }
    post_entries(tx, entries).await?;
    Ok(true)
}

/// The accounts' half of [`post_batch`]: one guarded balance update per account. `false` if a
/// guard refused. Apart from the entries so that a batch can write its entries before it takes
/// the accounts' locks, and hold them for less time.
pub async fn post_balances(tx: &mut Tx, entries: &[(EntryId, NewEntry<'_>)]) -> StoreResult<bool> {
    use crate::Value;
    let mut totals: Vec<(AccountId, i64)> = Vec::new();
    for (_, entry) in entries {
        if entry.postings.iter().map(|p| p.amount).sum::<i64>() != 0 {
            return Err(StoreError::Corrupt("unbalanced entry".into()));
        }
        for posting in &entry.postings {
            match totals.iter_mut().find(|(id, _)| *id == posting.account) {
                Some((_, total)) => *total += posting.amount,
                None => totals.push((posting.account, posting.amount)),
            }
        }
    }
    totals.sort_by_key(|(id, _)| *id);
    let deltas: Vec<(Vec<Value>, i64)> = totals.iter().map(|(id, d)| (vec![Value::from(*id)], *d)).collect();
    let guard = "v.column2 <= 0 OR ledger_accounts.kind NOT IN ('receivable', 'prepaid', 'rebate') \
                 OR ledger_accounts.balance + v.column2 <= CASE WHEN ledger_accounts.kind = 'receivable' \
                 THEN ledger_accounts.credit_line ELSE 0 END";
    crate::bulk::add_to_rows(tx, "ledger_accounts", &["id"], "balance", &deltas, guard).await
}

/// The journal's half of [`post_batch`]: the entries and their postings.
pub async fn post_entries(tx: &mut Tx, entries: &[(EntryId, NewEntry<'_>)]) -> StoreResult<()> {
    use crate::Value;
    let heads: Vec<Vec<Value>> = entries
        .iter()
        .map(|(id, e)| {
            vec![
                Value::from(*id),
                Value::from(e.partner),
                Value::from(e.template),
                Value::from(e.reference.as_ref().map(|r| r.0)),
                Value::from(e.reference.as_ref().map(|r| r.1.as_str())),
                Value::from(e.memo),
                Value::from(e.created_by),
                Value::from(e.at_ms),
            ]
        })
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO journal_entries (id, partner_id, template, reference_kind, reference_id, memo, created_by, at_ms) \
         VALUES",
        &heads,
        "",
    )
    .await?;
    let postings: Vec<Vec<Value>> = entries
        .iter()
        .flat_map(|(id, e)| {
            e.postings.iter().map(move |p| {
                vec![Value::from(EntryId::new()), Value::from(*id), Value::from(p.account), Value::from(p.amount)]
            })
        })
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO journal_postings (id, entry_id, account_id, amount) VALUES",
        &postings,
        "",
    )
    .await?;
    Ok(())
}

/// Receivable accounts whose debt is above their credit line (must be none; a line lowered
/// below the debt is the only legitimate exception, and the checks that call this set none).
pub async fn over_credit_line(tx: &mut Tx) -> StoreResult<Vec<AccountId>> {
    let sql = Sql::new("SELECT id FROM ledger_accounts WHERE kind = 'receivable' AND balance > credit_line");
    sql.fetch_all(tx.conn()).await?.iter().map(|r| r.parse("id")).collect()
}
