-- Leads (线索) and their routing: the brand's rules, the leads, every assignment a lead went
-- through (accepted, declined, timed out) and the certifications partners hold (which rules may
-- require).

-- A routing rule; `definition` is its JSON (conditions, capacity, strategy, weights, SLA hours).
-- Rules are tried by `position`; `revision` guards edits.
CREATE TABLE routing_rules (
    id TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    active SMALLINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    revision BIGINT NOT NULL
);

-- A lead. `partner_id` is the partner it is with now (none while unassigned); `reason` is the
-- JSON of why it went there; `due_ms` is when the partner must have answered; `tried` is the JSON
-- list of partners that had it (never routed to again). `source` is form, import or api;
-- `source_ip` throttles the public form.
CREATE TABLE leads (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    company TEXT NOT NULL,
    contact_name TEXT,
    phone TEXT,
    email TEXT,
    region_id TEXT NOT NULL REFERENCES regions(id),
    region_path TEXT NOT NULL,
    industry TEXT NOT NULL,
    message TEXT,
    status TEXT NOT NULL,
    partner_id TEXT REFERENCES partners(id),
    rule_id TEXT REFERENCES routing_rules(id),
    reason TEXT,
    assigned_ms BIGINT,
    due_ms BIGINT,
    tried TEXT NOT NULL,
    source_ip TEXT,
    search_key TEXT NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    revision BIGINT NOT NULL
);
CREATE INDEX leads_partner ON leads (partner_id, status);
CREATE INDEX leads_due ON leads (status, due_ms);
CREATE INDEX leads_source_ip ON leads (source_ip, created_ms);

-- Every time a lead went to a partner, and how it ended: pending, accepted, declined or
-- timed_out (the SLA breaches the brand sees per partner).
CREATE TABLE lead_assignments (
    id TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL REFERENCES leads(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    rule_id TEXT REFERENCES routing_rules(id),
    reason TEXT NOT NULL,
    assigned_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    decided_ms BIGINT,
    decided_by TEXT REFERENCES users(id),
    note TEXT
);
CREATE INDEX lead_assignments_lead ON lead_assignments (lead_id, assigned_ms);
CREATE INDEX lead_assignments_partner ON lead_assignments (partner_id, outcome);

-- Certifications a partner holds (the academy grants them); a routing rule may require some.
CREATE TABLE partner_certifications (
    partner_id TEXT NOT NULL REFERENCES partners(id),
    code TEXT NOT NULL,
    expires_ms BIGINT,
    PRIMARY KEY (partner_id, code)
);
