-- Opportunities (商机): a deal a partner works, from an accepted lead or an approved registration
-- (or entered directly), its stage history, its follow-up records (跟进记录), its joint team, a linked second
-- partner, and partners' monthly forecasts.

-- An opportunity. `stage` is a code of the brand's configured stages; `stage_ms` when it entered
-- it; `outcome_reason` why it was won or lost; `closed_ms` when.
CREATE TABLE opportunities (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    name TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    registration_id TEXT REFERENCES registrations(id),
    lead_id TEXT REFERENCES leads(id),
    stage TEXT NOT NULL,
    stage_ms BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    close_date INTEGER,
    products TEXT,
    competitors TEXT,
    outcome_reason TEXT,
    closed_ms BIGINT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    revision BIGINT NOT NULL
);
CREATE INDEX opportunities_partner ON opportunities (partner_id, stage);

-- Each stay of an opportunity in a stage: the funnel and time in stage are measured from these.
CREATE TABLE opportunity_visits (
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    stage TEXT NOT NULL,
    entered_ms BIGINT NOT NULL,
    left_ms BIGINT,
    actor_id TEXT REFERENCES users(id),
    PRIMARY KEY (opportunity_id, entered_ms, stage)
);
CREATE INDEX opportunity_visits_entered ON opportunity_visits (entered_ms);

-- Follow-up records: calls, visits, meetings, with notes and a picture (`file_id`).
CREATE TABLE opportunity_followups (
    id TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    kind TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    note TEXT NOT NULL,
    file_id TEXT REFERENCES files(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX opportunity_followups_opportunity ON opportunity_followups (opportunity_id, at_ms);

-- The joint team: brand and partner people on an opportunity. `partner_id` is the member's
-- company (none for the brand's staff); `owner_id` the opportunity's partner.
CREATE TABLE opportunity_members (
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    partner_id TEXT REFERENCES partners(id),
    owner_id TEXT NOT NULL REFERENCES partners(id),
    role TEXT NOT NULL,
    added_ms BIGINT NOT NULL,
    PRIMARY KEY (opportunity_id, user_id)
);

-- A second partner on a deal (the distributor behind a reseller, or the reverse): only a linked
-- one, which then sees the opportunity. `owner_id` is the opportunity's partner.
CREATE TABLE opportunity_partners (
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    owner_id TEXT NOT NULL REFERENCES partners(id),
    added_by TEXT NOT NULL REFERENCES users(id),
    added_ms BIGINT NOT NULL,
    PRIMARY KEY (opportunity_id, partner_id)
);
CREATE INDEX opportunity_partners_partner ON opportunity_partners (partner_id);

-- A partner's monthly forecast (`period` yyyymm): each open opportunity's category and amount
-- (JSON lines) and the totals as committed; submitted again, it is replaced.
CREATE TABLE forecasts (
    partner_id TEXT NOT NULL REFERENCES partners(id),
    period INTEGER NOT NULL,
    lines TEXT NOT NULL,
    commit_amount BIGINT NOT NULL,
    best_case_amount BIGINT NOT NULL,
    pipeline_amount BIGINT NOT NULL,
    submitted_by TEXT NOT NULL REFERENCES users(id),
    submitted_ms BIGINT NOT NULL,
    PRIMARY KEY (partner_id, period)
);
