//! Price lists, their entries, promotions and what partners used of limited ones.
//!
//! Promotions keep their rule, eligibility and item scope as JSON in the domain's own shapes
//! (`qudao_domain::pricing`), so the engine reads exactly what the editor saved.

use std::collections::HashMap;

use qudao_domain::ids::{PartnerId, PriceListId, PromotionId, SkuId, TierId};
use qudao_domain::pricing::{Date, Eligibility, ItemScope, PriceEntry, PriceScope, Promotion, PromotionKind, Stacking};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreError, StoreResult, Tx};

/// Bumped on every change of a live price list or promotion, so caches know to reload.
pub const PRICING_VERSION: &str = "pricing.version";

/// A price list as shown and edited.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceListView {
    /// Id.
    pub id: PriceListId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `base`, `tier`, `region` or `partner`.
    pub scope_kind: String,
    /// The tier id, region path or partner id.
    pub scope_target: Option<String>,
    /// First valid day, yyyymmdd.
    pub valid_from: i64,
    /// Last valid day, inclusive.
    pub valid_to: Option<i64>,
    /// `draft`, `active` or `archived`.
    pub status: String,
    /// Optimistic lock.
    pub version: i64,
    /// Its prices, by SKU code.
    pub entries: Vec<PriceLine>,
}

/// One price on a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceLine {
    /// The SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku_code: String,
    /// Price per base unit, fen.
    pub price: i64,
}

/// A list to write.
#[derive(Debug, Clone)]
pub struct NewPriceList {
    /// Id.
    pub id: PriceListId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Scope.
    pub scope: PriceScope,
    /// Validity.
    pub valid_from: Date,
    /// Validity end.
    pub valid_to: Option<Date>,
    /// Status.
    pub status: &'static str,
    /// Prices.
    pub entries: Vec<(SkuId, i64)>,
}

/// The stored form of a scope: kind, target, and the partner for the wall.
pub fn scope_columns(scope: &PriceScope) -> (&'static str, Option<String>, Option<PartnerId>) {
    match scope {
        PriceScope::Base => ("base", None, None),
        PriceScope::Tier(tier) => ("tier", Some(tier.to_string()), None),
        PriceScope::Region(path) => ("region", Some(path.clone()), None),
        PriceScope::Partner(partner) => ("partner", Some(partner.to_string()), Some(*partner)),
    }
}

fn scope_of(kind: &str, target: Option<String>) -> StoreResult<PriceScope> {
    let corrupt = || StoreError::Corrupt(format!("price list scope {kind}"));
    Ok(match kind {
        "base" => PriceScope::Base,
        "tier" => PriceScope::Tier(target.ok_or_else(corrupt)?.parse::<TierId>().map_err(|_| corrupt())?),
        "region" => PriceScope::Region(target.ok_or_else(corrupt)?),
        "partner" => PriceScope::Partner(target.ok_or_else(corrupt)?.parse::<PartnerId>().map_err(|_| corrupt())?),
        _ => return Err(corrupt()),
    })
}

fn date(value: i64) -> Date {
    u32::try_from(value).unwrap_or(0)
}

/// Writes a new list with its entries.
pub async fn insert_price_list(tx: &mut Tx, list: &NewPriceList, now_ms: i64) -> StoreResult<()> {
    let (kind, target, partner) = scope_columns(&list.scope);
    let mut sql = Sql::new(
        "INSERT INTO price_lists (id, code, name, scope_kind, scope_target, partner_id, valid_from, valid_to, status, \
         created_ms, updated_ms, version) VALUES (",
    );
    sql.bind(list.id).push(", ").bind(list.code.as_str()).push(", ").bind(list.name.as_str());
    sql.push(", ").bind(kind).push(", ").bind(target).push(", ").bind(partner);
    sql.push(", ").bind(i64::from(list.valid_from)).push(", ").bind(list.valid_to.map(i64::from));
    sql.push(", ").bind(list.status).push(", ").bind(now_ms).push(", ").bind(now_ms).push(", 1)");
    sql.execute(tx.conn()).await?;
    replace_entries(tx, list.id, &list.entries).await
}

/// Changes a list's header and replaces its entries, if `version` is still current.
pub async fn update_price_list(tx: &mut Tx, list: &NewPriceList, version: i64, now_ms: i64) -> StoreResult<bool> {
    let (kind, target, partner) = scope_columns(&list.scope);
    let mut sql = Sql::new("UPDATE price_lists SET name = ");
    sql.bind(list.name.as_str()).push_bind(", scope_kind = ", kind).push_bind(", scope_target = ", target);
    sql.push_bind(", partner_id = ", partner).push_bind(", valid_from = ", i64::from(list.valid_from));
    sql.push_bind(", valid_to = ", list.valid_to.map(i64::from)).push_bind(", status = ", list.status);
    sql.push_bind(", updated_ms = ", now_ms).push(", version = version + 1");
    sql.push_bind(" WHERE id = ", list.id).push_bind(" AND version = ", version);
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    replace_entries(tx, list.id, &list.entries).await?;
    Ok(true)
}

async fn replace_entries(tx: &mut Tx, list: PriceListId, entries: &[(SkuId, i64)]) -> StoreResult<()> {
    let mut delete = Sql::new("DELETE FROM price_entries WHERE list_id = ");
    delete.bind(list);
    delete.execute(tx.conn()).await?;
    for chunk in entries.chunks(500) {
        let mut sql = Sql::new("INSERT INTO price_entries (list_id, sku_id, price) VALUES ");
        for (index, (sku, price)) in chunk.iter().enumerate() {
            sql.push(if index == 0 { "(" } else { ", (" });
            sql.bind(list).push(", ").bind(*sku).push(", ").bind(*price).push(")");
        }
        sql.execute(tx.conn()).await?;
    }
    Ok(())
}

const LIST_COLUMNS: &str =
    "SELECT id, code, name, scope_kind, scope_target, valid_from, valid_to, status, version FROM price_lists";

fn list_view(row: &sqlx::any::AnyRow) -> StoreResult<PriceListView> {
    Ok(PriceListView {
        id: row.parse("id")?,
        code: row.text("code")?,
        name: row.text("name")?,
        scope_kind: row.text("scope_kind")?,
        scope_target: row.opt_text("scope_target")?,
        valid_from: row.int("valid_from")?,
        valid_to: row.opt_int("valid_to")?,
        status: row.text("status")?,
        version: row.int("version")?,
        entries: Vec::new(),
    })
}

/// Every price list the scope sees (without entries), newest validity first.
pub async fn price_lists(tx: &mut Tx) -> StoreResult<Vec<PriceListView>> {
    let mut sql = Sql::new(LIST_COLUMNS);
    sql.push(" WHERE 1 = 1");
    tx.scope().filter_shared(&mut sql, "partner_id");
    sql.push(" ORDER BY status, valid_from DESC, code");
    sql.fetch_all(tx.conn()).await?.iter().map(list_view).collect()
}

/// One list with its entries.
pub async fn price_list(tx: &mut Tx, id: PriceListId) -> StoreResult<Option<PriceListView>> {
    let mut sql = Sql::new(LIST_COLUMNS);
    sql.push_bind(" WHERE id = ", id);
    tx.scope().filter_shared(&mut sql, "partner_id");
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    let mut view = list_view(&row)?;
    let mut entries = Sql::new(
        "SELECT e.sku_id, s.code, e.price FROM price_entries e JOIN skus s ON s.id = e.sku_id WHERE e.list_id = ",
    );
    entries.bind(id).push(" ORDER BY s.code");
    view.entries = entries
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|r| Ok(PriceLine { sku_id: r.parse("sku_id")?, sku_code: r.text("code")?, price: r.int("price")? }))
        .collect::<StoreResult<_>>()?;
    Ok(Some(view))
}

/// Codes and names of price lists by id, for explanations.
pub type ListNames = HashMap<PriceListId, (String, String)>;

/// Entries of active lists for these SKUs (all SKUs when `skus` is `None`), for pricing and for
/// the overlap check, with the lists' codes and names. A partner scope sees brand lists and its
/// own.
pub async fn live_entries(tx: &mut Tx, skus: Option<&[SkuId]>) -> StoreResult<(Vec<PriceEntry>, ListNames)> {
    let mut sql = Sql::new(
        "SELECT l.id, l.code, l.name, l.scope_kind, l.scope_target, l.valid_from, l.valid_to, e.sku_id, e.price \
         FROM price_entries e JOIN price_lists l ON l.id = e.list_id WHERE l.status = 'active'",
    );
    if let Some(skus) = skus {
        sql.push(" AND e.sku_id IN ").bind_list(skus.iter().copied());
    }
    tx.scope().filter_shared(&mut sql, "l.partner_id");
    let rows = sql.fetch_all(tx.conn()).await?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut names = ListNames::new();
    for row in &rows {
        let list: PriceListId = row.parse("id")?;
        names.entry(list).or_insert((row.text("code")?, row.text("name")?));
        entries.push(PriceEntry {
            list,
            scope: scope_of(&row.text("scope_kind")?, row.opt_text("scope_target")?)?,
            sku: row.parse("sku_id")?,
            price: row.int("price")?,
            valid_from: date(row.int("valid_from")?),
            valid_to: row.opt_int("valid_to")?.map(date),
        });
    }
    Ok((entries, names))
}

/// A promotion as shown and edited.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromotionView {
    /// Id.
    pub id: PromotionId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The rule (`{"type": "spend_reduce", "threshold": …}`).
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
    /// Who may use it.
    #[schema(value_type = Object)]
    pub eligibility: serde_json::Value,
    /// What it covers.
    #[schema(value_type = Object)]
    pub scope: serde_json::Value,
    /// Higher first.
    pub priority: i64,
    /// `stackable` or `exclusive`.
    pub stacking: String,
    /// 限购 per partner.
    pub limit_per_partner: Option<i64>,
    /// `draft`, `active` or `ended`.
    pub status: String,
    /// Optimistic lock.
    pub version: i64,
}

fn json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Writes a promotion.
pub async fn insert_promotion(tx: &mut Tx, p: &Promotion, code: &str, status: &str, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO promotions (id, code, name, kind, rule_json, eligibility_json, scope_json, valid_from, valid_to, \
         priority, stacking, limit_per_partner, status, created_ms, updated_ms, version) VALUES (",
    );
    sql.bind(p.id).push(", ").bind(code).push(", ").bind(p.name.as_str()).push(", ").bind(p.kind.code());
    sql.push(", ").bind(json(&p.kind)?).push(", ").bind(json(&p.eligibility)?).push(", ").bind(json(&p.scope)?);
    sql.push(", ").bind(i64::from(p.eligibility.valid_from)).push(", ").bind(i64::from(p.eligibility.valid_to));
    sql.push(", ").bind(i64::from(p.priority)).push(", ").bind(stacking_name(p.stacking));
    sql.push(", ").bind(p.limit_per_partner).push(", ").bind(status).push(", ").bind(now_ms);
    sql.push(", ").bind(now_ms).push(", 1)");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Replaces a promotion's definition and status, if `version` is still current.
pub async fn update_promotion(
    tx: &mut Tx,
    p: &Promotion,
    status: &str,
    version: i64,
    now_ms: i64,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE promotions SET name = ");
    sql.bind(p.name.as_str()).push_bind(", kind = ", p.kind.code()).push_bind(", rule_json = ", json(&p.kind)?);
    sql.push_bind(", eligibility_json = ", json(&p.eligibility)?).push_bind(", scope_json = ", json(&p.scope)?);
    sql.push_bind(", valid_from = ", i64::from(p.eligibility.valid_from));
    sql.push_bind(", valid_to = ", i64::from(p.eligibility.valid_to));
    sql.push_bind(", priority = ", i64::from(p.priority)).push_bind(", stacking = ", stacking_name(p.stacking));
    sql.push_bind(", limit_per_partner = ", p.limit_per_partner).push_bind(", status = ", status);
    sql.push_bind(", updated_ms = ", now_ms).push(", version = version + 1");
    sql.push_bind(" WHERE id = ", p.id).push_bind(" AND version = ", version);
    Ok(sql.execute(tx.conn()).await? == 1)
}

fn stacking_name(stacking: Stacking) -> &'static str {
    match stacking {
        Stacking::Stackable => "stackable",
        Stacking::Exclusive => "exclusive",
    }
}

const PROMOTION_COLUMNS: &str = "SELECT id, code, name, rule_json, eligibility_json, scope_json, priority, stacking, \
     limit_per_partner, status, version FROM promotions";

fn parse_json<T: serde::de::DeserializeOwned>(row: &sqlx::any::AnyRow, column: &str) -> StoreResult<T> {
    serde_json::from_str(&row.text(column)?).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn promotion_of(row: &sqlx::any::AnyRow) -> StoreResult<Promotion> {
    let stacking = match row.text("stacking")?.as_str() {
        "exclusive" => Stacking::Exclusive,
        _ => Stacking::Stackable,
    };
    Ok(Promotion {
        id: row.parse("id")?,
        name: row.text("name")?,
        kind: parse_json::<PromotionKind>(row, "rule_json")?,
        eligibility: parse_json::<Eligibility>(row, "eligibility_json")?,
        scope: parse_json::<ItemScope>(row, "scope_json")?,
        priority: i32::try_from(row.int("priority")?).unwrap_or(0),
        stacking,
        limit_per_partner: row.opt_int("limit_per_partner")?,
    })
}

fn promotion_view(row: &sqlx::any::AnyRow) -> StoreResult<PromotionView> {
    Ok(PromotionView {
        id: row.parse("id")?,
        code: row.text("code")?,
        name: row.text("name")?,
        rule: parse_json(row, "rule_json")?,
        eligibility: parse_json(row, "eligibility_json")?,
        scope: parse_json(row, "scope_json")?,
        priority: row.int("priority")?,
        stacking: row.text("stacking")?,
        limit_per_partner: row.opt_int("limit_per_partner")?,
        status: row.text("status")?,
        version: row.int("version")?,
    })
}

/// Every promotion (brand side), live ones first.
pub async fn promotions(tx: &mut Tx) -> StoreResult<Vec<PromotionView>> {
    let mut sql = Sql::new(PROMOTION_COLUMNS);
    sql.push(" ORDER BY status, valid_to DESC, code");
    sql.fetch_all(tx.conn()).await?.iter().map(promotion_view).collect()
}

/// Every promotion (brand side), as shown and as the engine reads it, live ones first: the
/// editors show each in the shape it is edited in.
pub async fn promotions_with_rules(tx: &mut Tx) -> StoreResult<Vec<(PromotionView, Promotion)>> {
    let mut sql = Sql::new(PROMOTION_COLUMNS);
    sql.push(" ORDER BY status, valid_to DESC, code");
    sql.fetch_all(tx.conn()).await?.iter().map(|row| Ok((promotion_view(row)?, promotion_of(row)?))).collect()
}

/// One promotion, as shown and as the engine reads it.
pub async fn promotion(tx: &mut Tx, id: PromotionId) -> StoreResult<Option<(PromotionView, Promotion)>> {
    let mut sql = Sql::new(PROMOTION_COLUMNS);
    sql.push_bind(" WHERE id = ", id);
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    Ok(Some((promotion_view(&row)?, promotion_of(&row)?)))
}

/// Active promotions still valid on or after `date`, for the engine and the save-time checks.
pub async fn live_promotions(tx: &mut Tx, date: Date) -> StoreResult<Vec<Promotion>> {
    let mut sql = Sql::new(PROMOTION_COLUMNS);
    sql.push(" WHERE status = 'active'").push_bind(" AND valid_to >= ", i64::from(date));
    sql.fetch_all(tx.conn()).await?.iter().map(promotion_of).collect()
}

/// What a partner already took of limited promotions.
pub async fn usage_of(tx: &mut Tx, partner: PartnerId) -> StoreResult<HashMap<PromotionId, i64>> {
    let mut sql = Sql::new("SELECT promotion_id, used FROM promotion_usage WHERE partner_id = ");
    sql.bind(partner);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.fetch_all(tx.conn()).await?.iter().map(|row| Ok((row.parse("promotion_id")?, row.int("used")?))).collect()
}

/// Bumps the pricing version in the caller's transaction.
pub async fn bump_version(tx: &mut Tx, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO settings (key, value, updated_ms, updated_by) VALUES (");
    sql.bind(PRICING_VERSION).push(", '1', ").bind(now_ms).push(", NULL) ON CONFLICT (key) DO UPDATE SET value = ");
    sql.push("CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT), updated_ms = excluded.updated_ms");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Reads, and on PostgreSQL locks, what `partners` took of limited promotions, for a batch.
pub async fn hold_usage(tx: &mut Tx, partners: &[PartnerId]) -> StoreResult<HashMap<(PromotionId, PartnerId), i64>> {
    let mut sql = Sql::new("SELECT promotion_id, partner_id, used FROM promotion_usage WHERE ");
    crate::bulk::push_in(&mut sql, tx.dialect(), "partner_id", partners);
    sql.push(" ORDER BY promotion_id, partner_id");
    sql.push(crate::bulk::for_update(tx));
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| Ok(((row.parse("promotion_id")?, row.parse("partner_id")?), row.int("used")?)))
        .collect()
}
