-- Facts from the ballot service (its events): where a contest stands on election day. The
-- contest's status reads `polling`, `counted`, `failed` or `announced` from here once set.

ALTER TABLE nomination.contests ADD COLUMN voting_status text
    CHECK (voting_status IN ('polling', 'counted', 'failed', 'announced'));
