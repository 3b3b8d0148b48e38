//! Pricing use cases: quoting carts, the promotion book cache, and the price list and promotion
//! editors with their save-time checks.

mod cache;
mod quote;

pub use cache::PricingCache;
pub use quote::{
    AdjustmentView, Draft, DraftList, Explanation, LineRequest, LostView, NudgeView, PriceSourceView, Quote, QuotedItem,
    QuotedLine, buyer_of, quote, quote_preview, resolve_lines,
};
