//! Partner accounts as a double-entry ledger.
//!
//! Money never lives in a balance field that is edited: every movement is a journal entry whose
//! postings sum to zero, and a balance is the sum of its account's postings. The store keeps a
//! running balance beside each account only to guard against overdrafts in one statement, and
//! tests check that it always equals the sum of the journal.
//!
//! Postings are in minor units: positive is a debit, negative a credit. Per partner there are
//! three accounts, and the brand has its own:
//!
//! | account | normal side | balance means |
//! |---|---|---|
//! | receivable (信用/应收) | debit | what the partner owes on credit; may not exceed its credit line |
//! | prepaid (预付款) | credit | money the partner paid in advance (shown as a positive amount) |
//! | rebate (返利) | credit | rebate the partner can spend |
//! | sales (brand) | credit | revenue |
//! | cash (brand) | debit | money received |
//! | adjustment (brand) | debit | what manual adjustments gave partners (write-offs, goodwill) |

mod posting;

pub use posting::{AccountKind, Posting, PostingError, Template, postings};
