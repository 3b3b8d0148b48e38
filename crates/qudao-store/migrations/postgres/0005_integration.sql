-- The ERP link's outbox and webhook deliveries for PostgreSQL; kept line for line with
-- migrations/sqlite/0005_integration.sql, plus the grants. These tables are the brand's own
-- (partner users never reach them), so they carry no row-level policy.

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
-- one holds it until `lease_until_ms` (0 = free), so two instances never send it at once.
-- Ends as `delivered`, `dead` (retry window over, or the endpoint answered 410) — and `dead`
-- and `delivered` rows can be replayed by an admin, which makes them `pending` again.
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

GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_events, webhook_endpoints, webhook_deliveries, webhook_attempts TO qudao_app;
