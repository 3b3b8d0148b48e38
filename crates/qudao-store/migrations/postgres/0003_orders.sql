-- Pricing, carts, orders, shipments, returns and ordering fairs for PostgreSQL; kept line for
-- line with migrations/sqlite/0003_orders.sql, plus grants and row-level security.

-- Ordering sizes per SKU and unit: at least `minimum`, in multiples of `multiple` (both in that
-- unit). A SKU without a row for a unit takes any positive quantity.
CREATE TABLE sku_order_rules (
    sku_id TEXT NOT NULL REFERENCES skus(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    minimum BIGINT NOT NULL,
    multiple BIGINT NOT NULL,
    PRIMARY KEY (sku_id, unit_id)
);

-- Price lists. `scope_kind` is base, tier, region or partner; `scope_target` the tier id, region
-- path or partner id. `partner_id` repeats the partner of a partner list so the partner wall
-- applies to it. Dates are yyyymmdd; `valid_to` is inclusive, NULL for open-ended.
CREATE TABLE price_lists (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_target TEXT,
    partner_id TEXT REFERENCES partners(id),
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE price_entries (
    list_id TEXT NOT NULL REFERENCES price_lists(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    price BIGINT NOT NULL,
    PRIMARY KEY (list_id, sku_id)
);
CREATE INDEX price_entries_sku ON price_entries(sku_id);

-- Promotions: the rule (`kind` and its parameters), eligibility and item scope as JSON in the
-- shapes of qudao_domain::pricing, the rest as columns for listing and filtering.
CREATE TABLE promotions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    rule_json TEXT NOT NULL,
    eligibility_json TEXT NOT NULL,
    scope_json TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT NOT NULL,
    priority BIGINT NOT NULL,
    stacking TEXT NOT NULL,
    limit_per_partner BIGINT,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX promotions_status ON promotions(status, valid_to);

-- 限购: what each partner has taken of a limited promotion, guarded like stock.
CREATE TABLE promotion_usage (
    promotion_id TEXT NOT NULL REFERENCES promotions(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    used BIGINT NOT NULL,
    PRIMARY KEY (promotion_id, partner_id)
);

-- The cart, one per partner and shared by its users; quantities are in `unit_id`.
CREATE TABLE cart_items (
    partner_id TEXT NOT NULL REFERENCES partners(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    quantity BIGINT NOT NULL,
    added_by TEXT,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (partner_id, sku_id)
);

-- 常购清单: named lists a partner orders from again and again.
CREATE TABLE saved_lists (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    name TEXT NOT NULL,
    created_by TEXT,
    created_ms BIGINT NOT NULL,
    UNIQUE (partner_id, name)
);
CREATE TABLE saved_list_items (
    list_id TEXT NOT NULL REFERENCES saved_lists(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    quantity BIGINT NOT NULL,
    PRIMARY KEY (list_id, sku_id)
);

-- Ordering fairs (订货会): their own prices, stock allocated to them, per-partner quotas and the
-- demand taken until they close and allocate.
CREATE TABLE fairs (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    starts_ms BIGINT NOT NULL,
    ends_ms BIGINT NOT NULL,
    rule TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    allocated_ms BIGINT
);
CREATE TABLE fair_items (
    fair_id TEXT NOT NULL REFERENCES fairs(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    price BIGINT NOT NULL,
    stock BIGINT NOT NULL,
    PRIMARY KEY (fair_id, sku_id)
);
CREATE TABLE fair_quotas (
    fair_id TEXT NOT NULL REFERENCES fairs(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    quota BIGINT NOT NULL,
    PRIMARY KEY (fair_id, partner_id, sku_id)
);
CREATE TABLE fair_demands (
    fair_id TEXT NOT NULL REFERENCES fairs(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    quantity BIGINT NOT NULL,
    placed_ms BIGINT NOT NULL,
    allocated BIGINT,
    explanation TEXT,
    order_id TEXT,
    PRIMARY KEY (fair_id, partner_id, sku_id)
);

-- Orders. Amounts are fen; `pay_*` is what each account paid, so a cancellation or return
-- reverses exactly that. The address is a snapshot: later edits of the partner's addresses do not
-- change a placed order.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    status TEXT NOT NULL,
    payment TEXT NOT NULL,
    payment_status TEXT NOT NULL,
    currency TEXT NOT NULL,
    gross BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    total BIGINT NOT NULL,
    pay_credit BIGINT NOT NULL,
    pay_prepaid BIGINT NOT NULL,
    pay_rebate BIGINT NOT NULL,
    pay_transfer BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    address_json TEXT,
    requested_date BIGINT,
    remark TEXT,
    review_reason TEXT,
    receipt_file_id TEXT REFERENCES files(id),
    fair_id TEXT REFERENCES fairs(id),
    pricing_date BIGINT NOT NULL,
    placed_by TEXT,
    placed_ms BIGINT NOT NULL,
    approved_ms BIGINT,
    shipped_ms BIGINT,
    received_ms BIGINT,
    closed_ms BIGINT,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX orders_partner ON orders(partner_id, placed_ms);
CREATE INDEX orders_status ON orders(status, placed_ms);
CREATE INDEX orders_placed ON orders(placed_ms, id);

-- Lines keep what was ordered and how it was priced, as placed: code, names, unit, the price
-- explanation. `quantity` is in the unit; `base_quantity`, `shipped` and `returned` in base units.
CREATE TABLE order_lines (
    order_id TEXT NOT NULL REFERENCES orders(id),
    line_no BIGINT NOT NULL,
    partner_id TEXT NOT NULL,
    sku_id TEXT NOT NULL REFERENCES skus(id),
    sku_code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_factor BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    base_quantity BIGINT NOT NULL,
    list_price BIGINT NOT NULL,
    gross BIGINT NOT NULL,
    net BIGINT NOT NULL,
    gift SMALLINT NOT NULL,
    shipped BIGINT NOT NULL,
    returned BIGINT NOT NULL,
    explanation_json TEXT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- Which warehouse holds which part of a line while the order is open; the sum over open orders
-- equals stock.reserved.
CREATE TABLE order_reservations (
    order_id TEXT NOT NULL REFERENCES orders(id),
    line_no BIGINT NOT NULL,
    partner_id TEXT NOT NULL,
    sku_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    quantity BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no, warehouse_id)
);

-- Promotions an order took under a limit, so a cancellation gives the quota back.
CREATE TABLE order_promotion_usage (
    order_id TEXT NOT NULL REFERENCES orders(id),
    promotion_id TEXT NOT NULL REFERENCES promotions(id),
    partner_id TEXT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (order_id, promotion_id)
);

-- Shipments: one parcel from one warehouse, with its carrier and tracking events.
CREATE TABLE shipments (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL REFERENCES orders(id),
    partner_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    carrier TEXT NOT NULL,
    tracking_no TEXT NOT NULL,
    status TEXT NOT NULL,
    shipped_by TEXT,
    shipped_ms BIGINT NOT NULL,
    delivered_ms BIGINT
);
CREATE INDEX shipments_order ON shipments(order_id);
CREATE TABLE shipment_lines (
    shipment_id TEXT NOT NULL REFERENCES shipments(id),
    line_no BIGINT NOT NULL,
    partner_id TEXT NOT NULL,
    sku_id TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (shipment_id, line_no)
);
CREATE TABLE tracking_events (
    id TEXT PRIMARY KEY,
    shipment_id TEXT NOT NULL REFERENCES shipments(id),
    partner_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    location TEXT,
    description TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX tracking_events_shipment ON tracking_events(shipment_id, at_ms);

-- Returns (退货): asked by the partner, approved by the brand, restocked and refunded.
CREATE TABLE returns (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL REFERENCES orders(id),
    partner_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    amount BIGINT NOT NULL,
    requested_by TEXT,
    requested_ms BIGINT NOT NULL,
    decided_by TEXT,
    decided_ms BIGINT,
    decision_note TEXT,
    restocked_ms BIGINT,
    warehouse_id TEXT REFERENCES warehouses(id),
    version BIGINT NOT NULL
);
CREATE INDEX returns_order ON returns(order_id);
CREATE INDEX returns_status ON returns(status, requested_ms);
CREATE TABLE return_lines (
    return_id TEXT NOT NULL REFERENCES returns(id),
    line_no BIGINT NOT NULL,
    partner_id TEXT NOT NULL,
    sku_id TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (return_id, line_no)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON sku_order_rules, price_lists, price_entries, promotions, promotion_usage,
    cart_items, saved_lists, saved_list_items, fairs, fair_items, fair_quotas, fair_demands, orders, order_lines,
    order_reservations, order_promotion_usage, shipments, shipment_lines, tracking_events, returns, return_lines
    TO qudao_app;

-- Brand price lists (no partner) are read by everyone, since partners are priced from them; a
-- partner's own list only by those who see that partner.
ALTER TABLE price_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE price_lists FORCE ROW LEVEL SECURITY;
CREATE POLICY price_lists_scope ON price_lists USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (partner_id IS NULL AND current_setting('qudao.scope', true) IN ('assigned', 'partner'))
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = price_lists.partner_id)
);
ALTER TABLE price_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE price_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY price_entries_scope ON price_entries USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM price_lists l WHERE l.id = price_entries.list_id)
);

-- Rows that belong to one partner: the same wall as contacts and addresses.
ALTER TABLE promotion_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE promotion_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY promotion_usage_scope ON promotion_usage USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = promotion_usage.partner_id)
);
ALTER TABLE cart_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE cart_items FORCE ROW LEVEL SECURITY;
CREATE POLICY cart_items_scope ON cart_items USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = cart_items.partner_id)
);
ALTER TABLE saved_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE saved_lists FORCE ROW LEVEL SECURITY;
CREATE POLICY saved_lists_scope ON saved_lists USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = saved_lists.partner_id)
);
ALTER TABLE saved_list_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE saved_list_items FORCE ROW LEVEL SECURITY;
CREATE POLICY saved_list_items_scope ON saved_list_items USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = saved_list_items.partner_id)
);
ALTER TABLE fair_quotas ENABLE ROW LEVEL SECURITY;
ALTER TABLE fair_quotas FORCE ROW LEVEL SECURITY;
CREATE POLICY fair_quotas_scope ON fair_quotas USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = fair_quotas.partner_id)
);
ALTER TABLE fair_demands ENABLE ROW LEVEL SECURITY;
ALTER TABLE fair_demands FORCE ROW LEVEL SECURITY;
CREATE POLICY fair_demands_scope ON fair_demands USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = fair_demands.partner_id)
);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders FORCE ROW LEVEL SECURITY;
CREATE POLICY orders_scope ON orders USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = orders.partner_id)
);
ALTER TABLE order_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY order_lines_scope ON order_lines USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = order_lines.partner_id)
);
ALTER TABLE order_reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_reservations FORCE ROW LEVEL SECURITY;
CREATE POLICY order_reservations_scope ON order_reservations USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = order_reservations.partner_id)
);
ALTER TABLE order_promotion_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_promotion_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY order_promotion_usage_scope ON order_promotion_usage USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = order_promotion_usage.partner_id)
);
ALTER TABLE shipments ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipments FORCE ROW LEVEL SECURITY;
CREATE POLICY shipments_scope ON shipments USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = shipments.partner_id)
);
ALTER TABLE shipment_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE shipment_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY shipment_lines_scope ON shipment_lines USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = shipment_lines.partner_id)
);
ALTER TABLE tracking_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE tracking_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tracking_events_scope ON tracking_events USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = tracking_events.partner_id)
);
ALTER TABLE returns ENABLE ROW LEVEL SECURITY;
ALTER TABLE returns FORCE ROW LEVEL SECURITY;
CREATE POLICY returns_scope ON returns USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = returns.partner_id)
);
ALTER TABLE return_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE return_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY return_lines_scope ON return_lines USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = return_lines.partner_id)
);
