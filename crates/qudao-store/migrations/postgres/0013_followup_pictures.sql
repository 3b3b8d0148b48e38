-- The same as migrations/sqlite/0013_followup_pictures.sql, plus the row-level policy: a
-- follow-up's photo is stored under the partner of whoever took it (the deal's owner or a
-- partner the deal is shared with) and is seen by everyone who sees the follow-up (whose own
-- policy lets the owner and the partners it is shared with through).
CREATE INDEX opportunity_followups_file ON opportunity_followups (file_id);
DROP POLICY files_scope ON files;
CREATE POLICY files_scope ON files USING (
    current_setting('qudao.scope', true) IN ('system', 'all')
    OR (partner_id IS NULL AND purpose = 'product_image'
        AND current_setting('qudao.scope', true) IN ('assigned', 'partner'))
    OR (partner_id IS NULL AND current_setting('qudao.scope', true) = 'assigned')
    OR EXISTS (SELECT 1 FROM partners p WHERE p.id = files.partner_id)
    OR (purpose = 'followup_picture'
        AND EXISTS (SELECT 1 FROM opportunity_followups f WHERE f.file_id = files.id))
);
