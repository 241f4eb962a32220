-- Nominations (提名) of a contest (R-NOM-METHOD, R-NOM-WINDOW, R-NOM-DUP) with the nominee's
-- eligibility as the domain crate assessed it (R-ELIG-*) and the profile it was decided under.
-- The nominee's identity number is kept only as the register keeps it: a keyed hash (for
-- R-NOM-DUP and for matching the register) and the masked form.

CREATE TABLE nomination.nominations (
    id                 uuid PRIMARY KEY,
    contest_id         uuid NOT NULL REFERENCES nomination.contests (id),
    position           text NOT NULL CHECK (position IN ('director', 'deputy_director', 'member')),
    method             text NOT NULL CHECK (method IN ('joint_voters', 'joint_household_reps', 'joint_representatives', 'self')),
    nominee_voter_id   uuid REFERENCES nomination.voters (id),
    nominee_name       text NOT NULL,
    nominee_id_hash    bytea NOT NULL,
    nominee_id_masked  text NOT NULL,
    nominee_gender     text NOT NULL CHECK (nominee_gender IN ('male', 'female')),
    nominee_birth_date date NOT NULL,
    particulars        jsonb NOT NULL,
    eligibility        jsonb NOT NULL,
    eligible           boolean NOT NULL,
    profile            text NOT NULL,
    status             text NOT NULL CHECK (status IN ('submitted', 'withdrawn')),
    submitted_at       timestamptz NOT NULL,
    submitted_by       text NOT NULL,
    withdrawn_at       timestamptz,
    withdrawn_by       text,
    withdraw_reason    text,
    CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL))
);
CREATE INDEX nominations_contest ON nomination.nominations (contest_id, id);
-- R-NOM-DUP: one standing nomination per person and position in a contest, even under races.
CREATE UNIQUE INDEX nominations_one_standing
    ON nomination.nominations (contest_id, position, nominee_id_hash) WHERE status = 'submitted';

CREATE TABLE nomination.nominators (
    nomination_id uuid NOT NULL REFERENCES nomination.nominations (id),
    ordinal       integer NOT NULL,
    voter_id      uuid NOT NULL REFERENCES nomination.voters (id),
    PRIMARY KEY (nomination_id, ordinal),
    UNIQUE (nomination_id, voter_id)
);

-- The `rules` object as sent, beside the effective profile: a clone re-applies it to its own
-- dates.
ALTER TABLE nomination.elections ADD COLUMN rule_overrides jsonb NOT NULL DEFAULT '{}';
