-- The ERP link (outbox, webhooks, the ERP's documents) and receipts for PostgreSQL; kept line for line with
-- migrations/sqlite/0005_integration.sql, plus the grants. The outbox, endpoints, deliveries and
-- ERP documents are the brand's own (partner users never reach them) and carry no row-level
-- policy; receipts and invoices belong to partners and do.

-- Business events, written in the same transaction as the change they report (the outbox), so
-- an event exists exactly when its change committed. `id` is the webhook-id an ERP deduplicates
-- on; `data_json` is serialised once, here, and sent as it is. `dispatched` turns 1 once the
-- dispatcher has made one delivery per subscribed endpoint.
CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    partner_id TEXT,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    occurred_ms BIGINT NOT NULL,
    data_json TEXT NOT NULL,
    dispatched SMALLINT NOT NULL
);
CREATE INDEX outbox_events_waiting ON outbox_events (occurred_ms) WHERE dispatched = 0;
CREATE INDEX outbox_events_object ON outbox_events (object_kind, object_id);

-- Where events go. `events_json` is `["*"]` or a list of types. While a secret is rotated the
-- previous one keeps signing until `previous_until_ms`, so the ERP can switch without a gap.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    events_json TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until_ms BIGINT,
    status TEXT NOT NULL,
    disabled_reason TEXT,
    created_by TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- One event to one endpoint. `pending` rows are due at `next_attempt_ms`; an instance that takes
-- one holds it until `lease_until_ms` (0 = free), so two instances never send it at once. A
-- disabled endpoint's waiting rows are `held` instead, so the pending index holds only what can
-- be sent. Ends as `delivered` or `dead` (retry window over) — and an admin can replay those,
-- which makes them waiting again.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES outbox_events(id),
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    first_attempt_ms BIGINT,
    next_attempt_ms BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until_ms BIGINT NOT NULL,
    last_status BIGINT,
    last_error TEXT,
    delivered_ms BIGINT,
    created_ms BIGINT NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_ms);

-- Every attempt, for the admin's delivery log: the status the endpoint answered (none when it
-- did not), what went wrong, and the start of its answer.
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
    at_ms BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status BIGINT,
    error TEXT,
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, at_ms);

-- Money received from partners (回款): recorded by finance (with a proof) or pushed by the ERP
-- (`document_id`, unique per source). One journal entry per receipt: cash in, the receivable
-- settled by `allocated`, the rest credited to the partner's prepaid balance.
CREATE TABLE receipts (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    allocated BIGINT NOT NULL,
    source TEXT NOT NULL,
    document_id TEXT,
    method TEXT NOT NULL,
    received_date BIGINT NOT NULL,
    proof_file_id TEXT REFERENCES files(id),
    memo TEXT,
    entry_id TEXT NOT NULL,
    created_by TEXT,
    created_ms BIGINT NOT NULL,
    CHECK (amount > 0 AND allocated >= 0 AND allocated <= amount)
);
CREATE INDEX receipts_partner ON receipts (partner_id, created_ms);
CREATE UNIQUE INDEX receipts_document ON receipts (source, document_id);

-- What each receipt settled, per order.
CREATE TABLE receipt_allocations (
    receipt_id TEXT NOT NULL REFERENCES receipts(id),
    order_id TEXT NOT NULL REFERENCES orders(id),
    partner_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (receipt_id, order_id),
    CHECK (amount > 0)
);
CREATE INDEX receipt_allocations_order ON receipt_allocations (order_id);

-- Invoices (发票) the ERP issued for orders.
CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    partner_id TEXT NOT NULL,
    invoice_number TEXT NOT NULL UNIQUE,
    amount BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    currency TEXT NOT NULL,
    issued_date BIGINT NOT NULL,
    document_id TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    CHECK (amount > 0 AND tax >= 0 AND tax <= amount)
);
CREATE INDEX invoices_order ON invoices (order_id);

-- The ERP's messages in: each document id answered once and, when sent again, with the same
-- bytes. `request_hash` tells a true replay from a different message reusing an id.
CREATE TABLE erp_documents (
    kind TEXT NOT NULL,
    document_id TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    api_key_id TEXT,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (kind, document_id)
);

-- Messages refused (bad signature, unknown order, too much shipped…), for the admin to see.
CREATE TABLE erp_rejections (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    document_id TEXT,
    api_key_id TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    body_excerpt TEXT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX erp_rejections_at ON erp_rejections (at_ms);

-- The secret an ERP's API key signs its messages with (Standard Webhooks form), made with a key
-- that has the `erp:write` scope and shown once.
CREATE TABLE erp_signing_secrets (
    api_key_id TEXT PRIMARY KEY REFERENCES api_keys(id),
    secret TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_events, webhook_endpoints, webhook_deliveries, webhook_attempts,
    erp_documents, erp_rejections, erp_signing_secrets TO qudao_app;
GRANT SELECT, INSERT ON receipts, receipt_allocations, invoices TO qudao_app;

-- Receipts, their allocations and invoices belong to a partner: a partner's users see their own,
-- like orders.
ALTER TABLE receipts ENABLE ROW LEVEL SECURITY;
ALTER TABLE receipts FORCE ROW LEVEL SECURITY;
CREATE POLICY receipts_scope ON receipts USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = receipts.partner_id)
);
ALTER TABLE receipt_allocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE receipt_allocations FORCE ROW LEVEL SECURITY;
CREATE POLICY receipt_allocations_scope ON receipt_allocations USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = receipt_allocations.partner_id)
);
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY invoices_scope ON invoices USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = invoices.partner_id)
);
