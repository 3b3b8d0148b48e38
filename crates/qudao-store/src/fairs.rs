//! Ordering fairs (订货会): the fair with its own prices and stock, per-partner quotas, the
//! demand partners put in while it runs, and the allocation written when it closes. Demand and
//! quotas are read through the caller's partner wall; a partner never sees another's.

use qudao_domain::ids::{FairId, OrderId, PartnerId, SkuId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::bulk::insert_rows;
use crate::{RowExt, Sql, StoreResult, Tx, Value};

/// A fair to write.
#[derive(Debug, Clone)]
pub struct NewFair {
    /// Id.
    pub id: FairId,
    /// Short code (`F2027-SPRING`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Opens at.
    pub starts_ms: i64,
    /// Closes at.
    pub ends_ms: i64,
    /// The allocation rule's stored name.
    pub rule: &'static str,
    /// (SKU, fair price per base unit in fen, base units set aside).
    pub items: Vec<(SkuId, i64, i64)>,
    /// (partner, SKU, most base units it may get).
    pub quotas: Vec<(PartnerId, SkuId, i64)>,
}

/// Writes a fair with its items and quotas.
pub async fn insert(tx: &mut Tx, fair: &NewFair, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO fairs (id, code, name, starts_ms, ends_ms, rule, status, created_ms) VALUES (");
    sql.bind(fair.id).push(", ").bind(fair.code.as_str()).push(", ").bind(fair.name.as_str());
    sql.push(", ").bind(fair.starts_ms).push(", ").bind(fair.ends_ms).push(", ").bind(fair.rule);
    sql.push(", 'open', ").bind(now_ms).push(")");
    sql.execute(tx.conn()).await?;
    let items: Vec<Vec<Value>> = fair
        .items
        .iter()
        .map(|(sku, price, stock)| {
            vec![Value::from(fair.id), Value::from(*sku), Value::from(*price), Value::from(*stock)]
        })
        .collect();
    insert_rows(tx, "INSERT INTO fair_items (fair_id, sku_id, price, stock) VALUES", &items, "").await?;
    let quotas: Vec<Vec<Value>> = fair
        .quotas
        .iter()
        .map(|(partner, sku, quota)| {
            vec![Value::from(fair.id), Value::from(*partner), Value::from(*sku), Value::from(*quota)]
        })
        .collect();
    if !quotas.is_empty() {
        insert_rows(tx, "INSERT INTO fair_quotas (fair_id, partner_id, sku_id, quota) VALUES", &quotas, "").await?;
    }
    Ok(())
}

/// A fair as everyone sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FairView {
    /// Id.
    pub id: FairId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Opens at.
    pub starts_ms: i64,
    /// Closes at.
    pub ends_ms: i64,
    /// `fcfs`, `pro_rata` or `tier_weight`.
    pub rule: String,
    /// `open` or `allocated`.
    pub status: String,
    /// When allocated.
    pub allocated_ms: Option<i64>,
    /// What is on offer.
    pub items: Vec<FairItemView>,
}

/// One SKU at a fair.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FairItemView {
    /// SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku: String,
    /// Chinese name.
    pub name_zh: String,
    /// Fair price per base unit, fen.
    pub price: i64,
    /// Base units set aside for the fair.
    pub stock: i64,
}

/// Every fair, newest first, without items (a list of events, a few a year).
pub async fn list(tx: &mut Tx) -> StoreResult<Vec<FairView>> {
    let sql = Sql::new(
        "SELECT id, code, name, starts_ms, ends_ms, rule, status, allocated_ms FROM fairs ORDER BY starts_ms DESC, code",
    );
    let mut out = Vec::new();
    for row in sql.fetch_all(tx.conn()).await? {
        out.push(FairView {
            id: row.parse("id")?,
            code: row.text("code")?,
            name: row.text("name")?,
            starts_ms: row.int("starts_ms")?,
            ends_ms: row.int("ends_ms")?,
            rule: row.text("rule")?,
            status: row.text("status")?,
            allocated_ms: row.opt_int("allocated_ms")?,
            items: Vec::new(),
        });
    }
    Ok(out)
}

/// One fair with its items.
pub async fn get(tx: &mut Tx, id: FairId) -> StoreResult<Option<FairView>> {
    let mut sql =
        Sql::new("SELECT id, code, name, starts_ms, ends_ms, rule, status, allocated_ms FROM fairs WHERE id = ");
    sql.bind(id);
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    let mut view = FairView {
        id: row.parse("id")?,
        code: row.text("code")?,
        name: row.text("name")?,
        starts_ms: row.int("starts_ms")?,
        ends_ms: row.int("ends_ms")?,
        rule: row.text("rule")?,
        status: row.text("status")?,
        allocated_ms: row.opt_int("allocated_ms")?,
        items: Vec::new(),
    };
    let mut items = Sql::new(
        "SELECT i.sku_id, s.code, s.name_zh, i.price, i.stock FROM fair_items i JOIN skus s ON s.id = i.sku_id \
         WHERE i.fair_id = ",
    );
    items.bind(id).push(" ORDER BY s.code");
    for row in items.fetch_all(tx.conn()).await? {
        view.items.push(FairItemView {
            sku_id: row.parse("sku_id")?,
            sku: row.text("code")?,
            name_zh: row.text("name_zh")?,
            price: row.int("price")?,
            stock: row.int("stock")?,
        });
    }
    Ok(Some(view))
}

/// Sets a partner's demand for a SKU (0 removes it). The queue time moves only when the demand
/// grows: lowering one's demand never costs one's place under first come, first served.
pub async fn set_demand(
    tx: &mut Tx,
    fair: FairId,
    partner: PartnerId,
    sku: SkuId,
    quantity: i64,
    now_ms: i64,
) -> StoreResult<()> {
    if quantity == 0 {
        let mut sql = Sql::new("DELETE FROM fair_demands WHERE fair_id = ");
        sql.bind(fair).push_bind(" AND partner_id = ", partner).push_bind(" AND sku_id = ", sku);
        tx.scope().filter_partner(&mut sql, "partner_id");
        sql.execute(tx.conn()).await?;
        return Ok(());
    }
    let mut sql = Sql::new("INSERT INTO fair_demands (fair_id, partner_id, sku_id, quantity, placed_ms) VALUES (");
    sql.bind(fair).push(", ").bind(partner).push(", ").bind(sku).push(", ").bind(quantity).push(", ").bind(now_ms);
    sql.push(
        ") ON CONFLICT (fair_id, partner_id, sku_id) DO UPDATE SET quantity = excluded.quantity, placed_ms = \
         CASE WHEN excluded.quantity > fair_demands.quantity THEN excluded.placed_ms ELSE fair_demands.placed_ms END",
    );
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// A partner's demand for one SKU, with its quota and (once allocated) the result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandView {
    /// The partner.
    pub partner_id: PartnerId,
    /// Its tier code.
    pub tier: String,
    /// SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku: String,
    /// Base units asked for.
    pub quantity: i64,
    /// When (last raised).
    pub placed_ms: i64,
    /// The most it may get, if capped.
    pub quota: Option<i64>,
    /// Base units allocated, once the fair is allocated.
    pub allocated: Option<i64>,
    /// Why, once allocated.
    #[schema(value_type = Object)]
    pub explanation: Option<serde_json::Value>,
    /// The order the allocation became, once ordered.
    pub order_id: Option<OrderId>,
}

/// The demand the caller may see at a fair (brand staff: all of it; a partner: its own).
pub async fn demands(tx: &mut Tx, fair: FairId) -> StoreResult<Vec<DemandView>> {
    let mut sql = Sql::new(
        "SELECT d.partner_id, t.code AS tier, d.sku_id, s.code AS sku, d.quantity, d.placed_ms, q.quota, \
         d.allocated, d.explanation, d.order_id FROM fair_demands d JOIN partners p ON p.id = d.partner_id \
         JOIN tiers t ON t.id = p.tier_id JOIN skus s ON s.id = d.sku_id LEFT JOIN fair_quotas q \
         ON q.fair_id = d.fair_id AND q.partner_id = d.partner_id AND q.sku_id = d.sku_id WHERE d.fair_id = ",
    );
    sql.bind(fair);
    tx.scope().filter_partner(&mut sql, "d.partner_id");
    sql.push(" ORDER BY s.code, d.placed_ms, d.partner_id");
    let mut out = Vec::new();
    for row in sql.fetch_all(tx.conn()).await? {
        let explanation = row
            .opt_text("explanation")?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| crate::StoreError::Corrupt(format!("fair explanation: {e}")))?;
        out.push(DemandView {
            partner_id: row.parse("partner_id")?,
            tier: row.text("tier")?,
            sku_id: row.parse("sku_id")?,
            sku: row.text("sku")?,
            quantity: row.int("quantity")?,
            placed_ms: row.int("placed_ms")?,
            quota: row.opt_int("quota")?,
            allocated: row.opt_int("allocated")?,
            explanation,
            order_id: row.opt_text("order_id")?.and_then(|id| id.parse().ok()),
        });
    }
    Ok(out)
}

/// The quota of one partner for one SKU at a fair, if any.
pub async fn quota(tx: &mut Tx, fair: FairId, partner: PartnerId, sku: SkuId) -> StoreResult<Option<i64>> {
    let mut sql = Sql::new("SELECT quota FROM fair_quotas WHERE fair_id = ");
    sql.bind(fair).push_bind(" AND partner_id = ", partner).push_bind(" AND sku_id = ", sku);
    tx.scope().filter_partner(&mut sql, "partner_id");
    match sql.fetch_optional(tx.conn()).await? {
        Some(row) => Ok(Some(row.int("quota")?)),
        None => Ok(None),
    }
}

/// Writes the allocation and marks the fair allocated; `false` if it already was (someone else
/// allocated it first).
pub async fn record_allocation(
    tx: &mut Tx,
    fair: FairId,
    results: &[(PartnerId, SkuId, i64, String)],
    now_ms: i64,
) -> StoreResult<bool> {
    let mut close = Sql::new("UPDATE fairs SET status = 'allocated', allocated_ms = ");
    close.bind(now_ms).push_bind(" WHERE status = 'open' AND id = ", fair);
    if close.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    for (partner, sku, allocated, explanation) in results {
        let mut sql = Sql::new("UPDATE fair_demands SET allocated = ");
        sql.bind(*allocated).push_bind(", explanation = ", explanation.as_str());
        sql.push_bind(" WHERE fair_id = ", fair).push_bind(" AND partner_id = ", *partner);
        sql.push_bind(" AND sku_id = ", *sku);
        sql.execute(tx.conn()).await?;
    }
    Ok(true)
}

/// Claims a partner's allocation at a fair for an order about to be placed: `false` when it is
/// already claimed (ordered, or being ordered by someone else), so each allocation becomes at
/// most one order.
pub async fn claim_for_order(tx: &mut Tx, fair: FairId, partner: PartnerId, order: OrderId) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE fair_demands SET order_id = ");
    sql.bind(order).push_bind(" WHERE fair_id = ", fair).push_bind(" AND partner_id = ", partner);
    sql.push(" AND order_id IS NULL AND allocated > 0");
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? > 0)
}

/// Gives a claim back when its order was refused (no stock, no credit), so it can be tried again.
pub async fn release_claim(tx: &mut Tx, fair: FairId, partner: PartnerId, order: OrderId) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE fair_demands SET order_id = NULL WHERE fair_id = ");
    sql.bind(fair).push_bind(" AND partner_id = ", partner).push_bind(" AND order_id = ", order);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    Ok(())
}
