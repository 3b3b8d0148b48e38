//! Writing the demo history's batches: one transaction per few hundred orders with everything
//! they left behind, the reservations journaled per stock row as the order desk does, the
//! journal entries posted with the ledger's overdraft guard; and, at the end, the day counters
//! and what partners took of limited promotions.

use std::collections::BTreeMap;

use qudao_domain::accounts::AccountKind;
use qudao_domain::ids::{AccountId, EntryId, PartnerId, PromotionId, ShipmentId};
use qudao_store::accounts::{self, NewEntry, NewPosting};
use qudao_store::orders::{self, PastOrder, PastReturn, PastShipment};
use qudao_store::stock::{self, ImportedMove};
use qudao_store::{Db, counters};

use super::ledger::Entry;
use super::orders::Writer;
use super::scope;
use crate::{AppError, AppResult};

fn invalid(what: &str) -> AppError {
    AppError::Internal(format!("demo history: {what}"))
}

/// One transaction's worth of rows.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) orders: Vec<PastOrder>,
    pub(super) shipments: Vec<PastShipment>,
    pub(super) events: Vec<(ShipmentId, i64, &'static str, Option<String>, String)>,
    pub(super) returns: Vec<PastReturn>,
    pub(super) moves: Vec<ImportedMove>,
    /// Reservations at placing, summed per (SKU, warehouse) as the order desk journals them.
    pub(super) reserved: BTreeMap<(usize, usize), i64>,
    pub(super) last_placed_ms: i64,
    pub(super) entries: Vec<Entry>,
}

impl Writer<'_> {
    /// Writes the batch in one transaction.
    pub(crate) async fn flush(&mut self, db: &Db) -> AppResult<()> {
        let mut batch = std::mem::take(&mut self.batch);
        let batch_ref = EntryId::new().to_string();
        for ((sku, wh), quantity) in std::mem::take(&mut batch.reserved) {
            batch.moves.push(ImportedMove {
                sku_id: self.ctx.goods.skus[sku].sku_id,
                warehouse_id: self.ctx.warehouses[wh].id,
                kind: "reserve",
                on_hand_delta: 0,
                reserved_delta: quantity,
                reference: Some(("order_batch", batch_ref.clone())),
                reason: None,
                at_ms: batch.last_placed_ms,
            });
        }
        let sales: AccountId = accounts::BRAND_SALES_CNY.parse().map_err(|_| invalid("sales account"))?;
        let cash: AccountId = accounts::BRAND_CASH_CNY.parse().map_err(|_| invalid("cash account"))?;
        let mut entries: Vec<(EntryId, NewEntry<'_>)> = Vec::with_capacity(batch.entries.len());
        for e in &batch.entries {
            let partner = self
                .ctx
                .habits
                .get(e.partner)
                .and_then(|h| self.ctx.written.get(h.partner))
                .ok_or_else(|| invalid("entry partner"))?;
            let mut postings = Vec::with_capacity(e.postings.len());
            for p in &e.postings {
                let account = match p.account {
                    AccountKind::Sales => sales,
                    AccountKind::Cash => cash,
                    kind => *self.ctx.accounts.get(&(partner.id, kind)).ok_or_else(|| invalid("partner account"))?,
                };
                postings.push(NewPosting { account, amount: p.amount });
            }
            entries.push((
                EntryId::new(),
                NewEntry {
                    partner: Some(partner.id),
                    template: e.template,
                    reference: e.order.as_ref().map(|o| ("order", o.clone())),
                    memo: e.memo.as_deref(),
                    created_by: None,
                    at_ms: e.at_ms,
                    postings,
                },
            ));
        }
        let mut tx = db.write(&scope()).await?;
        orders::insert_past_orders(&mut tx, &batch.orders).await?;
        orders::insert_past_shipments(&mut tx, &batch.shipments, &batch.events).await?;
        orders::insert_past_returns(&mut tx, &batch.returns).await?;
        stock::import_moves(&mut tx, &batch.moves).await?;
        if !accounts::post_batch(&mut tx, &entries).await? {
            return Err(invalid("an account would be overdrawn"));
        }
        tx.commit().await?;
        self.done.entries += entries.len() as u64;
        self.done.moves += batch.moves.len() as u64;
        Ok(())
    }

    /// Sets every document counter to the last number the history used, so the next order,
    /// shipment or return of a day gets the next number.
    pub(crate) async fn write_counters(&self, db: &Db) -> AppResult<()> {
        let mut tx = db.write(&scope()).await?;
        for (name, n) in &self.counters {
            counters::next_n(&mut tx, name, *n).await?;
        }
        let usage: Vec<(PromotionId, PartnerId, i64)> = self
            .used
            .iter()
            .enumerate()
            .filter_map(|(h, used)| Some((self.ctx.written.get(self.ctx.habits.get(h)?.partner)?.id, used)))
            .flat_map(|(partner, used)| used.iter().map(move |(p, n)| (*p, partner, *n)))
            .collect();
        if !usage.is_empty() {
            orders::add_promotion_usage(&mut tx, &usage).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
