//! The order desk's unlocked read: everything a batch decides on, in one statement.

use std::collections::HashMap;

use qudao_domain::ids::{OrderId, PartnerId, PromotionId, SkuId};

use crate::accounts::{HeldAccount, kind_of};
use crate::bulk::push_in;
use crate::sql::{RowExt, Sql};
use crate::stock::HeldStock;
use crate::{StoreResult, Tx};

/// What a batch decides on, as one snapshot saw it.
#[derive(Debug, Default)]
pub struct Peeked {
    /// The stock rows of the SKUs asked.
    pub stock: Vec<HeldStock>,
    /// The CNY accounts of the partners asked.
    pub accounts: Vec<HeldAccount>,
    /// What the partners took of limited promotions (when asked).
    pub usage: HashMap<(PromotionId, PartnerId), i64>,
    /// Whether the marker order was there (with its status, when one was given).
    pub marker_visible: bool,
}

/// Reads the stock rows of `skus`, the accounts of `partners`, their promotion usage (when
/// `with_usage`) and whether `marker` is there, without locks, in **one** statement: on
/// PostgreSQL each statement sees its own snapshot, and the order desk must know whether the
/// values it reads already hold the batch before it (whose marker order shows its commit) —
/// read apart, a commit falling between two reads would be seen by one and not the other.
pub async fn peek_batch(
    tx: &mut Tx,
    skus: &[SkuId],
    partners: &[PartnerId],
    with_usage: bool,
    marker: Option<(OrderId, Option<&str>)>,
) -> StoreResult<Peeked> {
    let dialect = tx.dialect();
    let mut sql = Sql::new("");
    let mut parts = 0;
    let mut part = |sql: &mut Sql, text: &str| {
        if parts > 0 {
            sql.push(" UNION ALL ");
        }
        parts += 1;
        sql.push(text);
    };
    if !skus.is_empty() {
        part(
            &mut sql,
            "SELECT 'stock' AS part, sku_id AS a, warehouse_id AS b, CAST(NULL AS TEXT) AS c, on_hand AS x, \
             reserved AS y FROM stock WHERE ",
        );
        push_in(&mut sql, dialect, "sku_id", skus);
    }
    if !partners.is_empty() {
        part(
            &mut sql,
            "SELECT 'account' AS part, id AS a, partner_id AS b, kind AS c, balance AS x, credit_line AS y \
             FROM ledger_accounts WHERE currency = 'CNY' AND ",
        );
        push_in(&mut sql, dialect, "partner_id", partners);
        if with_usage {
            part(
                &mut sql,
                "SELECT 'usage' AS part, promotion_id AS a, partner_id AS b, CAST(NULL AS TEXT) AS c, used AS x, \
                 CAST(0 AS BIGINT) AS y FROM promotion_usage WHERE ",
            );
            push_in(&mut sql, dialect, "partner_id", partners);
        }
    }
    if let Some((order, status)) = marker {
        part(
            &mut sql,
            "SELECT 'marker' AS part, CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS TEXT) AS c, \
             COUNT(*) AS x, CAST(0 AS BIGINT) AS y FROM orders WHERE id = ",
        );
        sql.bind(order);
        if let Some(status) = status {
            sql.push(" AND status = ").bind(status);
        }
    }
    let mut peeked = Peeked::default();
    if parts == 0 {
        return Ok(peeked);
    }
    for row in sql.fetch_all(tx.conn()).await? {
        match row.text("part")?.as_str() {
            "stock" => peeked.stock.push(HeldStock {
                sku_id: row.parse("a")?,
                warehouse_id: row.parse("b")?,
                on_hand: row.int("x")?,
                reserved: row.int("y")?,
            }),
            "account" => peeked.accounts.push(HeldAccount {
                id: row.parse("a")?,
                partner_id: row.parse("b")?,
                kind: kind_of(&row.text("c")?)?,
                balance: row.int("x")?,
                credit_line: row.int("y")?,
            }),
            "usage" => {
                peeked.usage.insert((row.parse("a")?, row.parse("b")?), row.int("x")?);
            }
            _ => peeked.marker_visible = row.int("x")? > 0,
        }
    }
    Ok(peeked)
}
