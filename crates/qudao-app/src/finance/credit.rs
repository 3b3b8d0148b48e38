//! Credit terms and the credit hold (信用冻结): the brand's finance settings, a partner's credit
//! standing, and the check checkout makes before an order is priced.

use qudao_domain::access::Permission;
use qudao_domain::finance::credit::check_terms;
use qudao_domain::finance::{Buckets, Hold, HoldPolicy};
use qudao_domain::ids::PartnerId;
use qudao_domain::money::{Currency, Money};
use qudao_domain::{FieldError, Invalid};
use qudao_store::finance::receipts;
use qudao_store::{Tx, audit, partners, settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, Ctx};

/// The brand's finance settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FinanceSettings {
    /// Days a credit order may stay unpaid after approval (账期), for partners without their own.
    pub credit_terms_days: i64,
    /// Yuan overdue above which a partner may not order (`"0.00"`: any overdue amount holds);
    /// `null`: no credit hold.
    pub credit_hold_overdue: Option<String>,
}

/// The finance settings (anyone who reads accounts: the portal explains a hold with them).
pub async fn finance_settings(app: &App, ctx: &Ctx) -> AppResult<FinanceSettings> {
    ctx.require(Permission::AccountsRead)?;
    let mut tx = app.read(ctx).await?;
    read_settings(&mut tx).await
}

async fn read_settings(tx: &mut Tx) -> AppResult<FinanceSettings> {
    let snapshot = settings::snapshot(tx).await?;
    Ok(FinanceSettings {
        credit_terms_days: snapshot.number(settings::CREDIT_TERMS_DAYS).unwrap_or(30),
        credit_hold_overdue: snapshot
            .number(settings::CREDIT_HOLD_OVERDUE)
            .map(|fen| Money::new(fen, Currency::CNY).to_decimal_string()),
    })
}

/// Changes the finance settings (brand finance). A new hold threshold applies to the next order
/// placed: the ordering snapshot follows every settings change.
pub async fn update_finance_settings(app: &App, ctx: &Ctx, new: &FinanceSettings) -> AppResult<FinanceSettings> {
    ctx.require(Permission::FinanceManage)?;
    let mut invalid = Invalid::new();
    let terms = invalid.check(check_terms("credit_terms_days", new.credit_terms_days));
    let hold = match new.credit_hold_overdue.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Some(None),
        Some(text) => match invalid.check(Money::parse_major("credit_hold_overdue", text, Currency::CNY)) {
            Some(m) if m.minor < 0 => {
                invalid.push(FieldError::new("credit_hold_overdue", "must_not_be_negative"));
                None
            }
            Some(m) => Some(Some(m.minor)),
            None => None,
        },
    };
    invalid.into_result()?;
    let (Some(terms), Some(hold)) = (terms, hold) else {
        return Err(AppError::Internal("checked finance settings".into()));
    };
    let now = app.now_ms();
    let by = Some(ctx.caller().user_id());
    let mut tx = app.write(ctx).await?;
    let before = read_settings(&mut tx).await?;
    settings::set(&mut tx, settings::CREDIT_TERMS_DAYS, &terms.to_string(), now, by).await?;
    let hold_text = hold.map(|fen| fen.to_string()).unwrap_or_default();
    settings::set(&mut tx, settings::CREDIT_HOLD_OVERDUE, &hold_text, now, by).await?;
    let after = read_settings(&mut tx).await?;
    audit::insert(&mut tx, &ctx.audit(now, "settings", "finance", "update", None, Some(&before), Some(&after))).await?;
    tx.commit().await?;
    Ok(after)
}

/// A partner's credit standing: what it owes by age and whether it is held.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct CreditStanding {
    /// The partner.
    pub partner_id: PartnerId,
    /// Its terms in days (its own, or the brand's).
    pub terms_days: i64,
    /// What it owes on credit by days past due, fen.
    pub owing: Buckets,
    /// Everything past due, fen.
    pub overdue: i64,
    /// Whether it may not order now.
    pub on_hold: bool,
    /// The least payment that lifts the hold, fen (0 when not held).
    pub to_release: i64,
    /// The brand's threshold, fen; none when the brand holds no one.
    pub hold_overdue_above: Option<i64>,
}

/// A visible partner's credit standing now.
pub async fn credit_standing(app: &App, ctx: &Ctx, partner: PartnerId) -> AppResult<CreditStanding> {
    ctx.require(Permission::AccountsRead)?;
    let now = app.now_ms();
    let mut tx = app.read(ctx).await?;
    partners::get(&mut tx, partner).await?.ok_or(AppError::NotFound)?;
    let snapshot = settings::snapshot(&mut tx).await?;
    let policy = HoldPolicy { overdue_above: snapshot.number(settings::CREDIT_HOLD_OVERDUE) };
    let default_terms = snapshot.number(settings::CREDIT_TERMS_DAYS).unwrap_or(30);
    let own_terms = qudao_store::accounts::partner_accounts(&mut tx, partner)
        .await?
        .into_iter()
        .find(|a| a.kind == "receivable")
        .and_then(|a| a.terms_days);
    let owing = owing_buckets(&mut tx, partner, default_terms, now).await?;
    let hold = policy.hold(&owing);
    Ok(CreditStanding {
        partner_id: partner,
        terms_days: own_terms.unwrap_or(default_terms),
        overdue: owing.overdue(),
        owing,
        on_hold: hold.is_some(),
        to_release: hold.map_or(0, |h| h.to_release),
        hold_overdue_above: policy.overdue_above,
    })
}

/// What `partner` owes on credit, by days past due at `now`.
async fn owing_buckets(tx: &mut Tx, partner: PartnerId, default_terms: i64, now: i64) -> AppResult<Buckets> {
    let mut buckets = Buckets::default();
    for o in receipts::owing(tx, Some(partner)).await? {
        buckets.add(o.owing, o.due_ms(default_terms), now);
    }
    Ok(buckets)
}

/// Checkout's question: is the caller's partner held? Checkout prices from a cached snapshot of
/// the settings; a snapshot without a threshold costs nothing here (were it outdated, the order
/// desk finds so and the order is priced again from a fresh one). With a threshold, the settings
/// are read again beside the journal, so a refusal is never made on an outdated rule.
pub(crate) async fn hold_of(
    app: &App,
    ctx: &Ctx,
    partner: PartnerId,
    snapshot: &settings::Snapshot,
    now: i64,
) -> AppResult<Option<Hold>> {
    if snapshot.number(settings::CREDIT_HOLD_OVERDUE).is_none() {
        return Ok(None);
    }
    let mut tx = app.read(ctx).await?;
    let current = settings::snapshot(&mut tx).await?;
    let policy = HoldPolicy { overdue_above: current.number(settings::CREDIT_HOLD_OVERDUE) };
    if policy.overdue_above.is_none() {
        return Ok(None);
    }
    let default_terms = current.number(settings::CREDIT_TERMS_DAYS).unwrap_or(30);
    let owing = owing_buckets(&mut tx, partner, default_terms, now).await?;
    Ok(policy.hold(&owing))
}

/// The refusal a held partner gets: what is overdue and what lifts the hold.
pub(crate) fn hold_error(hold: Hold) -> AppError {
    AppError::Invalid(Invalid::from(FieldError::with_param(
        "payment",
        "credit_hold",
        Money::new(hold.to_release, Currency::CNY).to_decimal_string(),
    )))
}
