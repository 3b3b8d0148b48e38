-- Approval flows (审批流) for SQLite; kept line for line with migrations/postgres/0007_approvals.sql.

-- A flow an administrator configured for one kind of object (`order`, `return`, `credit_line`,
-- `partner_onboarding`, `adjustment`). Flows of a kind are tried in `position` order; the first
-- whose condition holds is followed. `version` is the current one; every saved version is kept
-- in approval_flow_versions, because an object in flight keeps the version it started with.
-- `status` is active or archived (an archived flow is no longer chosen).
CREATE TABLE approval_flows (
    id TEXT PRIMARY KEY,
    object_kind TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id)
);
CREATE INDEX approval_flows_kind ON approval_flows (object_kind, position);

-- Every version of a flow as saved: the definition is the JSON of qudao_domain's `Flow`.
CREATE TABLE approval_flow_versions (
    flow_id TEXT NOT NULL REFERENCES approval_flows(id),
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (flow_id, version)
);

-- Order flows feed checkout's cached snapshot (see migration 0004): a change bumps its version.
CREATE TRIGGER approval_flows_ordering_insert AFTER INSERT ON approval_flows BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER approval_flows_ordering_update AFTER UPDATE ON approval_flows BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;
CREATE TRIGGER approval_flows_ordering_delete AFTER DELETE ON approval_flows BEGIN
    UPDATE data_versions SET value = value + 1 WHERE name = 'ordering';
END;

-- One object's way through a flow. `flow_id` is NULL for the built-in default flow; the steps it
-- follows are copied into `definition` either way, so a later flow change never reaches it.
-- `state` is the JSON of qudao_domain's `Instance` (current step, who may approve each branch,
-- who has). `outcome` is running, approved, rejected or withdrawn; `revision` guards every change
-- (two approvers at once: one wins, the other reads again). `step_name`, `simple`, `summary`
-- and `amount` are copies for the queue. `remind_at_ms` and `escalate_at_ms` are when the current
-- step's approvers are reminded and when it escalates (NULL: not or no longer due).
CREATE TABLE approval_instances (
    id TEXT PRIMARY KEY,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    flow_id TEXT REFERENCES approval_flows(id),
    flow_version BIGINT NOT NULL,
    flow_name TEXT NOT NULL,
    definition TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT NOT NULL,
    step_name TEXT,
    simple SMALLINT NOT NULL,
    summary TEXT NOT NULL,
    amount BIGINT NOT NULL,
    submitted_by TEXT NOT NULL REFERENCES users(id),
    submitted_ms BIGINT NOT NULL,
    step_started_ms BIGINT NOT NULL,
    remind_at_ms BIGINT,
    escalate_at_ms BIGINT,
    ended_ms BIGINT,
    revision BIGINT NOT NULL
);
CREATE INDEX approval_instances_object ON approval_instances (object_kind, object_id, submitted_ms);
CREATE INDEX approval_instances_running ON approval_instances (outcome, step_started_ms);
CREATE INDEX approval_instances_partner ON approval_instances (partner_id, submitted_ms);
CREATE INDEX approval_instances_remind ON approval_instances (remind_at_ms);
CREATE INDEX approval_instances_escalate ON approval_instances (escalate_at_ms);

-- The open tasks: who may act on a running instance now. Rewritten with every change of the
-- instance, so "waiting for me" is one indexed read.
CREATE TABLE approval_tasks (
    instance_id TEXT NOT NULL REFERENCES approval_instances(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    object_kind TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (instance_id, user_id)
);
CREATE INDEX approval_tasks_user ON approval_tasks (user_id, created_ms);

-- An instance's history, kept for good: submit, approve, reject, return, withdraw, delegate,
-- remind, escalate and the outcome. `actor_id` is NULL for the system (reminders, escalation).
CREATE TABLE approval_actions (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL REFERENCES approval_instances(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    at_ms BIGINT NOT NULL,
    actor_id TEXT REFERENCES users(id),
    action TEXT NOT NULL,
    step_name TEXT,
    comment TEXT,
    target_id TEXT REFERENCES users(id)
);
CREATE INDEX approval_actions_instance ON approval_actions (instance_id, at_ms);

-- Hand-overs while away: `user_id`'s approvals (of one kind, or all when object_kind is NULL)
-- go to `delegate_id` between from_ms and until_ms, for steps that begin meanwhile.
CREATE TABLE approval_delegations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    delegate_id TEXT NOT NULL REFERENCES users(id),
    object_kind TEXT,
    from_ms BIGINT NOT NULL,
    until_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT,
    CHECK (user_id <> delegate_id),
    CHECK (from_ms < until_ms)
);
CREATE INDEX approval_delegations_user ON approval_delegations (user_id, until_ms);
