//! Turning an ordering fair's allocation into orders (订货会转订单): each partner's allocated
//! quantities become one order at the fair's prices, placed through the order desk like any
//! other (stock reserved, credit taken, approval rules applied).
//!
//! Each allocation is claimed before its order is placed, so running the conversion twice — or
//! two people at once — never makes a second order for the same partner; a refused order (no
//! stock, no credit) gives its claim back and can be tried again after the cause is fixed.

use std::collections::{BTreeMap, HashMap};

use qudao_domain::access::Permission;
use qudao_domain::approvals::Subject;
use qudao_domain::ids::{CategoryId, FairId, OrderId, PartnerId};
use qudao_domain::orders::{OrderStatus, PaymentMethod, PaymentStatus, order_postings, review, split_payment};
use qudao_store::catalog::{self, SkuKeys, masters};
use qudao_store::fairs::{self, DemandView};
use qudao_store::orders::{NewLine, NewOrder};
use qudao_store::{partners, settings};
use serde::Serialize;
use utoipa::ToSchema;

use super::approval::{OrderApproval, OrderShape, plan_for};
use super::checkout::view_of;
use super::desk::{Outcome, Prepared};
use crate::clock::china_date;
use crate::{App, AppError, AppResult, Ctx};

/// What became of one partner's allocation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FairOrderResult {
    /// The partner.
    pub partner_id: PartnerId,
    /// The order placed (or placed earlier).
    pub order_id: Option<OrderId>,
    /// Its number, when placed now.
    pub number: Option<String>,
    /// Its total at fair prices, fen.
    pub total: i64,
    /// Why it could not be placed (an error code such as `insufficient_credit`).
    pub error: Option<String>,
}

/// The outcome of converting a fair.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FairOrders {
    /// The fair.
    pub fair_id: FairId,
    /// One row per partner with an allocation the caller may see.
    pub results: Vec<FairOrderResult>,
}

/// Places one order per partner for what the fair allocated to it, at fair prices, paid on
/// credit. Partners already ordered are reported with their order and left alone.
pub async fn order_fair(app: &App, ctx: &Ctx, id: FairId) -> AppResult<FairOrders> {
    ctx.require(Permission::FairsManage)?;
    let now = app.now_ms();
    let mut tx = app.read(ctx).await?;
    let fair = fairs::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if fair.status != "allocated" {
        return Err(AppError::Conflict("status_transition"));
    }
    let demand = fairs::demands(&mut tx, id).await?;
    let skus: Vec<_> = fair.items.iter().map(|i| i.sku_id).collect();
    let sellable = catalog::sellable(&mut tx, SkuKeys::Ids(&skus)).await?;
    let snapshot = settings::snapshot(&mut tx).await?;
    let flows = crate::approvals::flows_for(&mut tx, Subject::Order, &snapshot).await?;
    let codes: HashMap<CategoryId, String> = if flows.iter().any(|f| f.flow.reads_categories()) {
        masters::categories(&mut tx).await?.into_iter().map(|c| (c.id, c.code)).collect()
    } else {
        HashMap::new()
    };
    let mut by_partner: BTreeMap<PartnerId, Vec<&DemandView>> = BTreeMap::new();
    for row in demand.iter().filter(|d| d.allocated.unwrap_or(0) > 0) {
        by_partner.entry(row.partner_id).or_default().push(row);
    }
    let mut plans = Vec::new();
    for (partner_id, rows) in &by_partner {
        if let Some(order) = rows.iter().find_map(|r| r.order_id) {
            plans.push((
                FairOrderResult { partner_id: *partner_id, order_id: Some(order), number: None, total: 0, error: None },
                None,
            ));
            continue;
        }
        let partner = partners::get(&mut tx, *partner_id).await?.ok_or(AppError::NotFound)?;
        let mut lines = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let item = fair.items.iter().find(|i| i.sku_id == row.sku_id).ok_or(AppError::NotFound)?;
            let sku = sellable.get(&row.sku_id).ok_or(AppError::NotFound)?;
            let quantity = row.allocated.unwrap_or(0);
            let amount = item.price * quantity;
            let explanation = serde_json::json!({
                "list_price": item.price,
                "price_source": { "scope": "fair", "list_code": fair.code, "list_name": fair.name, "price": null },
                "outranked": [], "adjustments": [], "lost": [], "gift": false,
                "fair": { "allocation": row.explanation },
            });
            lines.push(NewLine {
                line_no: index as i64 + 1,
                sku_id: row.sku_id,
                sku_code: sku.code.clone(),
                name_zh: sku.name_zh.clone(),
                name_en: sku.name_en.clone(),
                unit_code: sku.units.first().map(|u| u.code.clone()).unwrap_or_default(),
                unit_factor: 1,
                quantity,
                base_quantity: quantity,
                list_price: item.price,
                gross: amount,
                net: amount,
                gift: false,
                explanation_json: explanation.to_string(),
            });
        }
        let categories =
            rows.iter().filter_map(|r| sellable.get(&r.sku_id)).flat_map(|s| s.categories.iter().copied()).collect();
        let total: i64 = lines.iter().map(|l| l.net).sum();
        let shape = OrderShape { partner: &partner, total, gross: total, discount: 0, categories };
        let approval = plan_for(&flows, &codes, &shape, ctx.caller().user_id());
        plans.push((
            FairOrderResult { partner_id: *partner_id, order_id: None, number: None, total: 0, error: None },
            Some((partner, lines, approval)),
        ));
    }
    drop(tx);

    let mut results = Vec::new();
    for (mut result, plan) in plans {
        let Some((partner, lines, approval)) = plan else {
            results.push(result);
            continue;
        };
        let total: i64 = lines.iter().map(|l| l.net).sum();
        result.total = total;
        let order_id = OrderId::new();
        {
            let mut claim = app.write(ctx).await?;
            if !fairs::claim_for_order(&mut claim, id, partner.id, order_id).await? {
                result.error = Some("already_ordered".into());
                results.push(result);
                continue;
            }
            claim.commit().await?;
        }
        match place(app, ctx, &partner, lines, total, approval, order_id, now).await {
            Ok(number) => {
                result.order_id = Some(order_id);
                result.number = Some(number);
            }
            Err(error) => {
                let mut undo = app.write(ctx).await?;
                fairs::release_claim(&mut undo, id, partner.id, order_id).await?;
                undo.commit().await?;
                result.error = Some(error_code(&error));
            }
        }
        results.push(result);
    }
    let record = serde_json::json!({
        "placed": results.iter().filter(|r| r.number.is_some()).count(),
        "refused": results.iter().filter(|r| r.error.is_some()).count(),
    });
    let mut tx = app.write(ctx).await?;
    qudao_store::audit::insert(
        &mut tx,
        &ctx.audit::<(), _>(app.now_ms(), "fair", id, "order", None, None, Some(&record)),
    )
    .await?;
    tx.commit().await?;
    Ok(FairOrders { fair_id: id, results })
}

/// The stable code of a refusal, for the report.
fn error_code(error: &AppError) -> String {
    match error {
        AppError::Invalid(invalid) => {
            invalid.errors.first().map(|e| e.code.to_string()).unwrap_or_else(|| "invalid".into())
        }
        AppError::Conflict(code) => (*code).to_string(),
        other => format!("{other:?}").chars().take(60).collect(),
    }
}

#[expect(clippy::too_many_arguments, reason = "one order's parts, each already checked by the caller")]
async fn place(
    app: &App,
    ctx: &Ctx,
    partner: &qudao_store::partners::PartnerView,
    lines: Vec<NewLine>,
    total: i64,
    approval: Option<OrderApproval>,
    id: OrderId,
    now: i64,
) -> AppResult<String> {
    let split = split_payment(total, PaymentMethod::Credit, 0, 0)?;
    let review_reason = review(PaymentMethod::Credit, approval.is_some());
    let status = if review_reason.is_none() { OrderStatus::Approved } else { OrderStatus::Submitted };
    let order = NewOrder {
        id,
        number: String::new(),
        partner_id: partner.id,
        status: status.as_str(),
        payment: PaymentMethod::Credit.as_str(),
        payment_status: PaymentStatus::Paid.as_str(),
        currency: "CNY".into(),
        gross: total,
        discount: 0,
        total,
        split,
        address_json: None,
        requested_date: None,
        remark: None,
        review_reason: review_reason.map(|r| r.as_str()),
        pricing_date: i64::from(china_date(now)),
        placed_by: Some(ctx.caller().user_id()),
        placed_ms: now,
        approved_ms: review_reason.is_none().then_some(now),
        lines,
        reservations: Vec::new(),
        promotion_usage: Vec::new(),
    };
    let view = view_of(&order, partner);
    let prepared = Prepared {
        demands: order.lines.iter().map(|l| (l.line_no, l.sku_id, l.base_quantity, l.sku_code.clone())).collect(),
        postings: order_postings(&split, false),
        limits: Vec::new(),
        audit: ctx.audit::<(), ()>(now, "order", id, "place", Some(partner.id), None, None),
        idem: None,
        version: None,
        approval,
        order,
        view,
    };
    match app.desk().submit(prepared).await? {
        Outcome::Placed(view) => Ok(view.summary.number.clone()),
        Outcome::Replay { .. } | Outcome::Stale => {
            Err(AppError::Internal("a fair order has no idempotency key and no snapshot".into()))
        }
    }
}
