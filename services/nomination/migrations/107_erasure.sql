-- Erasure of voters' personal data (docs/operations.md, "Personal data: retention and
-- erasure"): when the election's electorates and register entries were pseudonymised, once its
-- committee's term and the retention period had passed. NULL: not yet.

ALTER TABLE nomination.elections ADD COLUMN personal_data_erased_at timestamptz;

-- A voter pseudonymised by the erasure: no longer in the register (its row stays, because
-- nominations and frozen electorates refer to it).
ALTER TABLE nomination.voters ADD COLUMN erased_at timestamptz;
