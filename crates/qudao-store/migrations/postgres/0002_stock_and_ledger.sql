-- Stock, warehouses and the double-entry ledger for PostgreSQL; kept line for line with
-- migrations/sqlite/0002_stock_and_ledger.sql, plus grants and row-level security.

-- Warehouses and the stock in them. `reserved` is what open orders hold; available stock is
-- on_hand - reserved, and a guarded update (`WHERE reserved + q <= on_hand`) never oversells.
CREATE TABLE warehouses (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    region_id TEXT REFERENCES regions(id),
    priority BIGINT NOT NULL,
    active SMALLINT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE stock (
    sku_id TEXT NOT NULL REFERENCES skus(id),
    warehouse_id TEXT NOT NULL REFERENCES warehouses(id),
    on_hand BIGINT NOT NULL,
    reserved BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (sku_id, warehouse_id),
    CHECK (reserved >= 0 AND reserved <= on_hand)
);

-- Every change of stock, journaled like money.
CREATE TABLE stock_moves (
    id TEXT PRIMARY KEY,
    sku_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    on_hand_delta BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    reference_kind TEXT,
    reference_id TEXT,
    reason TEXT,
    created_by TEXT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX stock_moves_sku ON stock_moves(sku_id, warehouse_id, at_ms);
CREATE INDEX stock_moves_reference ON stock_moves(reference_kind, reference_id);

-- The ledger. `balance` is the running sum of the account's postings, kept so an overdraft can be
-- refused in one guarded statement (`WHERE balance + a <= ceiling`); tests check it always
-- equals the sum of journal_postings. Partner accounts have a partner; brand accounts none.
CREATE TABLE ledger_accounts (
    id TEXT PRIMARY KEY,
    partner_id TEXT REFERENCES partners(id),
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance BIGINT NOT NULL,
    credit_line BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (partner_id, kind, currency)
);
CREATE INDEX ledger_accounts_partner ON ledger_accounts(partner_id);

-- Append-only: entries and their postings are never updated or deleted; a correction is a new
-- entry.
CREATE TABLE journal_entries (
    id TEXT PRIMARY KEY,
    partner_id TEXT REFERENCES partners(id),
    template TEXT NOT NULL,
    reference_kind TEXT,
    reference_id TEXT,
    memo TEXT,
    created_by TEXT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX journal_entries_partner ON journal_entries(partner_id, at_ms);
CREATE INDEX journal_entries_reference ON journal_entries(reference_kind, reference_id);

CREATE TABLE journal_postings (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES journal_entries(id),
    account_id TEXT NOT NULL REFERENCES ledger_accounts(id),
    amount BIGINT NOT NULL
);
CREATE INDEX journal_postings_entry ON journal_postings(entry_id);
CREATE INDEX journal_postings_account ON journal_postings(account_id);

-- The brand's own accounts, one per currency, created here so there is exactly one of each.
INSERT INTO ledger_accounts (id, partner_id, kind, currency, balance, credit_line, created_ms)
VALUES ('00000000-0000-7000-8000-000000000001', NULL, 'sales', 'CNY', 0, 0, 0),
       ('00000000-0000-7000-8000-000000000002', NULL, 'cash', 'CNY', 0, 0, 0);

GRANT SELECT, INSERT, UPDATE, DELETE ON warehouses, stock, stock_moves, ledger_accounts TO qudao_app;
GRANT SELECT, INSERT ON journal_entries, journal_postings TO qudao_app;
REVOKE UPDATE, DELETE ON stock_moves FROM qudao_app;

-- Partner money is partner data: the same wall as contacts and addresses; brand accounts
-- (no partner) are for brand scopes only.
ALTER TABLE ledger_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY ledger_accounts_scope ON ledger_accounts USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (partner_id IS NULL AND current_setting('qudao.scope', true) IN ('assigned', 'partner'))
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = ledger_accounts.partner_id)
);
ALTER TABLE journal_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE journal_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY journal_entries_scope ON journal_entries USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (partner_id IS NULL AND current_setting('qudao.scope', true) = 'assigned')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = journal_entries.partner_id)
);
ALTER TABLE journal_postings ENABLE ROW LEVEL SECURITY;
ALTER TABLE journal_postings FORCE ROW LEVEL SECURITY;
CREATE POLICY journal_postings_scope ON journal_postings USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = journal_postings.account_id)
);
