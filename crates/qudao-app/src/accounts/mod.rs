//! Partner accounts: balances, credit lines and prepayments, and the one function through which
//! every business movement reaches the journal.

use qudao_domain::accounts::{AccountKind, Posting, Template, postings};
use qudao_domain::ids::{AccountId, EntryId, PartnerId, UserId};
use qudao_domain::money::{Currency, Money};
use qudao_domain::{FieldError, Invalid};
use qudao_store::accounts::{self, AccountView, NewEntry, NewPosting, PostError};
use qudao_store::{Scope, Tx, audit, partners};
use serde::Serialize;
use utoipa::ToSchema;

use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// A movement to post: what happened, for whom, and its postings (by account kind).
#[derive(Debug, Clone)]
pub(crate) struct Movement<'a> {
    pub partner: PartnerId,
    /// The entry's template name (`prepayment`, `order_payment`, `order_refund`…).
    pub template: &'a str,
    pub currency: Currency,
    pub postings: Vec<Posting>,
    pub reference: Option<(&'a str, String)>,
    pub memo: Option<&'a str>,
    pub at_ms: i64,
}

/// Why a movement was refused.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The partner's account of this kind would be overdrawn (credit line or balance).
    Overdraft(AccountKind),
    /// Anything else.
    Failed(AppError),
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Refused::Failed(error)
    }
}

/// The brand's account of `kind` in `currency`.
fn brand_account(kind: AccountKind, currency: Currency) -> AppResult<AccountId> {
    let id = match (kind, currency) {
        (AccountKind::Sales, Currency::CNY) => accounts::BRAND_SALES_CNY,
        (AccountKind::Cash, Currency::CNY) => accounts::BRAND_CASH_CNY,
        (AccountKind::Adjustment, Currency::CNY) => accounts::BRAND_ADJUSTMENT_CNY,
        _ => return Err(AppError::Internal(format!("no brand {} account in {}", kind.as_str(), currency.code()))),
    };
    id.parse().map_err(|_| AppError::Internal("brand account id".into()))
}

/// Posts a movement in `tx`: the domain decides the postings, the store applies them with its
/// overdraft guard. On `Err` the caller must roll back.
pub(crate) async fn post(tx: &mut Tx, ctx: &Ctx, movement: &Movement<'_>) -> Result<EntryId, Refused> {
    let currency = movement.currency;
    let lines = &movement.postings;
    if lines.is_empty() {
        return Err(Refused::Failed(AppError::Internal("an entry without postings".into())));
    }
    accounts::ensure_partner_accounts(tx, movement.partner, currency.code(), movement.at_ms)
        .await
        .map_err(AppError::from)?;
    let mut resolved = Vec::with_capacity(lines.len());
    let mut kinds = Vec::with_capacity(lines.len());
    for line in lines {
        let account = if line.account.is_partner() {
            accounts::partner_account(tx, movement.partner, line.account, currency.code())
                .await
                .map_err(AppError::from)?
                .ok_or(AppError::NotFound)?
        } else {
            brand_account(line.account, currency)?
        };
        resolved.push(NewPosting { account, amount: line.amount });
        kinds.push((account, line.account));
    }
    let entry = NewEntry {
        partner: Some(movement.partner),
        template: movement.template,
        reference: movement.reference.clone(),
        memo: movement.memo,
        created_by: Some(ctx.caller().user_id()),
        at_ms: movement.at_ms,
        postings: resolved,
    };
    match accounts::post(tx, &entry).await {
        Ok(id) => Ok(id),
        Err(PostError::Overdraft(account)) => {
            let kind = kinds.iter().find(|(id, _)| *id == account).map_or(AccountKind::Receivable, |(_, k)| *k);
            Err(Refused::Overdraft(kind))
        }
        Err(PostError::Unbalanced) => Err(Refused::Failed(AppError::Internal("unbalanced entry".into()))),
        Err(PostError::Store(error)) => Err(Refused::Failed(error.into())),
    }
}

/// Posts several movements in `tx` with a handful of statements in all (the order desk's
/// cancellations): the partners' accounts read once, every entry written by
/// `accounts::post_batch` under the same overdraft guard as `post`. Each movement's entry is made
/// by the user paired with it. On `Err` the caller must roll back.
pub(crate) async fn post_many(tx: &mut Tx, movements: &[(UserId, Movement<'_>)]) -> AppResult<()> {
    if movements.is_empty() {
        return Ok(());
    }
    let mut partners: Vec<PartnerId> = movements.iter().map(|(_, m)| m.partner).collect();
    partners.sort_unstable();
    partners.dedup();
    // Partner accounts are held in CNY, the one currency orders are placed in today.
    let held = accounts::hold(tx, &partners).await?;
    let mut entries = Vec::with_capacity(movements.len());
    for (by, movement) in movements {
        if movement.currency != Currency::CNY {
            return Err(AppError::Internal(format!("a {} movement in a CNY batch", movement.currency.code())));
        }
        let mut postings = Vec::with_capacity(movement.postings.len());
        for line in &movement.postings {
            let account = if line.account.is_partner() {
                held.iter()
                    .find(|a| a.partner_id == movement.partner && a.kind == line.account)
                    .map(|a| a.id)
                    .ok_or(AppError::NotFound)?
            } else {
                brand_account(line.account, movement.currency)?
            };
            postings.push(NewPosting { account, amount: line.amount });
        }
        entries.push((
            EntryId::new(),
            NewEntry {
                partner: Some(movement.partner),
                template: movement.template,
                reference: movement.reference.clone(),
                memo: movement.memo,
                created_by: Some(*by),
                at_ms: movement.at_ms,
                postings,
            },
        ));
    }
    if !accounts::post_batch(tx, &entries).await? {
        return Err(AppError::Conflict("stock_or_balance_changed"));
    }
    Ok(())
}

/// The field error shown when a payment would overdraw `kind`.
pub(crate) fn overdraft_error(field: &str, kind: AccountKind) -> AppError {
    let code = match kind {
        AccountKind::Receivable => "insufficient_credit",
        AccountKind::Rebate => "insufficient_rebate",
        _ => "insufficient_balance",
    };
    AppError::Invalid(Invalid::one(field, code))
}

/// A partner's accounts (a partner user: only its own company's). Every partner has its three
/// CNY accounts from creation.
pub async fn partner_accounts(app: &App, ctx: &Ctx, partner: PartnerId) -> AppResult<Vec<AccountView>> {
    ctx.require(qudao_domain::access::Permission::AccountsRead)?;
    let mut tx = app.read(ctx).await?;
    partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
    Ok(accounts::partner_accounts(&mut tx, partner).await?)
}

/// Sets a partner's credit line in CNY and, when `terms_days` is given, its own credit terms
/// (`Some(None)` returns it to the brand's terms). Lowering the line below the current debt is
/// allowed: the partner then cannot buy on credit until it pays. When a flow of kind
/// `credit_line` applies (its conditions read the new line), the change waits for it and is
/// made when it is approved.
pub async fn set_credit_line(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    amount: &str,
    terms_days: Option<Option<i64>>,
) -> AppResult<crate::approvals::Gated<Vec<AccountView>>> {
    ctx.require(qudao_domain::access::Permission::FinanceManage)?;
    let mut invalid = Invalid::new();
    let amount = invalid.check(Money::parse_major("credit_line", amount, Currency::CNY));
    if amount.is_some_and(|a| a.minor < 0) {
        invalid.push(FieldError::new("credit_line", "must_not_be_negative"));
    }
    if let Some(Some(days)) = terms_days {
        invalid.check(qudao_domain::finance::credit::check_terms("terms_days", days));
    }
    invalid.into_result()?;
    let amount = amount.ok_or_else(|| AppError::Internal("checked credit line".into()))?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let found = partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
    accounts::ensure_partner_accounts(&mut tx, partner, Currency::CNY.code(), now).await?;
    let before = accounts::partner_accounts(&mut tx, partner).await?;
    let line_of = |views: &[AccountView]| views.iter().find(|a| a.kind == "receivable").map_or(0, |a| a.credit_line);
    let change = crate::approvals::Change {
        subject: qudao_domain::approvals::Subject::CreditLine,
        object_id: partner.to_string(),
        partner: &found,
        amount: amount.minor,
        summary: format!(
            "信用额度 {} → {} · {}",
            Money::new(line_of(&before), Currency::CNY),
            Money::new(amount.minor, Currency::CNY),
            found.name
        ),
        submitter: ctx.caller().user_id(),
        payload: serde_json::json!({
            "credit_line": amount.minor,
            "set_terms": terms_days.is_some(),
            "terms_days": terms_days.flatten(),
        }),
    };
    if let Some((approval, events)) = crate::approvals::gate(&mut tx, change, now).await? {
        let asked = serde_json::json!({ "credit_line": amount.minor, "terms_days": terms_days, "approval": approval });
        let record = ctx.audit(now, "credit_line", partner, "request", Some(partner), None::<&()>, Some(&asked));
        audit::insert(&mut tx, &record).await?;
        crate::events::announce(&mut tx, app.events(), &events).await?;
        tx.commit().await?;
        for event in events {
            app.events().publish(event);
        }
        return Ok(crate::approvals::Gated::Waiting(before, approval));
    }
    let after = change_credit(&mut tx, ctx, partner, amount.minor, terms_days, now).await?;
    tx.commit().await?;
    Ok(crate::approvals::Gated::Applied(after))
}

/// Makes the credit line change an approval kept (its payload), as its last approver.
pub(crate) async fn apply_credit_payload(
    tx: &mut Tx,
    ctx: &Ctx,
    partner: PartnerId,
    payload: &serde_json::Value,
    now: i64,
) -> AppResult<()> {
    let line = payload["credit_line"].as_i64().ok_or_else(|| AppError::Internal("credit payload".into()))?;
    let terms = payload["set_terms"].as_bool().unwrap_or(false).then(|| payload["terms_days"].as_i64());
    change_credit(tx, ctx, partner, line, terms, now).await?;
    Ok(())
}

/// Writes a credit line (and terms, when given) with its audit row; answers the accounts after.
async fn change_credit(
    tx: &mut Tx,
    ctx: &Ctx,
    partner: PartnerId,
    line: i64,
    terms_days: Option<Option<i64>>,
    now: i64,
) -> AppResult<Vec<AccountView>> {
    accounts::ensure_partner_accounts(tx, partner, Currency::CNY.code(), now).await?;
    let before = accounts::partner_accounts(tx, partner).await?;
    if !accounts::set_credit_line(tx, partner, Currency::CNY.code(), line).await? {
        return Err(AppError::NotFound);
    }
    if let Some(terms) = terms_days {
        accounts::set_terms(tx, partner, Currency::CNY.code(), terms).await?;
    }
    let after = accounts::partner_accounts(tx, partner).await?;
    let credit =
        |views: &[AccountView]| views.iter().find(|a| a.kind == "receivable").map(|a| (a.credit_line, a.terms_days));
    audit::insert(
        tx,
        &ctx.audit(
            now,
            "credit_line",
            partner,
            "update",
            Some(partner),
            credit(&before).as_ref(),
            credit(&after).as_ref(),
        ),
    )
    .await?;
    Ok(after)
}

/// A prepayment as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrepaymentView {
    /// The journal entry.
    pub entry_id: EntryId,
    /// The partner.
    pub partner_id: PartnerId,
    /// Amount in fen.
    pub amount: i64,
    /// The partner's accounts after it.
    pub accounts: Vec<AccountView>,
}

/// Records money a partner paid in advance (a bank transfer finance has seen arrive).
pub async fn record_prepayment(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    amount: &str,
    memo: Option<&str>,
    idem: Option<&IdemKey>,
) -> AppResult<PrepaymentView> {
    ctx.require(qudao_domain::access::Permission::FinanceManage)?;
    let amount = Money::parse_major("amount", amount, Currency::CNY)?;
    if amount.minor <= 0 {
        return Err(AppError::Invalid(Invalid::from(FieldError::new("amount", "must_be_positive"))));
    }
    let memo = memo.map(str::trim).filter(|m| !m.is_empty());
    if memo.is_some_and(|m| m.chars().count() > 200) {
        return Err(AppError::Invalid(Invalid::from(FieldError::with_param("memo", "too_long", 200))));
    }
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
    let lines =
        postings(Template::Prepayment, amount, false).map_err(|_| AppError::field("amount", "must_be_positive"))?;
    let movement = Movement {
        partner,
        template: Template::Prepayment.as_str(),
        currency: amount.currency,
        postings: lines,
        reference: None,
        memo,
        at_ms: now,
    };
    let entry_id = match post(&mut tx, ctx, &movement).await {
        Ok(id) => id,
        Err(Refused::Overdraft(kind)) => return Err(overdraft_error("amount", kind)),
        Err(Refused::Failed(error)) => return Err(error),
    };
    let view = PrepaymentView {
        entry_id,
        partner_id: partner,
        amount: amount.minor,
        accounts: accounts::partner_accounts(&mut tx, partner).await?,
    };
    audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(now, "prepayment", entry_id, "create", Some(partner), None, Some(&view)),
    )
    .await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// The ledger's invariants, checked over every account: accounts whose balance is not the sum
/// of their postings, and the sum of all postings (zero when every entry balances).
pub async fn check_ledger(app: &App) -> AppResult<(Vec<AccountId>, i64)> {
    let mut tx = app.db().read(&Scope::system("the ledger check reads every account")).await?;
    Ok(accounts::check_ledger(&mut tx).await?)
}
