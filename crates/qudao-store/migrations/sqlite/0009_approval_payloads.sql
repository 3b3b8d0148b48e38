-- What an approval changes when it is approved, for objects whose change waits for it: a
-- credit line change ({"credit_line": fen, "terms_days": …}) or a partner's onboarding
-- ({"status": "active", "reason": …}). Orders, returns and adjustments are their own rows and
-- need none. JSON, nullable.
ALTER TABLE approval_instances ADD COLUMN payload TEXT;
