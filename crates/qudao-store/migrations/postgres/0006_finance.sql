-- Finance: credit terms per partner, statements (对账单) and manual adjustments, for PostgreSQL; kept
-- line for line with migrations/sqlite/0006_finance.sql, plus the grants and row-level policies.

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

GRANT SELECT, INSERT, UPDATE ON statements, adjustments TO qudao_app;

-- Both belong to a partner: its users see their own, like receipts.
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
