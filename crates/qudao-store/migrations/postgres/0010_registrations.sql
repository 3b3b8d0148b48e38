-- Deal registration (客户报备), for PostgreSQL; kept line for line with
-- migrations/sqlite/0010_registrations.sql, plus the grants and row-level policies.
-- Partners' claims on end customers, the keys that find likely duplicates, the conflicts found
-- with their evidence, and each registration's timeline.

-- A partner's claim on an end customer. The customer's fields are kept on the claim as the
-- partner wrote them (`contacts` is a JSON array of {name, phone, email}). `verdict` is what the
-- conflict rules said at submission (accept, review, reject). `protected_until` is set while the
-- claim is approved; `extensions` counts extensions granted; `extension_asked_ms` is set while an
-- extension waits for a channel manager; `reminded_ms` is when the partner was last reminded of
-- the end. `claimed_from` is the expired or released registration a claim from
-- the pool took over.
CREATE TABLE registrations (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    customer_name TEXT NOT NULL,
    short_name TEXT,
    english_name TEXT,
    credit_code TEXT,
    region_id TEXT REFERENCES regions(id),
    industry TEXT,
    contacts TEXT NOT NULL,
    products TEXT,
    expected_amount BIGINT,
    expected_close INTEGER,
    note TEXT,
    status TEXT NOT NULL,
    verdict TEXT NOT NULL,
    protected_until BIGINT,
    extensions BIGINT NOT NULL,
    extension_asked_ms BIGINT,
    reminded_ms BIGINT,
    claimed_from TEXT REFERENCES registrations(id),
    search_key TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    revision BIGINT NOT NULL
);
CREATE INDEX registrations_partner ON registrations (partner_id, created_ms);
CREATE INDEX registrations_status ON registrations (status, protected_until);

-- Blocking keys (trade-name sound, credit code, phone, company mail domain…): a new claim is
-- compared only with the claims sharing one of its keys.
CREATE TABLE registration_keys (
    key TEXT NOT NULL,
    registration_id TEXT NOT NULL REFERENCES registrations(id),
    PRIMARY KEY (key, registration_id)
);

-- The claims a registration conflicted with when it was submitted, with the evidence (JSON),
-- the score and whether the other was protected then. `partner_id` is the new claim's partner:
-- a partner sees its own conflicts, never the other claim's partner.
CREATE TABLE registration_conflicts (
    registration_id TEXT NOT NULL REFERENCES registrations(id),
    other_id TEXT NOT NULL REFERENCES registrations(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    relation TEXT NOT NULL,
    score BIGINT NOT NULL,
    protected SMALLINT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (registration_id, other_id)
);

-- Every change of a registration, in order: submitted, approved, rejected, extended, reminded,
-- expired, released, claimed, converted. `detail` is JSON.
CREATE TABLE registration_events (
    id TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    at_ms BIGINT NOT NULL,
    actor_id TEXT REFERENCES users(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX registration_events_registration ON registration_events (registration_id, at_ms);

GRANT SELECT, INSERT, UPDATE ON registrations, registration_conflicts, registration_events TO qudao_app;
GRANT SELECT, INSERT, DELETE ON registration_keys TO qudao_app;
-- A registration is seen by whoever sees its partner. The conflict check reads past the caller's
-- scope in the store alone (and tells a partner only the evidence, never the other partner).
ALTER TABLE registrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE registrations FORCE ROW LEVEL SECURITY;
CREATE POLICY registrations_scope ON registrations USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = registrations.partner_id)
);
ALTER TABLE registration_conflicts ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_conflicts FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_conflicts_scope ON registration_conflicts USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = registration_conflicts.partner_id)
);
ALTER TABLE registration_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_events FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_events_scope ON registration_events USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = registration_events.partner_id)
);
ALTER TABLE registration_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE registration_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY registration_keys_scope ON registration_keys USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM registrations r WHERE r.id = registration_keys.registration_id)
);
