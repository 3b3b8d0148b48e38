//! Warehouses and stock. Every change is one guarded statement plus a journal row in
//! `stock_moves`, in the caller's transaction; rows are touched in (SKU, warehouse) order by the
//! callers that touch several, so concurrent orders cannot deadlock.

use qudao_domain::ids::{RegionId, SkuId, UserId, WarehouseId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{RowExt, Sql, StoreResult, Tx};

/// A warehouse.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Warehouse {
    /// Id.
    pub id: WarehouseId,
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Where it is.
    pub region_id: Option<RegionId>,
    /// Lower is preferred when an order line is served.
    pub priority: i64,
    /// Whether it serves orders.
    pub active: bool,
}

/// Stock of one SKU in one warehouse.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct StockLevel {
    /// The SKU.
    pub sku_id: SkuId,
    /// The warehouse.
    pub warehouse_id: WarehouseId,
    /// Its code.
    pub warehouse_code: String,
    /// Physically there.
    pub on_hand: i64,
    /// Held by open orders.
    pub reserved: i64,
    /// On hand minus reserved.
    pub available: i64,
}

/// Adds a warehouse.
pub async fn insert_warehouse(tx: &mut Tx, warehouse: &Warehouse, now_ms: i64) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO warehouses (id, code, name_zh, name_en, region_id, priority, active, created_ms) VALUES (",
    );
    sql.bind(warehouse.id).push(", ").bind(warehouse.code.as_str()).push(", ").bind(warehouse.name_zh.as_str());
    sql.push(", ").bind(warehouse.name_en.as_str()).push(", ").bind(warehouse.region_id);
    sql.push(", ").bind(warehouse.priority).push(", ").bind(warehouse.active).push(", ").bind(now_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Every warehouse, preferred first.
pub async fn warehouses(tx: &mut Tx) -> StoreResult<Vec<Warehouse>> {
    let sql = Sql::new(
        "SELECT id, code, name_zh, name_en, region_id, priority, active FROM warehouses ORDER BY priority, code",
    );
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(Warehouse {
                id: row.parse("id")?,
                code: row.text("code")?,
                name_zh: row.text("name_zh")?,
                name_en: row.text("name_en")?,
                region_id: row.opt_parse("region_id")?,
                priority: row.int("priority")?,
                active: row.flag("active")?,
            })
        })
        .collect()
}

/// The stock of SKUs in active warehouses, preferred warehouses first.
pub async fn levels(tx: &mut Tx, skus: &[SkuId]) -> StoreResult<Vec<StockLevel>> {
    let mut sql = Sql::new(
        "SELECT s.sku_id, s.warehouse_id, w.code, s.on_hand, s.reserved FROM stock s \
         JOIN warehouses w ON w.id = s.warehouse_id WHERE w.active = 1 AND s.sku_id IN ",
    );
    sql.bind_list(skus.iter().copied()).push(" ORDER BY s.sku_id, w.priority, w.code");
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            let (on_hand, reserved) = (row.int("on_hand")?, row.int("reserved")?);
            Ok(StockLevel {
                sku_id: row.parse("sku_id")?,
                warehouse_id: row.parse("warehouse_id")?,
                warehouse_code: row.text("code")?,
                on_hand,
                reserved,
                available: on_hand - reserved,
            })
        })
        .collect()
}

/// What a stock change is about.
#[derive(Debug, Clone, Copy)]
pub struct Why<'a> {
    /// `receipt`, `adjustment`, `reserve`, `release`, `ship`.
    pub kind: &'a str,
    /// The document it belongs to (`order`, id).
    pub reference: Option<(&'a str, &'a str)>,
    /// A reason typed by a person.
    pub reason: Option<&'a str>,
    /// Who.
    pub by: Option<UserId>,
    /// When.
    pub at_ms: i64,
}

/// The head of every insert into the stock journal: one move per call, or many per statement.
const MOVES_INSERT: &str = "INSERT INTO stock_moves (id, sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, \
                            reference_kind, reference_id, reason, created_by, at_ms) VALUES";

async fn journal(
    tx: &mut Tx,
    sku: SkuId,
    warehouse: WarehouseId,
    on_hand: i64,
    reserved: i64,
    why: Why<'_>,
) -> StoreResult<()> {
    let mut sql = Sql::new(MOVES_INSERT);
    sql.push(" (");
    sql.bind(qudao_domain::ids::EntryId::new().to_string()).push(", ").bind(sku).push(", ").bind(warehouse);
    sql.push(", ").bind(why.kind).push(", ").bind(on_hand).push(", ").bind(reserved);
    sql.push(", ").bind(why.reference.map(|r| r.0)).push(", ").bind(why.reference.map(|r| r.1));
    sql.push(", ").bind(why.reason).push(", ").bind(why.by).push(", ").bind(why.at_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Changes the quantity on hand by `delta` (a receipt, a count, a write-off); refused (`false`)
/// when it would leave less on hand than is reserved.
pub async fn adjust(tx: &mut Tx, sku: SkuId, warehouse: WarehouseId, delta: i64, why: Why<'_>) -> StoreResult<bool> {
    let mut create = Sql::new("INSERT INTO stock (sku_id, warehouse_id, on_hand, reserved, updated_ms) VALUES (");
    create.bind(sku).push(", ").bind(warehouse).push(", 0, 0, ").bind(why.at_ms);
    create.push(") ON CONFLICT (sku_id, warehouse_id) DO NOTHING");
    create.execute(tx.conn()).await?;
    let mut sql = Sql::new("UPDATE stock SET on_hand = on_hand + ");
    sql.bind(delta).push_bind(", updated_ms = ", why.at_ms).push_bind(" WHERE sku_id = ", sku);
    sql.push_bind(" AND warehouse_id = ", warehouse).push(" AND on_hand + ").bind(delta).push(" >= reserved");
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    journal(tx, sku, warehouse, delta, 0, why).await?;
    Ok(true)
}

/// Holds `quantity` for an order; `false` when not that much is available. Never oversells:
/// the check and the change are one statement.
pub async fn reserve(
    tx: &mut Tx,
    sku: SkuId,
    warehouse: WarehouseId,
    quantity: i64,
    why: Why<'_>,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE stock SET reserved = reserved + ");
    sql.bind(quantity).push_bind(", updated_ms = ", why.at_ms).push_bind(" WHERE sku_id = ", sku);
    sql.push_bind(" AND warehouse_id = ", warehouse).push(" AND reserved + ").bind(quantity).push(" <= on_hand");
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    journal(tx, sku, warehouse, 0, quantity, why).await?;
    Ok(true)
}

/// Lets go of a reservation (a cancelled order); `false` if not that much is reserved.
pub async fn release(
    tx: &mut Tx,
    sku: SkuId,
    warehouse: WarehouseId,
    quantity: i64,
    why: Why<'_>,
) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE stock SET reserved = reserved - ");
    sql.bind(quantity).push_bind(", updated_ms = ", why.at_ms).push_bind(" WHERE sku_id = ", sku);
    sql.push_bind(" AND warehouse_id = ", warehouse).push(" AND reserved >= ").bind(quantity);
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    journal(tx, sku, warehouse, 0, -quantity, why).await?;
    Ok(true)
}

/// Ships reserved goods: they leave on hand and the reservation together.
pub async fn ship(tx: &mut Tx, sku: SkuId, warehouse: WarehouseId, quantity: i64, why: Why<'_>) -> StoreResult<bool> {
    let mut sql = Sql::new("UPDATE stock SET reserved = reserved - ");
    sql.bind(quantity).push(", on_hand = on_hand - ").bind(quantity).push_bind(", updated_ms = ", why.at_ms);
    sql.push_bind(" WHERE sku_id = ", sku).push_bind(" AND warehouse_id = ", warehouse);
    sql.push(" AND reserved >= ").bind(quantity);
    if sql.execute(tx.conn()).await? != 1 {
        return Ok(false);
    }
    journal(tx, sku, warehouse, -quantity, -quantity, why).await?;
    Ok(true)
}

/// Stock rows whose quantities differ from the sum of their moves (must be none).
pub async fn check_stock(tx: &mut Tx) -> StoreResult<Vec<(SkuId, WarehouseId)>> {
    let sql = Sql::new(
        "SELECT s.sku_id, s.warehouse_id FROM stock s LEFT JOIN (SELECT sku_id, warehouse_id, \
         CAST(SUM(on_hand_delta) AS BIGINT) AS on_hand, CAST(SUM(reserved_delta) AS BIGINT) AS reserved \
         FROM stock_moves GROUP BY sku_id, warehouse_id) m ON m.sku_id = s.sku_id AND m.warehouse_id = s.warehouse_id \
         WHERE s.on_hand <> COALESCE(m.on_hand, 0) OR s.reserved <> COALESCE(m.reserved, 0) OR s.reserved < 0 \
         OR s.reserved > s.on_hand",
    );
    sql.fetch_all(tx.conn()).await?.iter().map(|row| Ok((row.parse("sku_id")?, row.parse("warehouse_id")?))).collect()
}

/// A stock row as read for a batch: held until commit (see [`crate::bulk::for_update`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldStock {
    /// The SKU.
    pub sku_id: SkuId,
    /// The warehouse.
    pub warehouse_id: WarehouseId,
    /// On hand.
    pub on_hand: i64,
    /// Reserved.
    pub reserved: i64,
}

/// Reads, and on PostgreSQL locks, the stock rows of `skus`, in key order so concurrent batches
/// lock in the same order.
pub async fn hold(tx: &mut Tx, skus: &[SkuId]) -> StoreResult<Vec<HeldStock>> {
    let mut sql = Sql::new("SELECT sku_id, warehouse_id, on_hand, reserved FROM stock WHERE ");
    crate::bulk::push_in(&mut sql, tx.dialect(), "sku_id", skus);
    sql.push(" ORDER BY sku_id, warehouse_id");
    sql.push(crate::bulk::for_update(tx));
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(HeldStock {
                sku_id: row.parse("sku_id")?,
                warehouse_id: row.parse("warehouse_id")?,
                on_hand: row.int("on_hand")?,
                reserved: row.int("reserved")?,
            })
        })
        .collect()
}

/// One reservation of a batch, journaled as its own move.
#[derive(Debug, Clone)]
pub struct BatchReservation {
    /// The SKU.
    pub sku_id: SkuId,
    /// The warehouse.
    pub warehouse_id: WarehouseId,
    /// Base units.
    pub quantity: i64,
    /// The order it is for.
    pub order_id: String,
    /// Who placed it.
    pub by: Option<UserId>,
}

/// Reserves a batch: one guarded update per (SKU, warehouse) with the batch's total, and one
/// move per reservation. `false` (nothing to commit) if any row lacked the stock.
pub async fn reserve_batch(tx: &mut Tx, reservations: &[BatchReservation], at_ms: i64) -> StoreResult<bool> {
    if !reserve_rows(tx, reservations).await? {
        return Ok(false);
    }
    reserve_moves(tx, reservations, at_ms).await?;
    Ok(true)
}

/// The stock rows' half of [`reserve_batch`]: one guarded update per (SKU, warehouse). `false`
/// if any row lacked the stock. Apart from the moves so that a batch can write its moves
/// before it takes the rows' locks, and hold them for less time.
pub async fn reserve_rows(tx: &mut Tx, reservations: &[BatchReservation]) -> StoreResult<bool> {
    add_to_reserved(tx, &totals_of(reservations, 1), "stock.reserved + v.column3 <= stock.on_hand").await
}

/// The journal's half of [`reserve_batch`]: the moves, which lock nothing shared.
pub async fn reserve_moves(tx: &mut Tx, reservations: &[BatchReservation], at_ms: i64) -> StoreResult<()> {
    use crate::Value;
    let totals = totals_of(reservations, 1);
    // One move per stock row and batch: which order holds what is in `order_reservations`, so
    // the journal needs only the row's change, referenced to the batch.
    let batch = qudao_domain::ids::EntryId::new().to_string();
    let by = reservations.first().and_then(|r| r.by);
    let single_order = reservations.windows(2).all(|pair| pair[0].order_id == pair[1].order_id);
    let (reference_kind, reference_id) = match reservations.first() {
        Some(first) if single_order => ("order", first.order_id.clone()),
        _ => ("order_batch", batch),
    };
    let rows: Vec<Vec<Value>> = totals
        .iter()
        .map(|((sku, warehouse), quantity)| {
            vec![
                Value::from(qudao_domain::ids::EntryId::new().to_string()),
                Value::from(*sku),
                Value::from(*warehouse),
                Value::from("reserve"),
                Value::from(0_i64),
                Value::from(*quantity),
                Value::from(reference_kind),
                Value::from(reference_id.clone()),
                Value::NullText,
                Value::from(by),
                Value::from(at_ms),
            ]
        })
        .collect();
    crate::bulk::insert_rows(tx, MOVES_INSERT, &rows, "").await?;
    Ok(())
}

/// Releases what cancelled orders held: one guarded update per (SKU, warehouse) with the total,
/// and one move per order's reservation, referenced to its order. `false` (nothing to commit) if
/// a row held less than its release.
pub async fn release_batch(tx: &mut Tx, releases: &[BatchReservation], at_ms: i64) -> StoreResult<bool> {
    use crate::Value;
    if releases.is_empty() {
        return Ok(true);
    }
    if !add_to_reserved(tx, &totals_of(releases, -1), "stock.reserved + v.column3 >= 0").await? {
        return Ok(false);
    }
    let rows: Vec<Vec<Value>> = releases
        .iter()
        .map(|r| {
            vec![
                Value::from(qudao_domain::ids::EntryId::new().to_string()),
                Value::from(r.sku_id),
                Value::from(r.warehouse_id),
                Value::from("release"),
                Value::from(0_i64),
                Value::from(-r.quantity),
                Value::from("order"),
                Value::from(r.order_id.clone()),
                Value::NullText,
                Value::from(r.by),
                Value::from(at_ms),
            ]
        })
        .collect();
    crate::bulk::insert_rows(tx, MOVES_INSERT, &rows, "").await?;
    Ok(true)
}

/// The quantities per (SKU, warehouse), times `sign`, in the one global order of stock rows.
fn totals_of(rows: &[BatchReservation], sign: i64) -> Vec<((SkuId, WarehouseId), i64)> {
    let mut totals: Vec<((SkuId, WarehouseId), i64)> = Vec::new();
    for r in rows {
        match totals.iter_mut().find(|(key, _)| *key == (r.sku_id, r.warehouse_id)) {
            Some((_, total)) => *total += sign * r.quantity,
            None => totals.push(((r.sku_id, r.warehouse_id), sign * r.quantity)),
        }
    }
    totals.sort_by_key(|(key, _)| *key);
    totals
}

/// Adds each total to its stock row's `reserved` where `guard` allows; whether every row took it.
async fn add_to_reserved(tx: &mut Tx, totals: &[((SkuId, WarehouseId), i64)], guard: &str) -> StoreResult<bool> {
    use crate::Value;
    let deltas: Vec<(Vec<Value>, i64)> =
        totals.iter().map(|((sku, warehouse), q)| (vec![Value::from(*sku), Value::from(*warehouse)], *q)).collect();
    crate::bulk::add_to_rows(tx, "stock", &["sku_id", "warehouse_id"], "reserved", &deltas, guard).await
}

/// Stock rows whose `reserved` is not the sum of open orders' reservations (must be none).
pub async fn check_reservations(tx: &mut Tx) -> StoreResult<Vec<(SkuId, WarehouseId)>> {
    let sql = Sql::new(
        "SELECT s.sku_id, s.warehouse_id FROM stock s LEFT JOIN (SELECT r.sku_id, r.warehouse_id, \
         CAST(SUM(r.quantity) AS BIGINT) AS held FROM order_reservations r JOIN orders o ON o.id = r.order_id \
         WHERE o.status IN ('submitted', 'approved', 'partially_shipped') GROUP BY r.sku_id, r.warehouse_id) h \
         ON h.sku_id = s.sku_id AND h.warehouse_id = s.warehouse_id WHERE s.reserved <> COALESCE(h.held, 0)",
    );
    sql.fetch_all(tx.conn()).await?.iter().map(|row| Ok((row.parse("sku_id")?, row.parse("warehouse_id")?))).collect()
}

/// One stock move of an import, with the document it belongs to and why.
#[derive(Debug, Clone)]
pub struct ImportedMove {
    /// The SKU.
    pub sku_id: SkuId,
    /// The warehouse.
    pub warehouse_id: WarehouseId,
    /// `receipt`, `adjustment`, `reserve`, `release`, `ship`, `return`.
    pub kind: &'static str,
    /// Change of on hand.
    pub on_hand_delta: i64,
    /// Change of reserved.
    pub reserved_delta: i64,
    /// The document (`shipment`, id), if any.
    pub reference: Option<(&'static str, String)>,
    /// Why, in words (`期初库存`, `月度补货`).
    pub reason: Option<String>,
    /// When.
    pub at_ms: i64,
}

/// Creates stock rows with their quantities, for data brought in from elsewhere (the demo data
/// set, an ERP's history) whose moves [`import_moves`] wrote: the caller passes the sums of those
/// moves, which [`check_stock`] then confirms. Refused (`Err`) if a row exists already or would
/// hold `reserved` outside `0..=on_hand` (the table's own check).
pub async fn insert_levels(tx: &mut Tx, levels: &[(SkuId, WarehouseId, i64, i64)], now_ms: i64) -> StoreResult<()> {
    use crate::Value;
    let rows: Vec<Vec<Value>> = levels
        .iter()
        .map(|(sku, warehouse, on_hand, reserved)| {
            vec![
                Value::from(*sku),
                Value::from(*warehouse),
                Value::from(*on_hand),
                Value::from(*reserved),
                Value::from(now_ms),
            ]
        })
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO stock (sku_id, warehouse_id, on_hand, reserved, updated_ms) VALUES",
        &rows,
        "",
    )
    .await?;
    Ok(())
}

/// Appends moves to the journal without touching the stock rows: for an import that writes many
/// moves over several transactions and the rows once at the end ([`insert_levels`]).
pub async fn import_moves(tx: &mut Tx, moves: &[ImportedMove]) -> StoreResult<()> {
    use crate::Value;
    let rows: Vec<Vec<Value>> = moves
        .iter()
        .map(|m| {
            vec![
                Value::from(qudao_domain::ids::EntryId::new().to_string()),
                Value::from(m.sku_id),
                Value::from(m.warehouse_id),
                Value::from(m.kind),
                Value::from(m.on_hand_delta),
                Value::from(m.reserved_delta),
                Value::from(m.reference.as_ref().map(|r| r.0)),
                Value::from(m.reference.as_ref().map(|r| r.1.as_str())),
                Value::from(m.reason.as_deref()),
                Value::NullText,
                Value::from(m.at_ms),
            ]
        })
        .collect();
    crate::bulk::insert_rows(tx, MOVES_INSERT, &rows, "").await?;
    Ok(())
}
