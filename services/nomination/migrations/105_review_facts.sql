-- Facts from the review service (its events): a contest's published candidate list (the
-- contest's status becomes `published`), and rejected nominations (they stop counting for
-- R-NOM-DUP and can no longer be withdrawn).

ALTER TABLE nomination.contests ADD COLUMN candidates_published_at timestamptz;

ALTER TABLE nomination.nominations DROP CONSTRAINT nominations_status_check;
ALTER TABLE nomination.nominations ADD CONSTRAINT nominations_status_check
    CHECK (status IN ('submitted', 'withdrawn', 'rejected'));
