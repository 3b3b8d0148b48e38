//! Creating and editing partners, and moving them through their lifecycle.

use qudao_domain::access::{DataScope, Permission};
use qudao_domain::ids::PartnerId;
use qudao_domain::integration::EventType;
use qudao_domain::partners::{PartnerDraft, PartnerInput, PartnerStatus};
use qudao_domain::{FieldError, Invalid, docnum, text};
use qudao_store::partners::{self, NewPartner, PartnerChanges, PartnerView};
use qudao_store::{Tx, audit, counters};

use super::resolve::resolve;
use crate::idempotency::{self, IdemKey};
use crate::{App, AppError, AppResult, Ctx};

/// The search key of a partner: its names, code and credit code.
pub(crate) fn partner_search_key(draft: &PartnerDraft, code: &str) -> String {
    let credit = draft.credit_code.as_ref().map(|c| c.as_str().to_string()).unwrap_or_default();
    text::search_key(&[
        &draft.name,
        draft.name_en.as_deref().unwrap_or(""),
        draft.short_name.as_deref().unwrap_or(""),
        code,
        &credit,
    ])
}

/// Inserts a checked draft in `tx`: assigns the next `P-000123` code and writes the audit row.
pub(crate) async fn insert_partner(tx: &mut Tx, ctx: &Ctx, draft: &PartnerDraft, now: i64) -> AppResult<PartnerView> {
    let mut invalid = Invalid::new();
    let Some(found) = resolve(tx, draft, &mut invalid).await? else {
        return Err(AppError::Invalid(invalid));
    };
    let code = docnum::format_code("P", counters::next(tx, "partner").await?);
    let id = PartnerId::new();
    partners::insert(
        tx,
        &NewPartner {
            id,
            code: code.clone(),
            name: draft.name.clone(),
            name_en: draft.name_en.clone(),
            short_name: draft.short_name.clone(),
            kind: draft.kind,
            tier_id: found.tier.id,
            region_id: found.region.id,
            region_path: found.region.path.clone(),
            parent_id: found.parent.as_ref().map(|p| p.id),
            credit_code: draft.credit_code.as_ref().map(|c| c.as_str().to_string()),
            status: draft.status,
            remark: draft.remark.clone(),
            search_key: partner_search_key(draft, &code),
            now_ms: now,
        },
    )
    .await
    .map_err(|e| AppError::duplicate_as_field(e, &["credit_code", "code"]))?;
    qudao_store::accounts::ensure_partner_accounts(tx, id, qudao_domain::money::Currency::CNY.code(), now).await?;
    let view = partners::get(tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(tx, &ctx.audit::<(), _>(now, "partner", id, "create", Some(id), None, Some(&view))).await?;
    partner_event(tx, EventType::PartnerCreated, &view, None, now).await?;
    Ok(view)
}

/// Creates a partner. A channel manager can only create partners inside their regions.
pub async fn create_partner(
    app: &App,
    ctx: &Ctx,
    input: &PartnerInput,
    idem: Option<&IdemKey>,
) -> AppResult<PartnerView> {
    ctx.require(Permission::PartnersWrite)?;
    let draft = PartnerDraft::parse(input)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let view = insert_partner(&mut tx, ctx, &draft, now).await?;
    idempotency::complete(&mut tx, idem, 201, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// The fields of an existing partner as input, so an edit can overlay only what changed.
fn as_input(p: &PartnerView) -> PartnerInput {
    PartnerInput {
        name: Some(p.name.clone()),
        name_en: p.name_en.clone(),
        short_name: p.short_name.clone(),
        kind: Some(p.kind.as_str().to_string()),
        tier: Some(p.tier.code.clone()),
        region: Some(p.region.code.clone()),
        parent: p.parent.as_ref().map(|p| p.code.clone()),
        credit_code: p.credit_code.clone(),
        status: Some(p.status.as_str().to_string()),
        remark: p.remark.clone(),
    }
}

/// A partial edit: each `Some` replaces the field (an empty string clears an optional one).
#[derive(Debug, Clone, Default)]
pub struct PartnerEdit {
    /// The version the editor saw; the edit fails if someone changed the partner since.
    pub version: Option<i64>,
    /// Changed fields.
    pub fields: PartnerInput,
}

/// Edits a partner. Status is not editable here (see [`change_status`]), nor is the code.
pub async fn update_partner(app: &App, ctx: &Ctx, id: PartnerId, edit: &PartnerEdit) -> AppResult<PartnerView> {
    ctx.require(Permission::PartnersWrite)?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = partners::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if edit.version.is_some_and(|v| v != before.version) {
        return Err(AppError::Conflict("stale_version"));
    }
    let mut input = as_input(&before);
    let f = &edit.fields;
    let overlay = |current: &mut Option<String>, new: &Option<String>| {
        if let Some(value) = new {
            *current = Some(value.clone());
        }
    };
    overlay(&mut input.name, &f.name);
    overlay(&mut input.name_en, &f.name_en);
    overlay(&mut input.short_name, &f.short_name);
    overlay(&mut input.kind, &f.kind);
    overlay(&mut input.tier, &f.tier);
    overlay(&mut input.region, &f.region);
    overlay(&mut input.parent, &f.parent);
    overlay(&mut input.credit_code, &f.credit_code);
    overlay(&mut input.remark, &f.remark);
    let draft = PartnerDraft::parse(&input)?;
    let mut invalid = Invalid::new();
    if draft.parent_code.as_deref() == Some(before.code.as_str()) {
        invalid.push(FieldError::new("parent", "parent_is_self"));
    }
    // The credit code check below must not trip over the partner's own code.
    let mut unchanged_code = draft.clone();
    if unchanged_code.credit_code.as_ref().map(|c| c.as_str()) == before.credit_code.as_deref() {
        unchanged_code.credit_code = None;
    }
    let found = super::resolve::resolve(&mut tx, &unchanged_code, &mut invalid).await?;
    let Some(found) = found.filter(|_| invalid.is_empty()) else {
        return Err(AppError::Invalid(invalid));
    };
    let changes = PartnerChanges {
        name: draft.name.clone(),
        name_en: draft.name_en.clone(),
        short_name: draft.short_name.clone(),
        kind: draft.kind,
        tier_id: found.tier.id,
        region_id: found.region.id,
        region_path: found.region.path.clone(),
        parent_id: found.parent.as_ref().map(|p| p.id),
        credit_code: draft.credit_code.as_ref().map(|c| c.as_str().to_string()),
        remark: draft.remark.clone(),
        search_key: partner_search_key(&draft, &before.code),
    };
    let updated = partners::update(&mut tx, id, before.version, &changes, now)
        .await
        .map_err(|e| AppError::duplicate_as_field(e, &["credit_code"]))?;
    if !updated {
        return Err(AppError::Conflict("stale_version"));
    }
    let after = partners::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::insert(&mut tx, &ctx.audit(now, "partner", id, "update", Some(id), Some(&before), Some(&after))).await?;
    partner_event(&mut tx, EventType::PartnerUpdated, &after, None, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Moves a partner to another status if the lifecycle allows it (see
/// [`PartnerStatus::can_become`]). Onboarding — a prospect becoming active — waits for the
/// approval flow of kind `partner_onboarding` when one applies (its conditions read the
/// partner's tier and region), and happens when it is approved.
pub async fn change_status(
    app: &App,
    ctx: &Ctx,
    id: PartnerId,
    status: &str,
    reason: Option<&str>,
) -> AppResult<crate::approvals::Gated<PartnerView>> {
    ctx.require(Permission::PartnersStatus)?;
    let to = PartnerStatus::parse("status", status).map_err(|e| AppError::Invalid(Invalid { errors: vec![e] }))?;
    let reason = text::optional("reason", reason, 500).map_err(|e| AppError::Invalid(Invalid { errors: vec![e] }))?;
    let now = app.now_ms();
    let mut tx = app.write(ctx).await?;
    let before = partners::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !before.status.can_become(to) {
        return Err(AppError::Conflict("status_transition"));
    }
    if matches!(ctx.caller().data_scope(), DataScope::Partner { .. }) {
        return Err(AppError::Forbidden);
    }
    if before.status == PartnerStatus::Prospect && to == PartnerStatus::Active {
        let change = crate::approvals::Change {
            subject: qudao_domain::approvals::Subject::PartnerOnboarding,
            object_id: id.to_string(),
            partner: &before,
            amount: 0,
            summary: format!("合作伙伴准入 · {} {}", before.code, before.name),
            submitter: ctx.caller().user_id(),
            payload: serde_json::json!({ "status": to.as_str(), "reason": reason }),
        };
        if let Some((approval, events)) = crate::approvals::gate(&mut tx, change, now).await? {
            let asked = serde_json::json!({ "status": to.as_str(), "reason": reason, "approval": approval });
            audit::insert(
                &mut tx,
                &ctx.audit(now, "partner", id, "status_request", Some(id), None::<&()>, Some(&asked)),
            )
            .await?;
            crate::events::announce(&mut tx, app.events(), &events).await?;
            tx.commit().await?;
            for event in events {
                app.events().publish(event);
            }
            return Ok(crate::approvals::Gated::Waiting(before, approval));
        }
    }
    let after = move_status(&mut tx, ctx, &before, to, reason.as_deref(), now).await?;
    tx.commit().await?;
    app.callers().forget_all();
    Ok(crate::approvals::Gated::Applied(after))
}

/// Makes the status change an approval kept (its payload), as its last approver.
pub(crate) async fn apply_status_payload(
    tx: &mut Tx,
    ctx: &Ctx,
    id: PartnerId,
    payload: &serde_json::Value,
    now: i64,
) -> AppResult<()> {
    let to = PartnerStatus::parse("status", payload["status"].as_str().unwrap_or_default())
        .map_err(|_| AppError::Internal("status payload".into()))?;
    let before = partners::get(tx, id).await?.ok_or(AppError::NotFound)?;
    if !before.status.can_become(to) {
        return Err(AppError::Conflict("status_transition"));
    }
    move_status(tx, ctx, &before, to, payload["reason"].as_str(), now).await?;
    Ok(())
}

/// Writes a status change with its audit row and event; answers the partner after.
async fn move_status(
    tx: &mut Tx,
    ctx: &Ctx,
    before: &PartnerView,
    to: PartnerStatus,
    reason: Option<&str>,
    now: i64,
) -> AppResult<PartnerView> {
    let id = before.id;
    if !partners::set_status(tx, id, before.status, to, now).await? {
        return Err(AppError::Conflict("status_transition"));
    }
    let after = partners::get(tx, id).await?.ok_or(AppError::NotFound)?;
    let mut record = ctx.audit(now, "partner", id, "status", Some(id), Some(before), Some(&after));
    if let Some(reason) = reason {
        record.after = Some(serde_json::json!({ "partner": after, "reason": reason }).to_string());
    }
    audit::insert(tx, &record).await?;
    partner_event(tx, EventType::PartnerUpdated, &after, reason, now).await?;
    Ok(after)
}

/// `partner.created` or `partner.updated` with the partner as the API shows it (and the reason
/// given for a status change).
async fn partner_event(
    tx: &mut Tx,
    event_type: EventType,
    view: &PartnerView,
    reason: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let data = serde_json::json!({ "partner": view, "reason": reason });
    let event = crate::integration::events::event(event_type, Some(view.id), "partner", view.id, &data, now)?;
    crate::integration::events::emit(tx, &[event]).await
}
