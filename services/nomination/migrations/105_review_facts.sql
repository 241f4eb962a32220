-- Facts from the review service (its events): a contest's published candidate list (the
-- contest's status becomes `published`), and rejected nominations (they stop counting for
-- R-NOM-DUP and can no longer be withdrawn).

ALTER TABLE nomination.contests ADD COLUMN candidates_published_at timestamptz;

ALTER TABLE nomination.nominations DROP CONSTRAINT nominations_status_check;
ALTER TABLE nomination.nominations ADD CONSTRAINT nominations_status_check
    CHECK (status IN ('submitted', 'withdrawn', 'rejected'));

-- Elections stored before the effective profile was: `rules` held the overrides (with the
-- profile's name). Keep them as the overrides; `rules::stored` resolves such a row again.
UPDATE nomination.elections SET rule_overrides = rules
 WHERE rule_overrides = '{}'::jsonb AND NOT rules ? 'min_voter_age';
