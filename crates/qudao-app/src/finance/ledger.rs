//! The trial balance, for brand finance and the invariant checks.

use qudao_domain::access::{DataScope, Permission};
use qudao_store::accounts;
use qudao_store::finance::ledger::{self, TrialLine};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError, AppResult, Ctx};

/// The trial balance with its checks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialBalance {
    /// Per account kind and currency.
    pub lines: Vec<TrialLine>,
    /// Debits minus credits over every line: zero, always (each entry balances).
    pub difference: i64,
    /// Accounts whose running balance is not the sum of their postings: none, always.
    pub accounts_out_of_step: usize,
}

/// The brand-wide trial balance (brand users who see every partner: it sums them all).
pub async fn trial_balance(app: &App, ctx: &Ctx, until_ms: Option<i64>) -> AppResult<TrialBalance> {
    ctx.require(Permission::AccountsRead)?;
    if !matches!(ctx.caller().data_scope(), DataScope::AllPartners) {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.read(ctx).await?;
    let lines = ledger::trial_balance(&mut tx, until_ms).await?;
    let difference = lines.iter().map(|l| l.debit - l.credit).sum();
    let (out_of_step, _) = accounts::check_ledger(&mut tx).await?;
    Ok(TrialBalance { lines, difference, accounts_out_of_step: out_of_step.len() })
}
