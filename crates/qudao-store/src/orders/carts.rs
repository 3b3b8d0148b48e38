//! The cart every user of a partner company shares, and its saved lists (常购清单). Both are
//! read and written through the caller's partner wall; quantities are in the line's unit.

use qudao_domain::ids::{PartnerId, SavedListId, SkuId, UnitId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::bulk::insert_rows;
use crate::{RowExt, Sql, StoreResult, Tx, Value};

/// A line of a cart or saved list, with the codes people know it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CartLine {
    /// The SKU.
    pub sku_id: SkuId,
    /// Its code.
    pub sku: String,
    /// Chinese name (product and SKU).
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The unit's code.
    pub unit: String,
    /// Quantity in the unit.
    pub quantity: i64,
    /// When it last changed (carts only; 0 on saved lists).
    pub updated_ms: i64,
}

/// What to put in a cart: SKU, unit and quantity in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartEntry {
    /// The SKU.
    pub sku: SkuId,
    /// The unit.
    pub unit: UnitId,
    /// Quantity in the unit.
    pub quantity: i64,
}

const LINE_COLUMNS: &str = "s.id AS sku_id, s.code AS sku, (p.name_zh || ' ' || s.name_zh) AS name_zh, \
     (p.name_en || ' ' || s.name_en) AS name_en, u.code AS unit, c.quantity";

fn line_of(row: &sqlx::any::AnyRow, updated: bool) -> StoreResult<CartLine> {
    Ok(CartLine {
        sku_id: row.parse("sku_id")?,
        sku: row.text("sku")?,
        name_zh: row.text("name_zh")?,
        name_en: row.text("name_en")?,
        unit: row.text("unit")?,
        quantity: row.int("quantity")?,
        updated_ms: if updated { row.int("updated_ms")? } else { 0 },
    })
}

/// The partner's cart, oldest line first (the order people added them in).
pub async fn cart(tx: &mut Tx, partner: PartnerId) -> StoreResult<Vec<CartLine>> {
    let mut sql = Sql::new("SELECT ");
    sql.push(LINE_COLUMNS).push(
        ", c.updated_ms FROM cart_items c JOIN skus s ON s.id = c.sku_id JOIN products p ON p.id = s.product_id \
         JOIN units u ON u.id = c.unit_id WHERE c.partner_id = ",
    );
    sql.bind(partner);
    tx.scope().filter_partner(&mut sql, "c.partner_id");
    sql.push(" ORDER BY c.updated_ms, s.code");
    sql.fetch_all(tx.conn()).await?.iter().map(|row| line_of(row, true)).collect()
}

/// The `cart_items` rows for `entries`.
fn cart_rows<'a>(
    partner: PartnerId,
    entries: impl Iterator<Item = &'a CartEntry>,
    by: UserId,
    now_ms: i64,
) -> Vec<Vec<Value>> {
    entries
        .map(|e| {
            vec![
                Value::from(partner),
                Value::from(e.sku),
                Value::from(e.unit),
                Value::from(e.quantity),
                Value::from(by),
                Value::from(now_ms),
            ]
        })
        .collect()
}

/// Adds to the cart: the quantity grows when the SKU is already there in the same unit; a line
/// in another unit is replaced, since one cart line holds one unit. Done in SQL, so two users of
/// the same partner adding at once both count.
pub async fn add_to_cart(
    tx: &mut Tx,
    partner: PartnerId,
    entries: &[CartEntry],
    by: UserId,
    now_ms: i64,
) -> StoreResult<()> {
    let rows = cart_rows(partner, entries.iter(), by, now_ms);
    insert_rows(
        tx,
        "INSERT INTO cart_items (partner_id, sku_id, unit_id, quantity, added_by, updated_ms) VALUES",
        &rows,
        " ON CONFLICT (partner_id, sku_id) DO UPDATE SET quantity = CASE WHEN cart_items.unit_id = \
         excluded.unit_id THEN cart_items.quantity + excluded.quantity ELSE excluded.quantity END, \
         unit_id = excluded.unit_id, added_by = excluded.added_by, updated_ms = excluded.updated_ms",
    )
    .await?;
    Ok(())
}

/// Sets cart lines to exactly these quantities; 0 removes the line.
pub async fn set_in_cart(
    tx: &mut Tx,
    partner: PartnerId,
    entries: &[CartEntry],
    by: UserId,
    now_ms: i64,
) -> StoreResult<()> {
    let (gone, kept): (Vec<&CartEntry>, Vec<&CartEntry>) = entries.iter().partition(|e| e.quantity == 0);
    for entry in gone {
        let mut sql = Sql::new("DELETE FROM cart_items WHERE partner_id = ");
        sql.bind(partner).push_bind(" AND sku_id = ", entry.sku);
        tx.scope().filter_partner(&mut sql, "partner_id");
        sql.execute(tx.conn()).await?;
    }
    let rows = cart_rows(partner, kept.into_iter(), by, now_ms);
    insert_rows(
        tx,
        "INSERT INTO cart_items (partner_id, sku_id, unit_id, quantity, added_by, updated_ms) VALUES",
        &rows,
        " ON CONFLICT (partner_id, sku_id) DO UPDATE SET quantity = excluded.quantity, unit_id = excluded.unit_id, \
         added_by = excluded.added_by, updated_ms = excluded.updated_ms",
    )
    .await?;
    Ok(())
}

/// Takes what was just ordered out of the cart: each line shrinks by the ordered quantity and
/// goes when nothing is left. Lines another user changed in the meantime (another unit, or
/// grown) keep what was added since.
pub async fn take_from_cart(tx: &mut Tx, partner: PartnerId, entries: &[CartEntry]) -> StoreResult<()> {
    for entry in entries {
        let mut sql = Sql::new("UPDATE cart_items SET quantity = quantity - ");
        sql.bind(entry.quantity).push_bind(" WHERE partner_id = ", partner).push_bind(" AND sku_id = ", entry.sku);
        sql.push_bind(" AND unit_id = ", entry.unit);
        tx.scope().filter_partner(&mut sql, "partner_id");
        sql.execute(tx.conn()).await?;
    }
    let mut sql = Sql::new("DELETE FROM cart_items WHERE quantity <= 0 AND partner_id = ");
    sql.bind(partner);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    Ok(())
}

/// Empties the partner's cart.
pub async fn clear_cart(tx: &mut Tx, partner: PartnerId) -> StoreResult<u64> {
    let mut sql = Sql::new("DELETE FROM cart_items WHERE partner_id = ");
    sql.bind(partner);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await
}

/// A saved list in the partner's overview.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedListSummary {
    /// Id.
    pub id: SavedListId,
    /// The partner it belongs to.
    pub partner_id: PartnerId,
    /// Its name, unique per partner.
    pub name: String,
    /// How many lines.
    pub lines: i64,
    /// When it was saved.
    pub created_ms: i64,
}

/// A saved list with its lines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedListView {
    /// The list.
    #[serde(flatten)]
    pub summary: SavedListSummary,
    /// Its lines.
    pub items: Vec<CartLine>,
}

/// Writes a new saved list; a name the partner already uses is a unique violation.
pub async fn insert_saved_list(
    tx: &mut Tx,
    id: SavedListId,
    partner: PartnerId,
    name: &str,
    entries: &[CartEntry],
    by: UserId,
    now_ms: i64,
) -> StoreResult<()> {
    let mut sql = Sql::new("INSERT INTO saved_lists (id, partner_id, name, created_by, created_ms) VALUES (");
    sql.bind(id).push(", ").bind(partner).push(", ").bind(name).push(", ").bind(by).push(", ").bind(now_ms);
    sql.push(")");
    sql.execute(tx.conn()).await?;
    let rows: Vec<Vec<Value>> = entries
        .iter()
        .map(|e| {
            vec![
                Value::from(id),
                Value::from(partner),
                Value::from(e.sku),
                Value::from(e.unit),
                Value::from(e.quantity),
            ]
        })
        .collect();
    insert_rows(tx, "INSERT INTO saved_list_items (list_id, partner_id, sku_id, unit_id, quantity) VALUES", &rows, "")
        .await?;
    Ok(())
}

/// The saved lists the caller may see, by name.
pub async fn saved_lists(tx: &mut Tx) -> StoreResult<Vec<SavedListSummary>> {
    let mut sql = Sql::new(
        "SELECT l.id, l.partner_id, l.name, l.created_ms, (SELECT COUNT(*) FROM saved_list_items i \
         WHERE i.list_id = l.id) AS lines FROM saved_lists l WHERE 1 = 1",
    );
    tx.scope().filter_partner(&mut sql, "l.partner_id");
    sql.push(" ORDER BY l.name");
    let mut out = Vec::new();
    for row in sql.fetch_all(tx.conn()).await? {
        out.push(SavedListSummary {
            id: row.parse("id")?,
            partner_id: row.parse("partner_id")?,
            name: row.text("name")?,
            lines: row.int("lines")?,
            created_ms: row.int("created_ms")?,
        });
    }
    Ok(out)
}

/// One saved list with its lines, if the caller may see it.
pub async fn saved_list(tx: &mut Tx, id: SavedListId) -> StoreResult<Option<SavedListView>> {
    let mut sql = Sql::new("SELECT l.id, l.partner_id, l.name, l.created_ms FROM saved_lists l WHERE l.id = ");
    sql.bind(id);
    tx.scope().filter_partner(&mut sql, "l.partner_id");
    let Some(row) = sql.fetch_optional(tx.conn()).await? else { return Ok(None) };
    let mut summary = SavedListSummary {
        id: row.parse("id")?,
        partner_id: row.parse("partner_id")?,
        name: row.text("name")?,
        lines: 0,
        created_ms: row.int("created_ms")?,
    };
    let mut sql = Sql::new("SELECT ");
    sql.push(LINE_COLUMNS).push(
        " FROM saved_list_items c JOIN skus s ON s.id = c.sku_id JOIN products p ON p.id = s.product_id \
         JOIN units u ON u.id = c.unit_id WHERE c.list_id = ",
    );
    sql.bind(id);
    tx.scope().filter_partner(&mut sql, "c.partner_id");
    sql.push(" ORDER BY s.code");
    let items: Vec<CartLine> =
        sql.fetch_all(tx.conn()).await?.iter().map(|row| line_of(row, false)).collect::<StoreResult<_>>()?;
    summary.lines = items.len() as i64;
    Ok(Some(SavedListView { summary, items }))
}

/// Deletes a saved list and its lines; `false` when the caller cannot see it.
pub async fn delete_saved_list(tx: &mut Tx, id: SavedListId) -> StoreResult<bool> {
    let mut sql = Sql::new("DELETE FROM saved_list_items WHERE list_id = ");
    sql.bind(id);
    tx.scope().filter_partner(&mut sql, "partner_id");
    sql.execute(tx.conn()).await?;
    let mut sql = Sql::new("DELETE FROM saved_lists WHERE id = ");
    sql.bind(id);
    tx.scope().filter_partner(&mut sql, "partner_id");
    Ok(sql.execute(tx.conn()).await? > 0)
}
