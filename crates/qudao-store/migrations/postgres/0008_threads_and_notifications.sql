-- Threads on objects and notifications, for PostgreSQL; kept line for line with
-- migrations/sqlite/0008_threads_and_notifications.sql, plus the grants and row-level policies.

-- A discussion on one object (an order, a return, a partner, a statement…) between the brand and
-- the partner's users who can see it. `internal` messages are the brand's own notes, never shown
-- to partners. `mentions` and `attachments` are JSON arrays of user and file ids. Kept for good.
CREATE TABLE thread_messages (
    id TEXT PRIMARY KEY,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    internal SMALLINT NOT NULL,
    mentions TEXT NOT NULL,
    attachments TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX thread_messages_object ON thread_messages (object_kind, object_id, created_ms);
CREATE INDEX thread_messages_partner ON thread_messages (partner_id, created_ms);

-- How far each person has read each thread: the newest message read (time and id).
CREATE TABLE thread_reads (
    user_id TEXT NOT NULL REFERENCES users(id),
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    read_ms BIGINT NOT NULL,
    read_id TEXT NOT NULL,
    PRIMARY KEY (user_id, object_kind, object_id)
);

-- A person's inbox: approvals waiting, mentions, order events. `email_state` is none, pending
-- (to send now), digest (to send in the day's digest), sending (claimed by an instance at
-- `email_claimed_ms`; taken again if that instance died before saying how it went), sent or
-- failed.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    partner_id TEXT REFERENCES partners(id),
    event TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT,
    object_kind TEXT,
    object_id TEXT,
    created_ms BIGINT NOT NULL,
    read_ms BIGINT,
    email_state TEXT NOT NULL,
    email_attempts BIGINT NOT NULL,
    email_claimed_ms BIGINT,
    emailed_ms BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_ms);
CREATE INDEX notifications_email ON notifications (email_state, created_ms);

-- Which events reach a person and how: in the app or not; by e-mail off, instant or in the
-- daily digest. No row: the event's default.
CREATE TABLE notification_prefs (
    user_id TEXT NOT NULL REFERENCES users(id),
    event TEXT NOT NULL,
    in_app SMALLINT NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (user_id, event)
);

GRANT SELECT, INSERT, UPDATE ON thread_messages, thread_reads, notifications, notification_prefs TO qudao_app;
-- A thread is seen by whoever sees the object's partner; internal notes by brand scopes only.
ALTER TABLE thread_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE thread_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY thread_messages_scope ON thread_messages USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (EXISTS (SELECT 1 FROM partners p WHERE p.id = thread_messages.partner_id)
        AND (internal = 0 OR current_setting('qudao.scope', true) = 'assigned'))
);
-- Read markers and notifications are the person's own.
ALTER TABLE thread_reads ENABLE ROW LEVEL SECURITY;
ALTER TABLE thread_reads FORCE ROW LEVEL SECURITY;
CREATE POLICY thread_reads_own ON thread_reads USING (
    current_setting('qudao.scope', true) = 'system' OR user_id = current_setting('qudao.user', true)
);
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY notifications_own ON notifications USING (
    current_setting('qudao.scope', true) = 'system' OR user_id = current_setting('qudao.user', true)
);
ALTER TABLE notification_prefs ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_prefs FORCE ROW LEVEL SECURITY;
CREATE POLICY notification_prefs_own ON notification_prefs USING (
    current_setting('qudao.scope', true) = 'system' OR user_id = current_setting('qudao.user', true)
);
