//! The brand's three central warehouses and the stock in them: an opening stock two years ago,
//! a replenishment at the start of every month (what the month shipped, and a tenth more), and
//! this week's stock count, which leaves most SKUs well stocked, a few low and a few out of
//! stock, so the "low / out" display has something to show.

use std::collections::HashMap;

use qudao_domain::ids::WarehouseId;
use qudao_store::Db;
use qudao_store::partners::regions::Region;
use qudao_store::stock::{self, Warehouse};

use super::calendar::midnight_ms;
use super::goods::Goods;
use super::orders::{Why, Writer};
use super::rng::Rng;
use super::scope;
use crate::{AppError, AppResult};

/// Code, names, region and priority (lower is preferred): East serves East and Central China,
/// South serves the South and Southwest, North the North, Northeast and Northwest.
const WAREHOUSES: [(&str, &str, &str, &str, i64); 3] = [
    ("WH-EAST", "华东中心仓（上海）", "East China DC (Shanghai)", "R-EAST", 10),
    ("WH-SOUTH", "华南中心仓（广州）", "South China DC (Guangzhou)", "R-SOUTH", 20),
    ("WH-NORTH", "华北中心仓（天津）", "North China DC (Tianjin)", "R-NORTH", 30),
];

/// Writes the warehouses.
pub(crate) async fn write(db: &Db, regions: &HashMap<String, Region>, at_ms: i64) -> AppResult<Vec<Warehouse>> {
    let mut tx = db.write(&scope()).await?;
    let mut out = Vec::new();
    for (code, zh, en, region, priority) in WAREHOUSES {
        let region = regions.get(region).ok_or_else(|| AppError::Internal(format!("demo region {region}")))?;
        let warehouse = Warehouse {
            id: WarehouseId::new(),
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            region_id: Some(region.id),
            priority,
            active: true,
        };
        stock::insert_warehouse(&mut tx, &warehouse, at_ms).await?;
        out.push(warehouse);
    }
    tx.commit().await?;
    Ok(out)
}

/// The warehouse (index) that serves a partner, by the 大区 of its region path.
pub(crate) fn serving(region_path: &str) -> usize {
    let top = region_path.trim_start_matches('/').split('/').next().unwrap_or("");
    match top {
        "R-SOUTH" | "R-SW" => 1,
        "R-NORTH" | "R-NE" | "R-NW" => 2,
        _ => 0,
    }
}

/// The opening stock, a day before the history starts: forty cases of everything everywhere.
pub(crate) fn opening(writer: &mut Writer<'_>, goods: &Goods, warehouses: usize, at_ms: i64) {
    for (index, sku) in goods.skus.iter().enumerate() {
        let case = Goods::case(sku);
        for wh in 0..warehouses {
            let why = Why { reference: None, reason: Some("期初库存".into()), at_ms };
            writer.move_stock(index, wh, "receipt", (40 * case, 0), why);
        }
    }
}

/// The monthly replenishments and this week's count; then writes the stock rows, which equal
/// the sums of all the moves. `keep` are SKUs that must stay well stocked (the promoted ones).
pub(crate) async fn finish(
    db: &Db,
    writer: &mut Writer<'_>,
    goods: &Goods,
    warehouses: &[Warehouse],
    keep: &[usize],
    rng: &mut Rng,
    now_ms: i64,
) -> AppResult<()> {
    let shipped: Vec<((u32, usize, usize), i64)> = writer.shipped.iter().map(|(k, v)| (*k, *v)).collect();
    for ((month, sku, wh), quantity) in shipped {
        let case = Goods::case(&goods.skus[sku]);
        let receipt = (quantity * 11 / 10 + case - 1) / case * case;
        let at_ms = midnight_ms(month * 100 + 1) + 9 * 3_600_000;
        let why =
            Why { reference: None, reason: Some(format!("{}年{}月补货入库", month / 100, month % 100)), at_ms };
        writer.move_stock(sku, wh, "receipt", (receipt, 0), why);
    }
    // The count: out of stock (3%), low (5%, only a few units left in the East), else between
    // 20 and 150 cases free in each warehouse.
    let count_ms = now_ms - 3 * 3_600_000;
    for (index, sku) in goods.skus.iter().enumerate() {
        let case = Goods::case(sku);
        let roll = rng.below(100);
        let kept = keep.contains(&index);
        for wh in 0..warehouses.len() {
            let free = match roll {
                0..=2 if !kept => 0,
                3..=7 if !kept => {
                    if wh == 0 {
                        rng.between(5, 45) as i64
                    } else {
                        0
                    }
                }
                _ => rng.between(20, 150) as i64 * case,
            };
            let (on_hand, reserved) = writer.levels.get(&(index, wh)).copied().unwrap_or((0, 0));
            let delta = reserved + free - on_hand;
            if delta != 0 {
                let why = Why { reference: None, reason: Some("季度盘点调整".into()), at_ms: count_ms };
                writer.move_stock(index, wh, "adjustment", (delta, 0), why);
            }
        }
    }
    writer.flush(db).await?;
    let levels: Vec<_> = writer
        .levels
        .iter()
        .map(|((sku, wh), (on_hand, reserved))| (goods.skus[*sku].sku_id, warehouses[*wh].id, *on_hand, *reserved))
        .collect();
    let mut tx = db.write(&scope()).await?;
    for chunk in levels.chunks(2_000) {
        stock::insert_levels(&mut tx, chunk, now_ms).await?;
    }
    tx.commit().await?;
    Ok(())
}
