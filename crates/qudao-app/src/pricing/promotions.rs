//! The promotion editor: promotions checked against the live ones (`check_promotions`) and saved,
//! listed and shown in the editor's shape (see `promotion_form`), and checked with a sample cart.

use std::collections::HashMap;

use qudao_domain::FieldError;
use qudao_domain::Invalid;
use qudao_domain::access::Permission;
use qudao_domain::ids::PromotionId;
use qudao_domain::pricing::{Promotion, PromotionProblem, check_promotions};
use qudao_store::{Tx, audit, partners, pricing};

use super::editor::{CheckResult, EditorNotice, preview, today};
use super::promotion_form::{
    Names, PromotionCheck, PromotionDetail, PromotionInput, contradiction_field, parse_promotion,
};
use super::quote::Draft;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// Runs the save-time checks against the live promotions other than this one: contradictions
/// refuse the save, a gift loop refuses a promotion that would be live, the rest are notices.
async fn check_promotion(app: &App, tx: &mut Tx, promotion: &Promotion, status: &str) -> AppResult<Vec<EditorNotice>> {
    let mut live = pricing::live_promotions(tx, today(app)).await?;
    live.retain(|p| p.id != promotion.id);
    let codes: HashMap<PromotionId, String> =
        pricing::promotions(tx).await?.into_iter().map(|v| (v.id, v.code)).collect();
    let code_of = |id: &PromotionId| codes.get(id).cloned().unwrap_or_default();
    let mut invalid = Invalid::new();
    let mut notices = Vec::new();
    for problem in check_promotions(promotion, &live) {
        match problem {
            PromotionProblem::Contradiction { what, .. } => invalid.push(contradiction_field(promotion, what)),
            PromotionProblem::GiftLoop { promotions } => {
                let others: Vec<String> = promotions.iter().filter(|p| **p != promotion.id).map(code_of).collect();
                if status == "active" {
                    invalid.push(FieldError::with_param("kind.gift", "gift_loop", others.join(", ")));
                } else {
                    notices.push(EditorNotice { code: "gift_loop".into(), field: "kind.gift".into(), others });
                }
            }
            PromotionProblem::Overlap { other, .. } => notices.push(EditorNotice {
                code: "promotion_overlap".into(),
                field: "kind".into(),
                others: vec![code_of(&other)],
            }),
        }
    }
    invalid.into_result()?;
    Ok(notices)
}

async fn detail(tx: &mut Tx, id: PromotionId, notices: Vec<EditorNotice>) -> AppResult<PromotionDetail> {
    let (view, promotion) = pricing::promotion(tx, id).await?.ok_or(AppError::NotFound)?;
    let mut names = Names::load(tx, &[&promotion]).await?;
    let (form, hidden_partners) = names.form(tx, &view, &promotion).await?;
    Ok(PromotionDetail { id, form, hidden_partners, notices })
}

/// Every promotion in the editor's shape, live ones first.
pub async fn list_promotions(app: &App, ctx: &Ctx) -> AppResult<Vec<PromotionDetail>> {
    ctx.require(Permission::PricingRead)?;
    let mut tx = app.read(ctx).await?;
    let all = pricing::promotions_with_rules(&mut tx).await?;
    let rules: Vec<&Promotion> = all.iter().map(|(_, p)| p).collect();
    let mut names = Names::load(&mut tx, &rules).await?;
    let mut out = Vec::with_capacity(all.len());
    for (view, promotion) in &all {
        let (form, hidden_partners) = names.form(&mut tx, view, promotion).await?;
        out.push(PromotionDetail { id: view.id, form, hidden_partners, notices: Vec::new() });
    }
    Ok(out)
}

/// One promotion in the editor's shape.
pub async fn get_promotion(app: &App, ctx: &Ctx, id: PromotionId) -> AppResult<PromotionDetail> {
    ctx.require(Permission::PricingRead)?;
    let mut tx = app.read(ctx).await?;
    detail(&mut tx, id, Vec::new()).await
}

/// Creates a promotion after the save-time checks; an active one applies at once.
pub async fn create_promotion(
    app: &App,
    ctx: &Ctx,
    input: &PromotionInput,
    idem: Option<&IdemKey>,
) -> AppResult<PromotionDetail> {
    ctx.require(Permission::PricingManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let id = PromotionId::new();
    let (code, status, promotion) = parse_promotion(&mut tx, id, input).await?;
    let notices = check_promotion(app, &mut tx, &promotion, status).await?;
    pricing::insert_promotion(&mut tx, &promotion, &code, status, now)
        .await
        .map_err(|e| AppError::duplicate_as_field(e, &["code"]))?;
    if status == "active" {
        pricing::bump_version(&mut tx, now).await?;
    }
    let (view, _) = pricing::promotion(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit::<(), _>(now, "promotion", id, "create", None, None, Some(&view))).await?;
    let detail = detail(&mut tx, id, notices).await?;
    idempotency::complete(&mut tx, idem, 201, &detail).await?;
    tx.commit().await?;
    Ok(detail)
}

/// Keeps the eligible partners the editor could not see. The form shows only partners inside the
/// caller's territory (see `PromotionDetail::hidden_partners`), so a regional marketer saving it
/// would otherwise drop the other regions' partners without ever having seen them.
async fn keep_hidden_partners(tx: &mut Tx, stored: &Promotion, promotion: &mut Promotion) -> AppResult<()> {
    for partner in &stored.eligibility.partners {
        if !promotion.eligibility.partners.contains(partner) && partners::get(tx, *partner).await?.is_none() {
            promotion.eligibility.partners.push(*partner);
        }
    }
    Ok(())
}

/// Replaces a promotion's definition and status if `input.version` is still current.
/// Activating, changing or ending a live promotion bumps the pricing version.
pub async fn update_promotion(
    app: &App,
    ctx: &Ctx,
    id: PromotionId,
    input: &PromotionInput,
) -> AppResult<PromotionDetail> {
    ctx.require(Permission::PricingManage)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let (before, stored) = pricing::promotion(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let version = input.version.ok_or_else(|| AppError::field("version", "required"))?;
    if version != before.version {
        return Err(AppError::Conflict("stale_version"));
    }
    let (_, status, mut promotion) = parse_promotion(&mut tx, id, input).await?;
    keep_hidden_partners(&mut tx, &stored, &mut promotion).await?;
    let notices = check_promotion(app, &mut tx, &promotion, status).await?;
    if !pricing::update_promotion(&mut tx, &promotion, status, version, now).await? {
        return Err(AppError::Conflict("stale_version"));
    }
    if before.status == "active" || status == "active" {
        pricing::bump_version(&mut tx, now).await?;
    }
    let (after, _) = pricing::promotion(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit(now, "promotion", id, "update", None, Some(&before), Some(&after))).await?;
    let detail = detail(&mut tx, id, notices).await?;
    tx.commit().await?;
    Ok(detail)
}

/// Runs a promotion's save-time checks without saving, and prices the sample cart with the live
/// promotions and with the draft in place of the one it edits. Refused exactly as the save would
/// be.
pub async fn check_promotion_draft(app: &App, ctx: &Ctx, check: &PromotionCheck) -> AppResult<CheckResult> {
    ctx.require(Permission::PricingManage)?;
    let mut tx = app.read(ctx).await?;
    let stored = match check.id {
        Some(id) => Some(pricing::promotion(&mut tx, id).await?.ok_or(AppError::NotFound)?.1),
        None => None,
    };
    let id = stored.as_ref().map_or_else(PromotionId::new, |p| p.id);
    let (_, status, mut promotion) = parse_promotion(&mut tx, id, &check.promotion).await?;
    if let Some(stored) = &stored {
        keep_hidden_partners(&mut tx, stored, &mut promotion).await?;
    }
    let notices = check_promotion(app, &mut tx, &promotion, status).await?;
    let draft = Draft { price_list: None, promotion: Some(promotion) };
    let (before, after) = preview(app, &mut tx, check.sample.as_ref(), &draft).await?;
    Ok(CheckResult { notices, before, after })
}
