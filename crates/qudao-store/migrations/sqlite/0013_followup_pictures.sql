-- A follow-up's photo is stored under the partner of whoever took it (the deal's owner or a
-- partner the deal is shared with) and is seen by everyone who sees the follow-up: the lookup
-- from a file to its follow-up needs this index.
CREATE INDEX opportunity_followups_file ON opportunity_followups (file_id);
