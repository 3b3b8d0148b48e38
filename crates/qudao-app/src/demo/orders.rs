//! Two years of orders, written straight through the store in chronological batches: each basket
//! is priced by the same engine checkout uses (so every line carries its explanation), paid, and
//! taken through its lifecycle up to now; its shipments, tracking, returns, stock moves and
//! journal entries are written in the same transaction as the order. The invariants the system
//! checks hold by construction: reserved stock is what open orders hold, every balance is the
//! sum of its entries, and each day's document counters end at the last number used.

use std::collections::{BTreeMap, HashMap};

use qudao_domain::accounts::AccountKind;
use qudao_domain::docnum;
use qudao_domain::ids::{AccountId, OrderId, PartnerId, PromotionId, ReturnId, ShipmentId};
use qudao_domain::orders::{LineQuantity, PaymentSplit, ReturnableLine, price_return, refund_split};
use qudao_domain::pricing::{Buyer, CartItem, PriceOptions, price_cart, resolve_price};
use qudao_store::Db;
use qudao_store::orders::{
    NewLine, NewOrder, NewReservation, NewReturn, NewShipment, PastOrder, PastReturn, PastShipment,
};
use qudao_store::stock::{ImportedMove, Warehouse};

use super::batch::Batch;
use super::calendar::{date_of, month_of};
use super::goods::Goods;
use super::history::{Basket, Habit};
use super::ledger::{self, Balances, Entry};
use super::lifecycle::{self, Pay};
use super::partners::Written;
use super::prices::Pricing;
use super::rng::Rng;
use super::timeline::DAY_MS;
use crate::{AppError, AppResult};

/// Orders per transaction.
pub(super) const BATCH_ORDERS: usize = 400;

/// Orders above this total (fen) waited for a person (the setting's default).
const AUTO_APPROVE_MAX: i64 = 5_000_000;

const CARRIERS: [(&str, &str); 5] =
    [("顺丰速运", "SF"), ("德邦物流", "DPK"), ("京东物流", "JDL"), ("中通快运", "ZTO"), ("安能物流", "ANE")];
const RETURN_REASONS: [&str; 4] = ["外箱破损", "临期商品", "发错货", "质量问题"];
const REMARKS: [&str; 4] = ["请尽快安排发货", "春节备货，请优先安排", "送货前请电话联系", "周末不收货"];

/// What the history writer needs of everything written before it.
pub(crate) struct Context<'a> {
    pub goods: &'a Goods,
    pub pricing: &'a Pricing,
    pub written: &'a [Written],
    pub habits: &'a [Habit],
    pub warehouses: &'a [Warehouse],
    /// The warehouse (index) serving each partner (by plan index).
    pub serving: &'a [usize],
    /// Each partner's default shipping address as JSON (by plan index).
    pub addresses: &'a [Option<String>],
    /// Partner accounts.
    pub accounts: &'a HashMap<(PartnerId, AccountKind), AccountId>,
    pub now_ms: i64,
}

/// What the history wrote, for the CLI's report and the tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    pub orders: u64,
    pub lines: u64,
    pub shipments: u64,
    pub returns: u64,
    pub entries: u64,
    pub moves: u64,
}

/// The history under construction.
pub(crate) struct Writer<'a> {
    pub(super) ctx: Context<'a>,
    rng: Rng,
    pub balances: Vec<Balances>,
    pub(super) used: Vec<HashMap<PromotionId, i64>>,
    pub(super) counters: BTreeMap<String, u64>,
    /// Stock per (SKU, warehouse): on hand, reserved (the sums of every move made).
    pub levels: HashMap<(usize, usize), (i64, i64)>,
    /// Base units shipped per (month, SKU, warehouse), for the monthly replenishment.
    pub shipped: BTreeMap<(u32, usize, usize), i64>,
    pub(super) batch: Batch,
    pub done: Summary,
}

fn invalid(what: &str) -> AppError {
    AppError::Internal(format!("demo history: {what}"))
}

impl<'a> Writer<'a> {
    /// A writer over `ctx`, drawing its decisions from `rng`.
    pub(crate) fn new(ctx: Context<'a>, rng: Rng) -> Writer<'a> {
        let n = ctx.habits.len();
        Writer {
            ctx,
            rng,
            balances: vec![Balances::default(); n],
            used: vec![HashMap::new(); n],
            counters: BTreeMap::new(),
            levels: HashMap::new(),
            shipped: BTreeMap::new(),
            batch: Batch::default(),
            done: Summary::default(),
        }
    }

    /// Adds a move to the batch and to the levels.
    pub(crate) fn move_stock(&mut self, sku: usize, wh: usize, kind: &'static str, deltas: (i64, i64), why: Why) {
        let level = self.levels.entry((sku, wh)).or_insert((0, 0));
        level.0 += deltas.0;
        level.1 += deltas.1;
        self.batch.moves.push(ImportedMove {
            sku_id: self.ctx.goods.skus[sku].sku_id,
            warehouse_id: self.ctx.warehouses[wh].id,
            kind,
            on_hand_delta: deltas.0,
            reserved_delta: deltas.1,
            reference: why.reference,
            reason: why.reason,
            at_ms: why.at_ms,
        });
    }

    /// Adds journal entries to the batch.
    pub(crate) fn post(&mut self, entry: Option<Entry>) {
        if let Some(entry) = entry {
            self.batch.entries.push(entry);
        }
    }

    fn number(&mut self, prefix: &str, counter: &str, at_ms: i64) -> String {
        let date = date_of(at_ms);
        let n = self.counters.entry(format!("{counter}:{date}")).or_insert(0);
        *n += 1;
        docnum::format(prefix, date, *n)
    }

    /// Prices a basket, pays for it, takes it through its lifecycle and adds every row it leaves
    /// to the batch; writes the batch when it is full.
    pub(crate) async fn place(&mut self, db: &Db, basket: &Basket) -> AppResult<()> {
        let h = basket.habit;
        let (goods, pricing, habits, written) = (self.ctx.goods, self.ctx.pricing, self.ctx.habits, self.ctx.written);
        let (warehouses, serving, addresses, now_ms) =
            (self.ctx.warehouses, self.ctx.serving, self.ctx.addresses, self.ctx.now_ms);
        let habit = habits.get(h).ok_or_else(|| invalid("habit"))?;
        let w = written.get(habit.partner).ok_or_else(|| invalid("partner"))?;
        let wh = serving.get(habit.partner).copied().unwrap_or(0);
        let buyer = Buyer { partner: w.id, tier: w.tier_id, region_path: w.region_path.clone() };
        let date = date_of(basket.placed_ms);
        let cart: Vec<CartItem> = basket
            .items
            .iter()
            .map(|(index, cases)| {
                let sku = &goods.skus[*index];
                let own = pricing.entries.get(&sku.sku_id).map(Vec::as_slice).unwrap_or(&[]);
                CartItem {
                    sku: sku.sku_id,
                    product: sku.product_id,
                    categories: sku.categories.clone(),
                    quantity: cases * Goods::case(sku),
                    price: resolve_price(own, sku.list_price, &buyer, date),
                }
            })
            .collect();
        let options =
            PriceOptions { used: self.used[h].iter().map(|(k, v)| (*k, *v)).collect(), show_ineligible: false };
        let priced = price_cart(&cart, &buyer, date, &pricing.book, &options);
        if priced.total <= 0 || priced.lines.is_empty() {
            return Ok(());
        }
        let name = |id: PromotionId| pricing.names.get(&id).cloned().unwrap_or_default();
        let mut lines: Vec<(NewLine, usize)> = Vec::with_capacity(priced.lines.len());
        for (index, line) in priced.lines.iter().enumerate() {
            let sku_index = goods.index_of(line.sku).ok_or_else(|| invalid("priced SKU"))?;
            let sku = &goods.skus[sku_index];
            let case = Goods::case(sku);
            let case_unit = sku.units.iter().find(|u| u.factor == case);
            let (unit, factor) = match case_unit {
                Some(u) if !line.gift && line.quantity % case == 0 => (u.code.clone(), case),
                _ => (sku.units.first().map(|u| u.code.clone()).unwrap_or_default(), 1),
            };
            let explanation = crate::pricing::explain(line, &pricing.lists, &name);
            lines.push((
                NewLine {
                    line_no: index as i64 + 1,
                    sku_id: line.sku,
                    sku_code: sku.code.clone(),
                    name_zh: sku.name_zh.clone(),
                    name_en: sku.name_en.clone(),
                    unit_code: unit,
                    unit_factor: factor,
                    quantity: line.quantity / factor,
                    base_quantity: line.quantity,
                    list_price: line.list_price,
                    gross: line.gross,
                    net: line.net,
                    gift: line.gift,
                    explanation_json: serde_json::to_string(&explanation).unwrap_or_else(|_| "null".into()),
                },
                sku_index,
            ));
        }
        let limited: Vec<(PromotionId, i64)> = priced
            .consumed
            .iter()
            .filter(|(id, _)| pricing.book.get(*id).is_some_and(|p| p.limit_per_partner.is_some()))
            .copied()
            .collect();

        // Payment: rebate first (up to the brand's 10% share), then the last month on credit
        // where the line allows, prepaid for partners who prepay, else transfer.
        let total = priced.total;
        let recent = now_ms - basket.placed_ms <= 30 * DAY_MS;
        let bal = &self.balances[h];
        let rebate = if bal.rebate > 0 && self.rng.percent(40) { bal.rebate.min(total / 10) } else { 0 };
        let rest = total - rebate;
        let method = if recent && bal.credit_allows(rest) && self.rng.percent(75) {
            "credit"
        } else if habit.prepays && bal.prepaid >= rest {
            "prepaid"
        } else {
            "transfer"
        };
        let pay = if method == "transfer" { Pay::Transfer } else { Pay::Account };
        let review = total > AUTO_APPROVE_MAX;
        let t = lifecycle::decide(basket.placed_ms, pay, review, lines.len(), now_ms, &mut self.rng);
        let status = t.status(lines.len());
        let id = OrderId::new();
        let order_ref = id.to_string();
        let number = self.number("SO", "order", basket.placed_ms);
        let split = self.balances[h].pay(total, method, rebate);
        self.post(ledger::payment(h, &order_ref, &split, basket.placed_ms));
        let confirmed = method == "transfer" && t.approved_ms.is_some();
        if let (true, Some(at)) = (confirmed, t.approved_ms) {
            self.post(ledger::transfer_received(h, &order_ref, split.transfer, at));
        }
        let mut payment_status = match (method, confirmed) {
            ("transfer", true) => "transfer_confirmed",
            ("transfer", false) => "awaiting_transfer",
            _ => "paid",
        };
        let mut refunded = 0;
        if let Some(at) = t.cancelled_ms {
            let back = PaymentSplit { transfer: if confirmed { split.transfer } else { 0 }, ..split };
            self.balances[h].refund(&back);
            if !confirmed {
                self.balances[h].quarter_purchases -= split.transfer;
            }
            if back.total() > 0 {
                payment_status = "refunded";
                refunded = back.total();
            }
            self.post(ledger::refund(h, "order_cancel", &order_ref, &back, None, at));
        }

        // Stock: reserved at placing, shipped, released on cancelling.
        let wh_id = warehouses[wh].id;
        for (line, sku) in &lines {
            *self.batch.reserved.entry((*sku, wh)).or_insert(0) += line.base_quantity;
            let level = self.levels.entry((*sku, wh)).or_insert((0, 0));
            level.1 += line.base_quantity;
        }
        self.batch.last_placed_ms = basket.placed_ms;
        let mut progress: Vec<(i64, i64)> = vec![(0, 0); lines.len()];
        let shipments = t.shipments.clone();
        let mut first_warehouse = None;
        for (k, (left, delivered)) in shipments.iter().enumerate() {
            let range = match (t.split, k) {
                (Some(s), 0) => 0..s,
                (Some(s), _) => s..lines.len(),
                (None, _) => 0..lines.len(),
            };
            let shipment = ShipmentId::new();
            let reference = shipment.to_string();
            let mut carried = Vec::new();
            for i in range {
                let (line, sku) = (&lines[i].0, lines[i].1);
                let q = line.base_quantity;
                self.move_stock(sku, wh, "ship", (-q, -q), Why::of(("shipment", reference.clone()), *left));
                *self.shipped.entry((month_of(*left), sku, wh)).or_insert(0) += q;
                progress[i].0 += q;
                carried.push((line.line_no, line.sku_id, q));
            }
            let (carrier, prefix) = CARRIERS[self.rng.index(CARRIERS.len())];
            let tracking_no = format!("{prefix}{:012}", self.rng.below(1_000_000_000_000));
            let number = self.number("SH", "shipment", *left);
            let city = warehouses[wh].name_zh.clone();
            self.batch.events.push((
                shipment,
                left + 3_600_000,
                "picked_up",
                Some(city.clone()),
                format!("【{city}】{carrier}已揽收"),
            ));
            if let Some(at) = delivered {
                let middle = left + (at - left) / 2;
                self.batch.events.push((shipment, middle, "in_transit", None, "快件运输中，正发往目的地".into()));
                self.batch.events.push((shipment, *at, "delivered", None, "快件已签收，感谢使用".into()));
            }
            first_warehouse.get_or_insert(wh_id);
            self.batch.shipments.push(PastShipment {
                shipment: NewShipment {
                    id: shipment,
                    number,
                    order_id: id,
                    partner_id: w.id,
                    warehouse_id: wh_id,
                    carrier: carrier.to_string(),
                    tracking_no,
                    shipped_by: None,
                    shipped_ms: *left,
                    lines: carried,
                },
                delivered_ms: *delivered,
            });
            self.done.shipments += 1;
        }
        if let Some(at) = t.cancelled_ms {
            for (line, sku) in &lines {
                let q = line.base_quantity;
                self.move_stock(*sku, wh, "release", (0, -q), Why::of(("order", order_ref.clone()), at));
            }
        }
        let holds = t.holds_stock(lines.len());
        let reservations: Vec<NewReservation> = if holds {
            lines
                .iter()
                .zip(&progress)
                .filter(|(_, (shipped, _))| *shipped < 1)
                .map(|((line, _), _)| NewReservation {
                    line_no: line.line_no,
                    sku_id: line.sku_id,
                    warehouse_id: wh_id,
                    quantity: line.base_quantity,
                })
                .collect()
        } else {
            Vec::new()
        };

        // A return: one line, a case or what the line holds, refunded in proportion to how it
        // was paid.
        if let Some((requested, decided, restocked)) = t.returned {
            let candidates: Vec<usize> =
                (0..lines.len()).filter(|i| !lines[*i].0.gift && lines[*i].0.net > 0).collect();
            if let Some(&i) = self.rng.pick(&candidates) {
                let (line, sku) = (&lines[i].0, lines[i].1);
                let quantity = Goods::case(&goods.skus[sku]).min(line.base_quantity);
                let returnable = [ReturnableLine {
                    line_no: line.line_no,
                    base_quantity: line.base_quantity,
                    shipped: line.base_quantity,
                    net: line.net,
                    claimed: 0,
                    claimed_amount: 0,
                }];
                let priced = price_return(&returnable, &[LineQuantity { line_no: line.line_no, quantity }])
                    .map_err(|e| invalid(&format!("return {e:?}")))?;
                let amount: i64 = priced.iter().map(|p| p.2).sum();
                let back = refund_split(&split, confirmed, refunded, amount);
                self.balances[h].refund(&back);
                let return_id = ReturnId::new();
                let return_number = self.number("RT", "return", requested);
                self.post(ledger::refund(h, "order_return", &order_ref, &back, Some(return_number.clone()), restocked));
                refunded += back.total();
                progress[i].1 += quantity;
                let reference = return_id.to_string();
                self.move_stock(sku, wh, "return", (quantity, 0), Why::of(("return", reference), restocked));
                let reason = RETURN_REASONS[self.rng.index(RETURN_REASONS.len())].to_string();
                self.batch.returns.push(PastReturn {
                    request: NewReturn {
                        id: return_id,
                        number: return_number,
                        order_id: id,
                        partner_id: w.id,
                        reason,
                        amount,
                        requested_by: w.buyer,
                        requested_ms: requested,
                        lines: vec![(line.line_no, line.sku_id, quantity, amount)],
                    },
                    decided_ms: decided,
                    decided_by: None,
                    restocked_ms: restocked,
                    warehouse_id: first_warehouse.unwrap_or(wh_id),
                });
                self.done.returns += 1;
            }
        }

        if t.cancelled_ms.is_none() {
            for (promotion, amount) in &limited {
                *self.used[h].entry(*promotion).or_insert(0) += amount;
            }
        }
        let review_reason = match (status, method) {
            ("submitted", "transfer") => Some("awaiting_transfer"),
            ("submitted", _) if review => Some("over_auto_approve_limit"),
            _ => None,
        };
        let all_shipped = matches!(status, "shipped" | "received" | "completed");
        let shipped_ms = if all_shipped { shipments.last().map(|s| s.0) } else { None };
        let closed_ms = t.cancelled_ms.or(t.completed_ms);
        let updated_ms =
            [Some(basket.placed_ms), t.approved_ms, shipments.last().map(|s| s.0), t.received_ms, closed_ms]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(basket.placed_ms);
        let remark = self.rng.percent(6).then(|| REMARKS[self.rng.index(REMARKS.len())].to_string());
        let line_count = lines.len() as u64;
        let order = NewOrder {
            id,
            number,
            partner_id: w.id,
            status,
            payment: method,
            payment_status,
            currency: "CNY".into(),
            gross: priced.gross,
            discount: priced.discount,
            total,
            split,
            address_json: addresses.get(habit.partner).cloned().flatten(),
            requested_date: None,
            remark,
            review_reason,
            pricing_date: i64::from(date),
            placed_by: w.buyer,
            placed_ms: basket.placed_ms,
            approved_ms: t.approved_ms,
            lines: lines.into_iter().map(|(line, _)| line).collect(),
            reservations,
            promotion_usage: limited,
        };
        self.batch.orders.push(PastOrder {
            order,
            shipped_ms,
            received_ms: t.received_ms,
            closed_ms,
            refunded,
            updated_ms,
            line_progress: progress,
        });
        self.done.orders += 1;
        self.done.lines += line_count;
        if self.batch.orders.len() >= BATCH_ORDERS {
            self.flush(db).await?;
        }
        Ok(())
    }
}

/// What a stock move is about.
pub(crate) struct Why {
    pub reference: Option<(&'static str, String)>,
    pub reason: Option<String>,
    pub at_ms: i64,
}

impl Why {
    fn of(reference: (&'static str, String), at_ms: i64) -> Why {
        Why { reference: Some(reference), reason: None, at_ms }
    }
}
