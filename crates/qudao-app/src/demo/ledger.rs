//! The partners' money over the demo history, as double-entry journal entries.
//!
//! How the history is paid, and why: orders older than a month were settled by offline transfer
//! (posted when finance confirmed it: cash in, sales) or from the prepaid balance that some
//! partners top up every month; credit lines (by tier) carry only the last month's orders, the
//! 账期 not yet due. Qudao has no receipt (回款) movement yet that would pay a receivable back,
//! so older credit orders would pile up past every credit line; with transfers and prepayments
//! every balance is the sum of its entries and no credit line is ever exceeded. Platinum, gold
//! and silver partners earn a quarterly rebate on their purchases and spend some of it on later
//! orders (up to the brand's 10% share). Balances are followed in memory as entries are made,
//! so no account is ever overdrawn at any moment of the history.

use qudao_domain::accounts::{AccountKind, Posting, Template, postings};
use qudao_domain::money::{Currency, Money};
use qudao_domain::orders::{PaymentSplit, order_postings};

/// One partner's balances as people read them, and what drives its top-ups and rebates.
#[derive(Debug, Clone, Default)]
pub(crate) struct Balances {
    /// Its credit line, fen.
    pub credit_line: i64,
    /// What it owes on credit.
    pub receivable: i64,
    /// Its prepaid money.
    pub prepaid: i64,
    /// Its rebate.
    pub rebate: i64,
    /// Spent from prepaid this month (sizes next month's top-up).
    pub prepaid_this_month: i64,
    /// Spent from prepaid last month.
    pub prepaid_last_month: i64,
    /// Net purchases this quarter (its rebate base).
    pub quarter_purchases: i64,
}

/// An entry to write: the partner's index, template, the order it is about, memo, time and
/// postings by account kind.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub partner: usize,
    pub template: &'static str,
    pub order: Option<String>,
    pub memo: Option<String>,
    pub at_ms: i64,
    pub postings: Vec<Posting>,
}

/// Entries of one business movement for `amount` fen.
fn movement(template: Template, amount: i64, reverse: bool) -> Vec<Posting> {
    postings(template, Money::new(amount, Currency::CNY), reverse).unwrap_or_default()
}

impl Balances {
    /// The monthly top-up of a partner that prepays: last month's spending and a fifth more,
    /// rounded up to ¥10,000, at least ¥20,000.
    pub(crate) fn top_up(&mut self, partner: usize, at_ms: i64) -> Entry {
        let wanted = self.prepaid_last_month * 6 / 5;
        let amount = ((wanted + 999_999) / 1_000_000 * 1_000_000).max(2_000_000);
        self.prepaid += amount;
        Entry {
            partner,
            template: Template::Prepayment.as_str(),
            order: None,
            memo: Some("月度预付款（银行转账）".to_string()),
            at_ms,
            postings: movement(Template::Prepayment, amount, false),
        }
    }

    /// The quarterly rebate on last quarter's purchases at `per_mille`, if worth ¥100 or more.
    pub(crate) fn grant_rebate(&mut self, partner: usize, per_mille: i64, quarter: &str, at_ms: i64) -> Option<Entry> {
        let amount = self.quarter_purchases * per_mille / 1_000;
        self.quarter_purchases = 0;
        if amount < 10_000 {
            return None;
        }
        self.rebate += amount;
        // A grant is the reverse of paying from rebate: the brand's sales give it, the
        // partner's rebate account receives it.
        Some(Entry {
            partner,
            template: "rebate_grant",
            order: None,
            memo: Some(format!("{quarter} 季度返利")),
            at_ms,
            postings: movement(Template::PayFromRebate, amount, true),
        })
    }

    /// Takes a payment: `rebate` from the rebate balance, the rest by `method` (`credit`,
    /// `prepaid` or `transfer`); the caller chose a method the balances allow.
    pub(crate) fn pay(&mut self, total: i64, method: &str, rebate: i64) -> PaymentSplit {
        let rest = total - rebate;
        self.rebate -= rebate;
        let mut split = PaymentSplit { rebate, ..PaymentSplit::default() };
        match method {
            "credit" => {
                self.receivable += rest;
                split.credit = rest;
            }
            "prepaid" => {
                self.prepaid -= rest;
                self.prepaid_this_month += rest;
                split.prepaid = rest;
            }
            _ => split.transfer = rest,
        }
        self.quarter_purchases += total;
        split
    }

    /// Gives `back` to the accounts it came from (a cancellation or a refund); a confirmed
    /// transfer comes back as prepaid money.
    pub(crate) fn refund(&mut self, back: &PaymentSplit) {
        self.receivable -= back.credit;
        self.prepaid += back.prepaid + back.transfer;
        self.rebate += back.rebate;
        self.quarter_purchases -= back.total();
    }

    /// Whether `amount` more fits the credit line.
    pub(crate) fn credit_allows(&self, amount: i64) -> bool {
        self.receivable + amount <= self.credit_line
    }
}

/// The payment's entry at placing (credit, prepaid and rebate parts; a transfer posts nothing
/// until confirmed).
pub(crate) fn payment(partner: usize, order: &str, split: &PaymentSplit, at_ms: i64) -> Option<Entry> {
    let paid = PaymentSplit { transfer: 0, ..*split };
    let lines = order_postings(&paid, false);
    (!lines.is_empty()).then(|| Entry {
        partner,
        template: "order_payment",
        order: Some(order.to_string()),
        memo: None,
        at_ms,
        postings: lines,
    })
}

/// Finance saw the transfer arrive: cash in, sales (as `confirm_transfer` posts it).
pub(crate) fn transfer_received(partner: usize, order: &str, amount: i64, at_ms: i64) -> Option<Entry> {
    (amount > 0).then(|| Entry {
        partner,
        template: "transfer_received",
        order: Some(order.to_string()),
        memo: None,
        at_ms,
        postings: vec![
            Posting { account: AccountKind::Cash, amount },
            Posting { account: AccountKind::Sales, amount: -amount },
        ],
    })
}

/// Money going back (`order_cancel`, `order_return`), by the reverse of the payment postings,
/// a confirmed transfer to the prepaid balance (as the use cases refund it).
pub(crate) fn refund(
    partner: usize,
    template: &'static str,
    order: &str,
    back: &PaymentSplit,
    memo: Option<String>,
    at_ms: i64,
) -> Option<Entry> {
    let to =
        PaymentSplit { credit: back.credit, prepaid: back.prepaid + back.transfer, rebate: back.rebate, transfer: 0 };
    let lines = order_postings(&to, true);
    (!lines.is_empty()).then(|| Entry {
        partner,
        template,
        order: Some(order.to_string()),
        memo,
        at_ms,
        postings: lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_follow_the_entries_and_every_entry_balances() {
        let mut b = Balances { credit_line: 100_000, ..Balances::default() };
        let top = b.top_up(0, 1);
        assert_eq!(b.prepaid, 2_000_000);
        let split = b.pay(50_000, "prepaid", 0);
        assert_eq!((split.prepaid, b.prepaid, b.prepaid_this_month), (50_000, 1_950_000, 50_000));
        assert!(b.credit_allows(100_000) && !b.credit_allows(100_001));
        let credit = b.pay(80_000, "credit", 0);
        b.refund(&credit);
        assert_eq!(b.receivable, 0);
        b.quarter_purchases = 2_000_000;
        let grant = b.grant_rebate(0, 20, "2026Q3", 2).unwrap();
        assert_eq!(b.rebate, 40_000);
        let entries = [
            top,
            grant,
            payment(0, "o", &split, 3).unwrap(),
            refund(0, "order_cancel", "o", &credit, None, 4).unwrap(),
            transfer_received(0, "o", 10, 5).unwrap(),
        ];
        for e in &entries {
            assert_eq!(e.postings.iter().map(|p| p.amount).sum::<i64>(), 0, "{e:?}");
        }
        let rebate: i64 =
            entries[1].postings.iter().filter(|p| p.account == AccountKind::Rebate).map(|p| p.amount).sum();
        assert_eq!(AccountKind::Rebate.shown(rebate), 40_000);
        assert!(payment(0, "o", &PaymentSplit { transfer: 5, ..PaymentSplit::default() }, 1).is_none());
    }
}
