//! Finance after the order: receipts (回款) allocated to what partners owe, the rest kept as
//! prepaid balance. Every movement is a journal entry through `accounts::post`.

pub mod adjustments;
pub mod aging;
pub mod credit;
pub mod ledger;
pub mod payments;
pub mod receipts;
pub mod statements;

pub use adjustments::{
    AdjustmentDecision, AdjustmentInput, decide_adjustment, get_adjustment, list_adjustments, request_adjustment,
};
pub use aging::{AgingReport, PartnerAging, aging_report};
pub use credit::{CreditStanding, FinanceSettings, credit_standing, finance_settings, update_finance_settings};
pub use ledger::{TrialBalance, trial_balance};
pub use receipts::{
    AllocationInput, ReceiptInput, get_receipt, list_receipts, record_receipt, record_receipt_with_proof,
    upload_receipt_proof,
};
pub use statements::{
    StatementDetail, StatementInput, StatementResponse, get_statement, issue_statement, list_statements,
    respond_statement, statement_xlsx,
};

/// The brand's credit terms in days (`finance.credit_terms_days`), for partners without terms of
/// their own.
pub(crate) async fn default_terms_days(tx: &mut qudao_store::Tx) -> crate::AppResult<i64> {
    let text = qudao_store::settings::get(tx, qudao_store::settings::CREDIT_TERMS_DAYS).await?;
    Ok(text.trim().parse().unwrap_or(30))
}
