-- Finance and the channel: credit terms per partner, statements (对账单), manual adjustments, online
-- payments and channel inventory, for PostgreSQL; kept line for line with
-- migrations/sqlite/0006_finance_and_channel.sql, plus the grants and row-level policies. Payment
-- notifications are the brand's own (no policy).

-- A partner's own credit terms (账期), days from approval to due, held on its receivable account
-- beside the credit line; NULL follows the brand's setting `finance.credit_terms_days`.
ALTER TABLE ledger_accounts ADD COLUMN terms_days BIGINT;

-- The brand's account that manual adjustments post against (write-offs, goodwill, corrections),
-- so an adjustment is a balanced entry like every other movement.
INSERT INTO ledger_accounts (id, partner_id, kind, currency, balance, credit_line, created_ms)
VALUES ('00000000-0000-7000-8000-000000000003', NULL, 'adjustment', 'CNY', 0, 0, 0);

-- Statements (对账单): a partner's net position (receivable less prepaid) over a closed period of
-- China dates. The movements are read again from the journal, which never changes; the figures
-- stored here are what the partner confirmed or disputed. `status` is issued, confirmed or
-- disputed. One statement per partner and period: the journal of a closed period never changes, so
-- issuing it again could only repeat it; a dispute is settled by an adjustment in a later period.
CREATE TABLE statements (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    currency TEXT NOT NULL,
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    opening BIGINT NOT NULL,
    debits BIGINT NOT NULL,
    credits BIGINT NOT NULL,
    closing BIGINT NOT NULL,
    movements BIGINT NOT NULL,
    status TEXT NOT NULL,
    response_comment TEXT,
    responded_by TEXT,
    responded_ms BIGINT,
    created_by TEXT,
    created_ms BIGINT NOT NULL,
    CHECK (period_from <= period_to)
);
CREATE UNIQUE INDEX statements_period ON statements (partner_id, currency, period_from, period_to);

-- Manual adjustments (调账): asked for by one finance user with a reason, posted only when another
-- approves. `amount` is the change of the account's balance as people read it (a rebate of +500
-- grants ¥500). A receivable adjustment names the credit order it changes, so what each order
-- owes stays the sum of its entries. `status` is pending, approved or rejected.
CREATE TABLE adjustments (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    account_kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    order_id TEXT REFERENCES orders(id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_ms BIGINT NOT NULL,
    decided_by TEXT,
    decided_ms BIGINT,
    decision_comment TEXT,
    entry_id TEXT,
    CHECK (amount <> 0)
);
CREATE INDEX adjustments_partner ON adjustments (partner_id, requested_ms);
CREATE INDEX adjustments_pending ON adjustments (requested_ms) WHERE status = 'pending';

-- Online payments (在线支付) through a payment provider: one row per attempt to pay an order.
-- `provider_ref` is the provider's own id; `status` is created, paid or closed; `applied` turns 1
-- when the money paid the order (0 for money kept as prepaid balance); `refunded` is what was
-- given back through the provider, fen.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    provider TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    pay_url TEXT NOT NULL,
    code_url TEXT NOT NULL,
    refunded BIGINT NOT NULL,
    applied SMALLINT NOT NULL,
    created_by TEXT,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    paid_ms BIGINT,
    provider_txn TEXT,
    CHECK (amount > 0 AND refunded >= 0 AND refunded <= amount)
);
CREATE UNIQUE INDEX payments_provider_ref ON payments (provider, provider_ref);
CREATE INDEX payments_order ON payments (order_id, created_ms);
CREATE INDEX payments_open ON payments (created_ms) WHERE status = 'created';

-- Every notification a provider sent, applied once per (provider, notify id): a repeat is
-- answered as the first was. Refused ones (bad signature, wrong amount) are kept with the reason.
CREATE TABLE payment_notifications (
    provider TEXT NOT NULL,
    notify_id TEXT NOT NULL,
    payment_id TEXT,
    outcome TEXT NOT NULL,
    body TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (provider, notify_id)
);

-- Money given back through the provider.
CREATE TABLE payment_refunds (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    partner_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    provider_ref TEXT NOT NULL,
    reason TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    created_by TEXT,
    created_ms BIGINT NOT NULL,
    CHECK (amount > 0)
);
CREATE INDEX payment_refunds_payment ON payment_refunds (payment_id);

-- Channel inventory (渠道进销存): what partners report of their own stock and sales. Each report
-- is kept with its lines; `channel_stock` holds each partner's latest reported stock per SKU (as
-- of the end of its report day), `channel_sell_out` what it sold per SKU and day (a day reported
-- again replaces itself). Sell-in is read from Qudao's own shipments.
CREATE TABLE channel_reports (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    kind TEXT NOT NULL,
    report_date BIGINT NOT NULL,
    source TEXT NOT NULL,
    lines BIGINT NOT NULL,
    created_by TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX channel_reports_partner ON channel_reports (partner_id, created_ms);
CREATE TABLE channel_report_lines (
    report_id TEXT NOT NULL REFERENCES channel_reports(id),
    partner_id TEXT NOT NULL,
    sku_id TEXT NOT NULL REFERENCES skus(id),
    quantity BIGINT NOT NULL,
    PRIMARY KEY (report_id, sku_id)
);
CREATE TABLE channel_stock (
    partner_id TEXT NOT NULL REFERENCES partners(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    quantity BIGINT NOT NULL,
    as_of_date BIGINT NOT NULL,
    as_of_ms BIGINT NOT NULL,
    report_id TEXT NOT NULL,
    PRIMARY KEY (partner_id, sku_id)
);
CREATE TABLE channel_sell_out (
    partner_id TEXT NOT NULL REFERENCES partners(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    sale_date BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (partner_id, sku_id, sale_date)
);
-- Safety stock per partner and SKU: set by hand (`manual`) or from average sell-out (`auto`,
-- which never overwrites a manual one).
CREATE TABLE channel_safety (
    partner_id TEXT NOT NULL REFERENCES partners(id),
    sku_id TEXT NOT NULL REFERENCES skus(id),
    quantity BIGINT NOT NULL,
    source TEXT NOT NULL,
    updated_by TEXT,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (partner_id, sku_id)
);
-- Sheets refused whole, with their problems, for the brand to see.
CREATE TABLE channel_rejections (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    problems_json TEXT NOT NULL,
    created_by TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX shipment_lines_partner_sku ON shipment_lines (partner_id, sku_id);

GRANT SELECT, INSERT, UPDATE ON statements, adjustments TO qudao_app;

-- Statements and adjustments belong to a partner: its users see their own, like receipts.
ALTER TABLE statements ENABLE ROW LEVEL SECURITY;
ALTER TABLE statements FORCE ROW LEVEL SECURITY;
CREATE POLICY statements_scope ON statements USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = statements.partner_id)
);
ALTER TABLE adjustments ENABLE ROW LEVEL SECURITY;
ALTER TABLE adjustments FORCE ROW LEVEL SECURITY;
CREATE POLICY adjustments_scope ON adjustments USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = adjustments.partner_id)
);
GRANT SELECT, INSERT, UPDATE ON payments, payment_notifications, payment_refunds TO qudao_app;
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
CREATE POLICY payments_scope ON payments USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = payments.partner_id)
);
ALTER TABLE payment_refunds ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_refunds FORCE ROW LEVEL SECURITY;
CREATE POLICY payment_refunds_scope ON payment_refunds USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = payment_refunds.partner_id)
);
GRANT SELECT, INSERT, UPDATE ON channel_reports, channel_report_lines, channel_stock, channel_sell_out, channel_safety,
    channel_rejections TO qudao_app;
-- Channel inventory is the partner's own: its users see their own rows.
ALTER TABLE channel_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY channel_reports_scope ON channel_reports USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = channel_reports.partner_id)
);
ALTER TABLE channel_report_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_report_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY channel_report_lines_scope ON channel_report_lines USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = channel_report_lines.partner_id)
);
ALTER TABLE channel_stock ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_stock FORCE ROW LEVEL SECURITY;
CREATE POLICY channel_stock_scope ON channel_stock USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = channel_stock.partner_id)
);
ALTER TABLE channel_sell_out ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_sell_out FORCE ROW LEVEL SECURITY;
CREATE POLICY channel_sell_out_scope ON channel_sell_out USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = channel_sell_out.partner_id)
);
ALTER TABLE channel_safety ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_safety FORCE ROW LEVEL SECURITY;
CREATE POLICY channel_safety_scope ON channel_safety USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = channel_safety.partner_id)
);
ALTER TABLE channel_rejections ENABLE ROW LEVEL SECURITY;
ALTER TABLE channel_rejections FORCE ROW LEVEL SECURITY;
CREATE POLICY channel_rejections_scope ON channel_rejections USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = channel_rejections.partner_id)
);
