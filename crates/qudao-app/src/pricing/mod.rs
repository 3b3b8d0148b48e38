//! Pricing use cases: quoting carts, the promotion book cache, and the price list and promotion
//! editors with their save-time checks.

mod cache;
mod editor;
mod promotion_form;
mod promotions;
mod quote;

pub use cache::PricingCache;
pub use editor::{
    CheckResult, EditorNotice, PriceEntryInput, PriceListCheck, PriceListDetail, PriceListInput, PriceListSummary,
    SampleCart, check_price_list, create_price_list, get_price_list, list_price_lists, price_list_overview,
    update_price_list,
};
pub use promotion_form::{
    BundleItemInput, EligibilityInput, ItemScopeInput, PromotionCheck, PromotionDetail, PromotionInput,
    PromotionKindInput,
};
pub use promotions::{check_promotion_draft, create_promotion, get_promotion, list_promotions, update_promotion};
pub use quote::{
    AdjustmentView, Draft, DraftList, Explanation, LineRequest, LostView, NudgeView, PriceSourceView, Quote,
    QuotedItem, QuotedLine, buyer_of, quote, quote_preview, resolve_lines,
};
pub(crate) use quote::{Reads, explain, line_codes, quote_with_entries, resolve_found};
