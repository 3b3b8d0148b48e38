//! The raw place-order transaction of `shared/bench/raw-order` on SQLite: the database's own
//! ceiling for "place an order" (five guarded stock reservations, one guarded credit debit, the
//! header, five lines, an outbox row; one order per commit) with no HTTP, pricing or
//! permissions. The order-fair benchmark runs it on a scratch file beside Qudao's database and
//! prints Qudao's rate as a ratio of it. Tables are prefixed `raw_` and live only in that file.

use std::time::{Duration, Instant};

use crate::{Db, Scope, Sql, StoreResult};

const SCHEMA: &[&str] = &[
    "CREATE TABLE raw_sku_stock (sku_id BIGINT NOT NULL, warehouse_id BIGINT NOT NULL, on_hand BIGINT NOT NULL, \
     reserved BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (sku_id, warehouse_id), CHECK (reserved >= 0 AND reserved <= on_hand))",
    "CREATE TABLE raw_account (partner_id BIGINT PRIMARY KEY, credit_limit BIGINT NOT NULL, balance BIGINT NOT NULL \
     DEFAULT 0, CHECK (balance <= credit_limit))",
    "CREATE TABLE raw_orders (order_id INTEGER PRIMARY KEY AUTOINCREMENT, partner_id BIGINT NOT NULL, status TEXT NOT NULL, \
     total_cents BIGINT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE INDEX raw_orders_partner ON raw_orders (partner_id, created_at)",
    "CREATE TABLE raw_order_lines (order_id BIGINT NOT NULL REFERENCES raw_orders (order_id), line_no SMALLINT NOT NULL, \
     sku_id BIGINT NOT NULL, warehouse_id BIGINT NOT NULL, qty BIGINT NOT NULL, unit_price_cents BIGINT NOT NULL, \
     PRIMARY KEY (order_id, line_no))",
    "CREATE TABLE raw_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, aggregate_type TEXT NOT NULL, aggregate_id BIGINT \
     NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 10000) \
     INSERT INTO raw_sku_stock (sku_id, warehouse_id, on_hand, reserved) SELECT n, 1, 1000000000000, 0 FROM g",
    "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000) \
     INSERT INTO raw_account (partner_id, credit_limit, balance) SELECT n, 1000000000000000, 0 FROM g",
    "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 50000) \
     INSERT INTO raw_orders (partner_id, status, total_cents, created_at) SELECT 1 + n % 5000, 'shipped', 10000, n FROM g",
    "WITH RECURSIVE l(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM l WHERE n < 5) \
     INSERT INTO raw_order_lines (order_id, line_no, sku_id, warehouse_id, qty, unit_price_cents) \
     SELECT o.order_id, l.n, 1 + (o.order_id * 7 + l.n * 1999) % 10000, 1, 1, 2000 FROM raw_orders o, l",
    "INSERT INTO raw_outbox (aggregate_type, aggregate_id, event_type, payload, created_at) \
     SELECT 'order', order_id, 'OrderPlaced', '{\"order_id\":' || order_id || '}', created_at FROM raw_orders",
    "ANALYZE",
];

/// A tiny generator, so runs draw the same orders.
struct Draw(u64);

impl Draw {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % below.max(1)
    }

    /// `random(low, high)` of pgbench, inclusive.
    fn range(&mut self, low: u64, high: u64) -> i64 {
        (low + self.next(high - low + 1)) as i64
    }
}

/// Creates the raw tables in `db` (a scratch SQLite file), then places orders with the hot skew
/// (80% of lines on 4 SKUs of each fifth of the catalog) one per commit for `duration`; returns
/// orders per second.
pub async fn run_sqlite(db: &Db, duration: Duration) -> StoreResult<f64> {
    let scope = Scope::system("the raw order benchmark owns its scratch file");
    let mut tx = db.write(&scope).await?;
    for statement in SCHEMA {
        Sql::new(statement).execute(tx.conn()).await?;
    }
    tx.commit().await?;
    let mut draw = Draw(7);
    let started = Instant::now();
    let mut placed = 0_u64;
    while started.elapsed() < duration {
        let partner = draw.range(1, 5000);
        let mut lines = Vec::with_capacity(5);
        for base in [0, 2000, 4000, 6000, 8000] {
            let offset = if draw.range(1, 100) <= 80 { draw.range(1, 4) } else { draw.range(5, 2000) };
            let sku = base + offset;
            lines.push((sku, draw.range(1, 10), (sku % 97 + 1) * 100));
        }
        let amount: i64 = lines.iter().map(|(_, q, p)| q * p).sum();
        let mut tx = db.write(&scope).await?;
        let mut ok = true;
        for (sku, quantity, _) in &lines {
            let mut sql = Sql::new("UPDATE raw_sku_stock SET reserved = reserved + ");
            sql.bind(*quantity).push_bind(" WHERE sku_id = ", *sku).push(" AND warehouse_id = 1 AND reserved + ");
            sql.bind(*quantity).push(" <= on_hand");
            ok &= sql.execute(tx.conn()).await? == 1;
        }
        let mut account = Sql::new("UPDATE raw_account SET balance = balance + ");
        account.bind(amount).push_bind(" WHERE partner_id = ", partner).push(" AND balance + ").bind(amount);
        account.push(" <= credit_limit");
        ok &= account.execute(tx.conn()).await? == 1;
        if !ok {
            continue;
        }
        let mut header = Sql::new("INSERT INTO raw_orders (partner_id, status, total_cents, created_at) VALUES (");
        header.bind(partner).push(", 'placed', ").bind(amount).push(", 0) RETURNING order_id");
        let order = header.fetch_i64(tx.conn()).await?;
        let mut insert = Sql::new(
            "INSERT INTO raw_order_lines (order_id, line_no, sku_id, warehouse_id, qty, unit_price_cents) VALUES ",
        );
        for (index, (sku, quantity, price)) in lines.iter().enumerate() {
            insert.push(if index == 0 { "(" } else { ", (" }).bind(order).push_bind(", ", index as i64 + 1);
            insert.push_bind(", ", *sku).push(", 1, ").bind(*quantity).push_bind(", ", *price).push(")");
        }
        insert.execute(tx.conn()).await?;
        let mut outbox = Sql::new(
            "INSERT INTO raw_outbox (aggregate_type, aggregate_id, event_type, payload, created_at) VALUES ('order', ",
        );
        let payload = format!(r#"{{"order_id":{order},"partner_id":{partner},"total_cents":{amount},"lines":5}}"#);
        outbox.bind(order).push(", 'OrderPlaced', ").bind(payload).push(", 0)");
        outbox.execute(tx.conn()).await?;
        tx.commit().await?;
        placed += 1;
    }
    Ok(placed as f64 / started.elapsed().as_secs_f64())
}
