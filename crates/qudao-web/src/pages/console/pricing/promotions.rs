//! The promotion editor: what it gives (the fields of each kind), who may benefit and when, on
//! which items, priority and stacking, the per-partner limit, and the sample-cart preview.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::Ctx;
use qudao_app::pricing::{
    self as uc, BundleItemInput, CheckResult, EligibilityInput, ItemScopeInput, PromotionCheck, PromotionInput,
    PromotionKindInput,
};
use qudao_domain::access::Permission;
use qudao_domain::ids::PromotionId;
use qudao_domain::{FieldError, Invalid};

use super::{CheckView, FieldMap, Preview, choices, codes, kind_code, refusal, rows, sample_or_error};
use crate::context::{Authed, RequestContext};
use crate::error::WebResult;
use crate::extract::{Id, PageForm};
use crate::pages::console::products::view::Choice;
use crate::pages::{Chrome, FormState, render, see_other};
use crate::registry::{Effect, ObjectKind, Route, Verb, on};
use crate::state::AppState;

/// The kinds, in the order the select offers them.
const KINDS: &[&str] = &["spend_reduce", "spend_percent", "special_price", "item_discount", "buy_gift", "bundle"];

#[derive(Template)]
#[template(path = "console/pricing_promotion.html")]
struct PromotionEditorPage {
    c: Chrome,
    heading: String,
    action: String,
    id: String,
    new: bool,
    can_manage: bool,
    form: FormState,
    kinds: Vec<Choice>,
    stackings: Vec<Choice>,
    statuses: Vec<Choice>,
    /// Eligible partners the caller cannot see; kept on save.
    hidden_partners: usize,
    notices: Vec<String>,
    preview: Option<Preview>,
}

/// The form field for a use case field (`kind.threshold` is `threshold`, `eligibility.tiers`
/// is `tiers`).
fn rename(field: &str) -> Option<&'static str> {
    let field = ["kind.", "scope.", "eligibility."].iter().find_map(|p| field.strip_prefix(p)).unwrap_or(field);
    Some(match field {
        "code" => "code",
        "name" => "name",
        "kind" => "kind",
        "price" => "price",
        "percent_off_bp" => "percent_off",
        "threshold" => "threshold",
        "off" => "off",
        "buy" => "buy",
        "buy_qty" => "buy_qty",
        "gift" => "gift",
        "gift_qty" => "gift_qty",
        "items" => "items",
        "tiers" => "tiers",
        "regions" => "regions",
        "partners" => "partners",
        "valid_from" => "valid_from",
        "valid_to" => "valid_to",
        "skus" => "skus",
        "products" => "products",
        "categories" => "categories",
        "priority" => "priority",
        "stacking" => "stacking",
        "limit_per_partner" => "limit_per_partner",
        "status" => "status",
        _ => return None,
    })
}

/// Percent as typed ("10", "12.5") in basis points; -1 when it is not a number with at most two
/// decimals, so the use case reports it as out of range.
fn basis_points(text: &str) -> i64 {
    let text = text.trim().trim_end_matches('%');
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || fraction.len() > 2 || !(whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())) {
        return -1;
    }
    let whole: i64 = whole.parse().unwrap_or(-1);
    let fraction: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    if (0..=100).contains(&whole) { whole * 100 + fraction } else { -1 }
}

/// Basis points as people type percent: 1000 → "10", 1250 → "12.5".
fn percent(bp: i64) -> String {
    let text = format!("{}.{:02}", bp / 100, bp % 100);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A whole number field; 0 when blank or not a number, so the use case reports it.
fn whole(form: &FormState, name: &str) -> i64 {
    form.value(name).trim().parse().unwrap_or(0)
}

/// The bundle's "SKU quantity" lines and the line each came from.
fn bundle_items(form: &FormState) -> (Vec<BundleItemInput>, Vec<usize>) {
    rows(form.value("items"))
        .into_iter()
        .map(|(n, words)| {
            let quantity = words.get(1).and_then(|q| q.parse().ok()).unwrap_or(0);
            (BundleItemInput { sku: words[0].to_string(), quantity }, n)
        })
        .unzip()
}

/// The form as the use case takes it, or the kind's error when no kind was chosen.
fn input(form: &FormState) -> Result<PromotionInput, Invalid> {
    let text = |name: &str| form.value(name).trim().to_string();
    let repeat = form.is("repeat", "on");
    let kind = match form.value("kind").trim() {
        "special_price" => PromotionKindInput::SpecialPrice { price: text("price") },
        "item_discount" => PromotionKindInput::ItemDiscount { percent_off_bp: basis_points(form.value("percent_off")) },
        "spend_reduce" => PromotionKindInput::SpendReduce { threshold: text("threshold"), off: text("off"), repeat },
        "spend_percent" => PromotionKindInput::SpendPercent {
            threshold: text("threshold"),
            percent_off_bp: basis_points(form.value("percent_off")),
        },
        "buy_gift" => PromotionKindInput::BuyGift {
            buy: text("buy"),
            buy_qty: whole(form, "buy_qty"),
            gift: text("gift"),
            gift_qty: whole(form, "gift_qty"),
            repeat,
        },
        "bundle" => PromotionKindInput::Bundle { items: bundle_items(form).0, price: text("price") },
        _ => {
            let mut invalid = Invalid::new();
            invalid.push(FieldError::with_param("kind", "not_one_of", KINDS.join(", ")));
            return Err(invalid);
        }
    };
    let limit = text("limit_per_partner");
    Ok(PromotionInput {
        code: text("code"),
        name: text("name"),
        kind,
        eligibility: EligibilityInput {
            tiers: codes(form.value("tiers")),
            regions: codes(form.value("regions")),
            partners: codes(form.value("partners")),
            valid_from: text("valid_from"),
            valid_to: text("valid_to"),
        },
        scope: ItemScopeInput {
            skus: codes(form.value("skus")),
            products: codes(form.value("products")),
            categories: codes(form.value("categories")),
        },
        // Out of range when not a number, so the use case names it.
        priority: if text("priority").is_empty() { 0 } else { text("priority").parse().unwrap_or(-1) },
        stacking: text("stacking"),
        limit_per_partner: if limit.is_empty() { None } else { Some(limit.parse().unwrap_or(0)) },
        status: text("status"),
        version: text("version").parse().ok(),
    })
}

/// A stored promotion's values for the form.
fn values_of(p: &PromotionInput) -> FormState {
    let mut form = FormState::with_values([
        ("code", p.code.clone()),
        ("name", p.name.clone()),
        ("kind", kind_code(&p.kind).to_string()),
        ("tiers", p.eligibility.tiers.join(", ")),
        ("regions", p.eligibility.regions.join(", ")),
        ("partners", p.eligibility.partners.join(", ")),
        ("valid_from", p.eligibility.valid_from.clone()),
        ("valid_to", p.eligibility.valid_to.clone()),
        ("skus", p.scope.skus.join(", ")),
        ("products", p.scope.products.join(", ")),
        ("categories", p.scope.categories.join(", ")),
        ("priority", p.priority.to_string()),
        ("stacking", p.stacking.clone()),
        ("limit_per_partner", p.limit_per_partner.map(|l| l.to_string()).unwrap_or_default()),
        ("status", p.status.clone()),
        ("version", p.version.map(|v| v.to_string()).unwrap_or_default()),
    ]);
    let mut repeat = false;
    match &p.kind {
        PromotionKindInput::SpecialPrice { price } => form.set("price", price.clone()),
        PromotionKindInput::ItemDiscount { percent_off_bp } => form.set("percent_off", percent(*percent_off_bp)),
        PromotionKindInput::SpendReduce { threshold, off, repeat: r } => {
            form.set("threshold", threshold.clone());
            form.set("off", off.clone());
            repeat = *r;
        }
        PromotionKindInput::SpendPercent { threshold, percent_off_bp } => {
            form.set("threshold", threshold.clone());
            form.set("percent_off", percent(*percent_off_bp));
        }
        PromotionKindInput::BuyGift { buy, buy_qty, gift, gift_qty, repeat: r } => {
            form.set("buy", buy.clone());
            form.set("buy_qty", buy_qty.to_string());
            form.set("gift", gift.clone());
            form.set("gift_qty", gift_qty.to_string());
            repeat = *r;
        }
        PromotionKindInput::Bundle { items, price } => {
            let lines: Vec<String> = items.iter().map(|i| format!("{} {}", i.sku, i.quantity)).collect();
            form.set("items", lines.join("\n"));
            form.set("price", price.clone());
        }
    }
    if repeat {
        form.set("repeat", "on");
    }
    form
}

/// Where entry `index` of a many-valued field was typed: a line of the bundle, or the n-th code
/// of a list.
fn place_in(form: &FormState) -> impl Fn(&str, usize) -> (&'static str, usize) + '_ {
    move |field, index| match field {
        "kind.items" => ("pricing.line", bundle_items(form).1.get(index).copied().unwrap_or(index + 1)),
        _ => ("pricing.item", index + 1),
    }
}

#[expect(clippy::too_many_arguments, reason = "one page, re-rendered from six handlers with their own parts")]
async fn editor(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    id: Option<PromotionId>,
    form: FormState,
    hidden_partners: usize,
    check: Option<CheckResult>,
    status: StatusCode,
) -> WebResult<Response> {
    let mut c = Chrome::new(state, context, "pricing.promotion.title", "/console/pricing").await;
    let heading = match id {
        Some(_) => format!("{} {}", c.t("pricing.promotion.title"), form.value("code")),
        None => c.t("pricing.promotion.new").to_string(),
    };
    c.title = heading.clone();
    let check = check.map(|result| CheckView::of(&c, &result, &place_in(&form))).unwrap_or_else(CheckView::empty);
    let template = PromotionEditorPage {
        action: id
            .map(|id| format!("/console/pricing/promotions/{id}"))
            .unwrap_or_else(|| "/console/pricing/promotions".into()),
        id: id.map(|id| id.to_string()).unwrap_or_default(),
        new: id.is_none(),
        can_manage: ctx.caller().may(Permission::PricingManage),
        kinds: choices(&c, "pricing.kind.", KINDS, form.value("kind")),
        stackings: choices(&c, "pricing.stacking.", &["stackable", "exclusive"], form.value("stacking")),
        statuses: choices(&c, "pricing.status.", &["draft", "active", "ended"], form.value("status")),
        hidden_partners,
        notices: check.notices,
        preview: check.preview,
        heading,
        form,
        c,
    };
    Ok(render(status, &template))
}

async fn new_promotion(State(state): State<AppState>, Authed(ctx, context): Authed) -> WebResult<Response> {
    let form = FormState::with_values([
        ("kind", "spend_reduce"),
        ("stacking", "stackable"),
        ("status", "draft"),
        ("priority", "10"),
    ]);
    editor(&state, &ctx, &context, None, form, 0, None, StatusCode::OK).await
}

/// The promotion as stored, with what its checks say against what is live now.
async fn show_promotion(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PromotionId>,
) -> WebResult<Response> {
    let detail = uc::get_promotion(state.app(), &ctx, id).await?;
    let form = values_of(&detail.form);
    let mut check = None;
    if ctx.caller().may(Permission::PricingManage) {
        let request = PromotionCheck { id: Some(id), promotion: detail.form, sample: None };
        check = uc::check_promotion_draft(state.app(), &ctx, &request).await.ok();
    }
    editor(&state, &ctx, &context, Some(id), form, detail.hidden_partners, check, StatusCode::OK).await
}

/// Re-renders the form with a refusal's errors on their fields.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    context: &RequestContext,
    id: Option<PromotionId>,
    mut form: FormState,
    error: qudao_app::AppError,
    sample_lines: &[usize],
) -> WebResult<Response> {
    let typed = form.clone();
    let place = place_in(&typed);
    let map = FieldMap { rename: &rename, lines: &place };
    let status = refusal(&mut form, context, error, &map, sample_lines)?;
    editor(state, ctx, context, id, form, 0, None, status).await
}

async fn create_promotion(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = FormState::with_values(fields);
    let result = match input(&form) {
        Ok(input) => uc::create_promotion(state.app(), &ctx, &input, None).await,
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(detail) => Ok(see_other(&format!("/console/pricing/promotions/{}", detail.id), Some("pricing.saved"))),
        Err(error) => refused(&state, &ctx, &context, None, form, error, &[]).await,
    }
}

async fn update_promotion(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    Id(id): Id<PromotionId>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = FormState::with_values(fields);
    let result = match input(&form) {
        Ok(input) => uc::update_promotion(state.app(), &ctx, id, &input).await,
        // A promotion that does not exist (or is not the caller's to see) is "not found" whatever
        // was typed, exactly as the use case answers.
        Err(invalid) => uc::get_promotion(state.app(), &ctx, id).await.and(Err(invalid.into())),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/console/pricing/promotions/{id}"), Some("pricing.saved"))),
        Err(error) => refused(&state, &ctx, &context, Some(id), form, error, &[]).await,
    }
}

/// Checks the draft and prices the sample cart before and after, saving nothing.
async fn preview_promotion(
    State(state): State<AppState>,
    Authed(ctx, context): Authed,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let form = FormState::with_values(fields);
    let id: Option<PromotionId> = form.value("id").trim().parse().ok();
    let (sample, sample_lines) = match sample_or_error(&form) {
        Ok(Some((cart, numbers))) => (Some(cart), numbers),
        Ok(None) => (None, Vec::new()),
        Err(invalid) => return refused(&state, &ctx, &context, id, form, invalid.into(), &[]).await,
    };
    let result = match input(&form) {
        Ok(promotion) => uc::check_promotion_draft(state.app(), &ctx, &PromotionCheck { id, promotion, sample }).await,
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(result) => editor(&state, &ctx, &context, id, form, 0, Some(result), StatusCode::OK).await,
        Err(error) => refused(&state, &ctx, &context, id, form, error, &sample_lines).await,
    }
}

const PROMOTION: &[(&str, ObjectKind)] = &[("id", ObjectKind::Promotion)];

/// The routes.
pub const ROUTES: &[Route] = &[
    Route::page(Verb::Get, "/console/pricing/promotions/new", Permission::PricingManage, "A new promotion", |v| {
        on(v, new_promotion)
    }),
    Route::page(Verb::Post, "/console/pricing/promotions", Permission::PricingManage, "Create a promotion", |v| {
        on(v, create_promotion)
    })
    .effect(Effect::Create),
    Route::page(
        Verb::Post,
        "/console/pricing/promotions/preview",
        Permission::PricingManage,
        "Check a draft promotion and price a sample cart before and after, saving nothing",
        |v| on(v, preview_promotion),
    ),
    Route::page(
        Verb::Get,
        "/console/pricing/promotions/{id}",
        Permission::PricingRead,
        "A promotion in the editor, with what its checks find against the live promotions",
        |v| on(v, show_promotion),
    )
    .params(PROMOTION),
    Route::page(Verb::Post, "/console/pricing/promotions/{id}", Permission::PricingManage, "Save a promotion", |v| {
        on(v, update_promotion)
    })
    .params(PROMOTION)
    .effect(Effect::Change),
];

#[cfg(test)]
mod tests {
    use super::{basis_points, percent};

    #[test]
    fn percent_and_basis_points_round_trip() {
        for (typed, bp) in [("10", 1000), ("12.5", 1250), ("0.01", 1), ("100", 10_000), ("7%", 700)] {
            assert_eq!(basis_points(typed), bp, "{typed}");
        }
        for bad in ["", "abc", "1.234", "101", "-5", "1,5"] {
            assert_eq!(basis_points(bad), -1, "{bad}");
        }
        assert_eq!(percent(1000), "10");
        assert_eq!(percent(1250), "12.5");
        assert_eq!(percent(1), "0.01");
    }
}
