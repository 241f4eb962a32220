-- Erasure of electors' personal data (docs/operations.md, "Personal data: retention and
-- erasure"): when the contest's electors, write-in register and check-ins were pseudonymised,
-- once its committee's term and the retention period had passed. NULL: not yet.

ALTER TABLE ballot.contests ADD COLUMN personal_data_erased_at timestamptz;
