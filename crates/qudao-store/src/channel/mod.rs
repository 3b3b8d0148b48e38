//! Channel inventory: partners' reports of their stock and sell-out, safety stock, and the rows
//! the brand reads (last count, sell-in since from shipments, sell-out since and lately).

use qudao_domain::channel::{Position, ReportKind};
use qudao_domain::ids::{PartnerId, SkuId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::sql::Value;
use crate::{RowExt, Sql, StoreResult, Tx};

/// A report to store, its lines checked.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    /// Id.
    pub id: String,
    /// Whose.
    pub partner_id: PartnerId,
    /// Stock or sell-out.
    pub kind: ReportKind,
    /// The day it is about, yyyymmdd.
    pub date: u32,
    /// The end of that day (China time), epoch ms: a count holds as of then.
    pub end_of_day_ms: i64,
    /// `portal`, `upload` or `api`.
    pub source: &'a str,
    /// SKU and quantity per line (one line per SKU).
    pub lines: &'a [(SkuId, i64)],
    /// Who.
    pub created_by: Option<UserId>,
    /// When.
    pub created_ms: i64,
}

/// Stores a report and applies it: a stock report replaces each SKU's last count unless a later
/// day's count is already there; a sell-out report sets each SKU's sales of that day.
pub async fn insert_report(tx: &mut Tx, r: &NewReport<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO channel_reports (id, partner_id, kind, report_date, source, lines, created_by, created_ms) VALUES (",
    );
    sql.bind(r.id.as_str()).push(", ").bind(r.partner_id).push(", ").bind(r.kind.as_str());
    sql.push(", ").bind(i64::from(r.date)).push(", ").bind(r.source).push(", ").bind(r.lines.len() as i64);
    sql.push(", ").bind(r.created_by).push(", ").bind(r.created_ms).push(")");
    sql.execute(tx.conn()).await?;
    let rows: Vec<Vec<Value>> = r
        .lines
        .iter()
        .map(|(sku, q)| vec![Value::from(r.id.as_str()), Value::from(r.partner_id), Value::from(*sku), Value::from(*q)])
        .collect();
    crate::bulk::insert_rows(
        tx,
        "INSERT INTO channel_report_lines (report_id, partner_id, sku_id, quantity) VALUES",
        &rows,
        "",
    )
    .await?;
    for (sku, quantity) in r.lines {
        let sql = match r.kind {
            ReportKind::Stock => {
                let mut sql = Sql::new(
                    "INSERT INTO channel_stock (partner_id, sku_id, quantity, as_of_date, as_of_ms, report_id) VALUES (",
                );
                sql.bind(r.partner_id).push(", ").bind(*sku).push(", ").bind(*quantity);
                sql.push(", ").bind(i64::from(r.date)).push(", ").bind(r.end_of_day_ms).push(", ").bind(r.id.as_str());
                sql.push(
                    ") ON CONFLICT (partner_id, sku_id) DO UPDATE SET quantity = excluded.quantity, \
                     as_of_date = excluded.as_of_date, as_of_ms = excluded.as_of_ms, report_id = excluded.report_id \
                     WHERE channel_stock.as_of_date <= excluded.as_of_date",
                );
                sql
            }
            ReportKind::SellOut => {
                let mut sql =
                    Sql::new("INSERT INTO channel_sell_out (partner_id, sku_id, sale_date, quantity) VALUES (");
                sql.bind(r.partner_id).push(", ").bind(*sku).push(", ").bind(i64::from(r.date)).push(", ");
                sql.bind(*quantity)
                    .push(") ON CONFLICT (partner_id, sku_id, sale_date) DO UPDATE SET quantity = excluded.quantity");
                sql
            }
        };
        sql.execute(tx.conn()).await?;
    }
    Ok(())
}

/// A refused sheet.
#[derive(Debug, Clone)]
pub struct Rejection<'a> {
    /// Id.
    pub id: &'a str,
    /// Whose.
    pub partner: PartnerId,
    /// `stock` or `sell_out`.
    pub kind: &'a str,
    /// The file's name.
    pub filename: &'a str,
    /// Its problems, JSON.
    pub problems_json: &'a str,
    /// Who sent it.
    pub by: Option<UserId>,
    /// When.
    pub at_ms: i64,
}

/// Keeps a refused sheet and its problems for the brand to see.
pub async fn insert_rejection(tx: &mut Tx, r: &Rejection<'_>) -> StoreResult<()> {
    let mut sql = Sql::new(
        "INSERT INTO channel_rejections (id, partner_id, kind, filename, problems_json, created_by, created_ms) VALUES (",
    );
    sql.bind(r.id).push(", ").bind(r.partner).push(", ").bind(r.kind).push(", ").bind(r.filename);
    sql.push(", ").bind(r.problems_json).push(", ").bind(r.by).push(", ").bind(r.at_ms).push(")");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Sets safety stock by hand (`manual`) or from sell-out (`auto`, which leaves a manual one).
pub async fn set_safety(
    tx: &mut Tx,
    partner: PartnerId,
    sku: SkuId,
    quantity: i64,
    source: &str,
    by: Option<UserId>,
    at_ms: i64,
) -> StoreResult<()> {
    let mut sql =
        Sql::new("INSERT INTO channel_safety (partner_id, sku_id, quantity, source, updated_by, updated_ms) VALUES (");
    sql.bind(partner).push(", ").bind(sku).push(", ").bind(quantity).push(", ").bind(source);
    sql.push(", ").bind(by).push(", ").bind(at_ms);
    sql.push(
        ") ON CONFLICT (partner_id, sku_id) DO UPDATE SET quantity = excluded.quantity, source = excluded.source, \
         updated_by = excluded.updated_by, updated_ms = excluded.updated_ms",
    );
    if source == "auto" {
        sql.push(" WHERE channel_safety.source = 'auto'");
    }
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// One partner × SKU as the brand reads it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ChannelRow {
    /// The partner.
    pub partner_id: PartnerId,
    /// Its code.
    pub partner_code: String,
    /// Its name.
    pub partner_name: String,
    /// Its region's code.
    pub region_code: String,
    /// Its region's name.
    pub region_name: String,
    /// The SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku: String,
    /// Its name.
    pub sku_name: String,
    /// The last count.
    pub reported: i64,
    /// Its day, yyyymmdd.
    pub as_of_date: i64,
    /// Shipped to the partner since.
    pub sell_in_since: i64,
    /// Reported sold since.
    pub sold_since: i64,
    /// Reported sold over the last 30 days.
    pub sold_recently: i64,
    /// Stock now, estimated.
    pub estimated: i64,
    /// Days it lasts at the recent sell-out (none when nothing sells).
    pub days_of_cover: Option<i64>,
    /// Safety stock, if set.
    pub safety: Option<i64>,
    /// Below safety stock.
    pub under_safety: bool,
}

/// A filter of the channel rows.
#[derive(Debug, Clone, Default)]
pub struct ChannelFilter {
    /// One partner.
    pub partner: Option<PartnerId>,
    /// Partners under this region path (`/R-EAST/`).
    pub region_path: Option<String>,
    /// One SKU code.
    pub sku: Option<String>,
}

/// The visible partner × SKU rows with a count, as of `today` (yyyymmdd; the last 30 days end
/// there), by partner and SKU code.
pub async fn rows(tx: &mut Tx, filter: &ChannelFilter, since_date: u32, limit: i64) -> StoreResult<Vec<ChannelRow>> {
    let mut sql = Sql::new(
        "SELECT cs.partner_id, p.code AS partner_code, p.name AS partner_name, r.code AS region_code, \
         r.name_zh AS region_name, cs.sku_id, s.code AS sku_code, s.name_zh AS sku_name, cs.quantity, cs.as_of_date, \
         CAST(COALESCE((SELECT SUM(sl.quantity) FROM shipment_lines sl JOIN shipments sh ON sh.id = sl.shipment_id \
           WHERE sl.partner_id = cs.partner_id AND sl.sku_id = cs.sku_id AND sh.shipped_ms > cs.as_of_ms), 0) AS BIGINT) AS sell_in, \
         CAST(COALESCE((SELECT SUM(so.quantity) FROM channel_sell_out so WHERE so.partner_id = cs.partner_id \
           AND so.sku_id = cs.sku_id AND so.sale_date > cs.as_of_date), 0) AS BIGINT) AS sold_since, \
         CAST(COALESCE((SELECT SUM(so.quantity) FROM channel_sell_out so WHERE so.partner_id = cs.partner_id \
           AND so.sku_id = cs.sku_id AND so.sale_date > ",
    );
    sql.bind(i64::from(since_date));
    sql.push(
        "), 0) AS BIGINT) AS sold_recently, sf.quantity AS safety \
         FROM channel_stock cs JOIN partners p ON p.id = cs.partner_id JOIN regions r ON r.id = p.region_id \
         JOIN skus s ON s.id = cs.sku_id \
         LEFT JOIN channel_safety sf ON sf.partner_id = cs.partner_id AND sf.sku_id = cs.sku_id WHERE 1 = 1",
    );
    if let Some(partner) = filter.partner {
        sql.push_bind(" AND cs.partner_id = ", partner);
    }
    if let Some(path) = &filter.region_path {
        sql.push_bind(" AND p.region_path LIKE ", format!("{}%", qudao_domain::text::like_escape(path)))
            .push(" ESCAPE '\\'");
    }
    if let Some(sku) = &filter.sku {
        sql.push_bind(" AND s.code = ", sku.as_str());
    }
    tx.scope().filter_partner(&mut sql, "cs.partner_id");
    sql.push_bind(" ORDER BY p.code, s.code LIMIT ", limit);
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            let position = Position {
                reported: row.int("quantity")?,
                sell_in_since: row.int("sell_in")?,
                sold_since: row.int("sold_since")?,
                sold_recently: row.int("sold_recently")?,
            };
            let safety = row.opt_int("safety")?;
            Ok(ChannelRow {
                partner_id: row.parse("partner_id")?,
                partner_code: row.text("partner_code")?,
                partner_name: row.text("partner_name")?,
                region_code: row.text("region_code")?,
                region_name: row.text("region_name")?,
                sku_id: row.parse("sku_id")?,
                sku: row.text("sku_code")?,
                sku_name: row.text("sku_name")?,
                reported: position.reported,
                as_of_date: row.int("as_of_date")?,
                sell_in_since: position.sell_in_since,
                sold_since: position.sold_since,
                sold_recently: position.sold_recently,
                estimated: position.estimated(),
                days_of_cover: position.days_of_cover(),
                safety,
                under_safety: position.under(safety),
            })
        })
        .collect()
}

/// A refused sheet as the brand sees it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RejectionView {
    /// Id.
    pub id: String,
    /// Whose.
    pub partner_id: PartnerId,
    /// `stock` or `sell_out`.
    pub kind: String,
    /// The file's name.
    pub filename: String,
    /// Its problems: `[field, code]` pairs.
    pub problems: serde_json::Value,
    /// When.
    pub created_ms: i64,
}

/// The latest visible refused sheets.
pub async fn rejections(tx: &mut Tx, limit: i64) -> StoreResult<Vec<RejectionView>> {
    let mut sql = Sql::new(
        "SELECT id, partner_id, kind, filename, problems_json, created_ms FROM channel_rejections WHERE 1 = 1",
    );
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.push_bind(" ORDER BY created_ms DESC, id DESC LIMIT ", limit);
    sql.fetch_all(tx.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(RejectionView {
                id: row.text("id")?,
                partner_id: row.parse("partner_id")?,
                kind: row.text("kind")?,
                filename: row.text("filename")?,
                problems: serde_json::from_str(&row.text("problems_json")?).unwrap_or(serde_json::Value::Null),
                created_ms: row.int("created_ms")?,
            })
        })
        .collect()
}
