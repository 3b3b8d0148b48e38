-- Foundation schema for PostgreSQL. Kept line for line with migrations/sqlite/0001_foundation.sql
-- (BYTEA for BLOB would be the one type difference; there is none yet), then the application role
-- and row-level security, which only PostgreSQL has.

-- Regions: 大区 (level 1) > province (2) > city (3). `path` is the chain of codes from the top,
-- '/R-EAST/CN-JS/CN-JS-NJ/', so "inside a region" is a prefix comparison on both databases.
CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    parent_id TEXT REFERENCES regions(id),
    level SMALLINT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX regions_parent ON regions(parent_id);

CREATE TABLE tiers (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    rank BIGINT NOT NULL
);

-- Counters for human-readable numbers (P-000123, SO-20261127-0001), advanced by a guarded UPDATE.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_en TEXT,
    short_name TEXT,
    kind TEXT NOT NULL,
    tier_id TEXT NOT NULL REFERENCES tiers(id),
    region_id TEXT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    parent_id TEXT REFERENCES partners(id),
    credit_code TEXT UNIQUE,
    status TEXT NOT NULL,
    remark TEXT,
    search_key TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX partners_region_path ON partners(region_path);
CREATE INDEX partners_parent ON partners(parent_id);
CREATE INDEX partners_created ON partners(created_ms, id);
CREATE INDEX partners_tier ON partners(tier_id);

CREATE TABLE partner_contacts (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    name TEXT NOT NULL,
    title TEXT,
    phone TEXT,
    email TEXT,
    is_primary SMALLINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX partner_contacts_partner ON partner_contacts(partner_id);

CREATE TABLE partner_addresses (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    kind TEXT NOT NULL,
    region_id TEXT NOT NULL REFERENCES regions(id),
    detail TEXT NOT NULL,
    recipient TEXT,
    phone TEXT,
    is_default SMALLINT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX partner_addresses_partner ON partner_addresses(partner_id);

-- Users of both sides. A partner role always has partner_id; a brand role never has.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    role TEXT NOT NULL,
    partner_id TEXT REFERENCES partners(id),
    status TEXT NOT NULL,
    password_hash TEXT,
    locale TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    CHECK ((role IN ('partner_admin', 'partner_sales', 'partner_finance')) = (partner_id IS NOT NULL))
);
CREATE INDEX users_partner ON users(partner_id);

-- A channel manager's territory: a region (with everything below it) or one partner.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    region_id TEXT REFERENCES regions(id),
    region_path TEXT,
    partner_id TEXT REFERENCES partners(id),
    created_ms BIGINT NOT NULL,
    CHECK ((region_id IS NULL) <> (partner_id IS NULL))
);
CREATE INDEX assignments_user ON assignments(user_id);

-- Server-side sessions. Only the SHA-256 of the token is stored, so a copy of the database does
-- not let anyone sign in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    via TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_ms);

CREATE TABLE login_attempts (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL,
    ip TEXT NOT NULL,
    succeeded SMALLINT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_attempts_login ON login_attempts(login, at_ms);
CREATE INDEX login_attempts_ip ON login_attempts(ip, at_ms);

-- One-time links: invitations and password resets.
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms BIGINT
);
CREATE INDEX user_tokens_user ON user_tokens(user_id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    partner_id TEXT REFERENCES partners(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    last_used_ms BIGINT,
    revoked_ms BIGINT
);

CREATE TABLE categories (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    parent_id TEXT REFERENCES categories(id),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE brands (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE files (
    id TEXT PRIMARY KEY,
    partner_id TEXT REFERENCES partners(id),
    purpose TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    thumb_key TEXT,
    width BIGINT,
    height BIGINT,
    created_by TEXT REFERENCES users(id),
    created_ms BIGINT NOT NULL
);

CREATE TABLE products (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    category_id TEXT NOT NULL REFERENCES categories(id),
    brand_id TEXT NOT NULL REFERENCES brands(id),
    base_unit_id TEXT NOT NULL REFERENCES units(id),
    tax_rate_bp BIGINT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    image_id TEXT REFERENCES files(id),
    search_key TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX products_category ON products(category_id);
CREATE INDEX products_created ON products(created_ms, id);

-- Larger units a product is sold in: 1 箱 = 12 瓶.
CREATE TABLE product_units (
    product_id TEXT NOT NULL REFERENCES products(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    factor BIGINT NOT NULL,
    PRIMARY KEY (product_id, unit_id)
);

CREATE TABLE skus (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products(id),
    code TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    barcode TEXT,
    list_price BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX skus_product ON skus(product_id);

CREATE TABLE product_images (
    product_id TEXT NOT NULL REFERENCES products(id),
    file_id TEXT NOT NULL REFERENCES files(id),
    sort BIGINT NOT NULL,
    PRIMARY KEY (product_id, file_id)
);

-- Append-only: nothing in Qudao updates or deletes a row here.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    partner_id TEXT,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT,
    ip TEXT
);
CREATE INDEX audit_log_object ON audit_log(object_kind, object_id, at_ms);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at_ms);
CREATE INDEX audit_log_at ON audit_log(at_ms, id);

-- Idempotency-Key records, per caller. `state` is 'in_flight' until the effect commits with
-- the response in the same transaction.
CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    created_ms BIGINT NOT NULL,
    locked_until_ms BIGINT NOT NULL,
    PRIMARY KEY (owner, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_ms);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_ms BIGINT NOT NULL,
    updated_by TEXT
);

-- The application role. At run time every transaction switches to it (`set_config('role', …)`),
-- so the code that serves requests owns no table and cannot bypass row-level security even when
-- the connection itself is a superuser. The role is cluster-wide; several databases share it.
DO $$
BEGIN
    CREATE ROLE qudao_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT qudao_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
    NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO qudao_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO qudao_app;
REVOKE UPDATE, DELETE ON audit_log FROM qudao_app;

-- Row-level security: the second wall under the store's scoped queries. Each transaction sets
-- qudao.scope ('system', 'all', 'assigned' or 'partner'), qudao.user, qudao.partner and
-- qudao.subdealers; with nothing set, nothing is visible.
ALTER TABLE partners ENABLE ROW LEVEL SECURITY;
ALTER TABLE partners FORCE ROW LEVEL SECURITY;
CREATE POLICY partners_scope ON partners USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (current_setting('qudao.scope', true) = 'partner' AND (
        id = current_setting('qudao.partner', true)
        OR (current_setting('qudao.subdealers', true) = '1'
            AND parent_id = current_setting('qudao.partner', true))))
    OR (current_setting('qudao.scope', true) = 'assigned' AND EXISTS (
        SELECT 1 FROM assignments a
        WHERE a.user_id = current_setting('qudao.user', true)
          AND (a.partner_id = partners.id
               OR substr(partners.region_path, 1, length(a.region_path)) = a.region_path)))
);

-- Tables whose rows belong to one partner: visible when that partner is (the subquery on
-- partners is itself filtered by the policy above).
ALTER TABLE partner_contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE partner_contacts FORCE ROW LEVEL SECURITY;
CREATE POLICY partner_contacts_scope ON partner_contacts USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = partner_contacts.partner_id)
);
ALTER TABLE partner_addresses ENABLE ROW LEVEL SECURITY;
ALTER TABLE partner_addresses FORCE ROW LEVEL SECURITY;
CREATE POLICY partner_addresses_scope ON partner_addresses USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = partner_addresses.partner_id)
);

-- Tables where a NULL partner means "the brand's own": brand scopes see those rows, partner
-- scopes never do.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_scope ON users USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (partner_id IS NULL AND current_setting('qudao.scope', true) = 'assigned')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = users.partner_id)
);
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_scope ON api_keys USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (partner_id IS NULL AND current_setting('qudao.scope', true) = 'assigned')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = api_keys.partner_id)
);
ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY files_scope ON files USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (partner_id IS NULL AND purpose = 'product_image'
        AND current_setting('qudao.scope', true) IN ('assigned', 'partner'))
    OR (partner_id IS NULL AND current_setting('qudao.scope', true) = 'assigned')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = files.partner_id)
);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_scope ON audit_log USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (partner_id IS NULL AND current_setting('qudao.scope', true) = 'assigned')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = audit_log.partner_id)
);

-- Brand-only tables: a channel manager reads its own assignments; partners read none.
ALTER TABLE assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY assignments_scope ON assignments USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (current_setting('qudao.scope', true) = 'assigned'
        AND user_id = current_setting('qudao.user', true))
);
