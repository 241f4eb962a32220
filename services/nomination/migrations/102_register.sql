-- The voter register (选民登记). Identity numbers are never stored: only a keyed hash (HMAC-SHA256
-- with a key from the environment) for one-person-one-community and look-ups, the masked form
-- for display, and the birth date and gender they carry.

CREATE TABLE nomination.voters (
    id                uuid PRIMARY KEY,
    community_id      uuid NOT NULL REFERENCES nomination.communities (id),
    name              text NOT NULL,
    id_hash           bytea NOT NULL,
    id_masked         text NOT NULL,
    gender            text NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date        date NOT NULL,
    household_no      text NOT NULL DEFAULT '',
    resident_group_id uuid REFERENCES nomination.resident_groups (id),
    household_rep     boolean NOT NULL DEFAULT false,
    resident_rep      boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- One person is registered in one community only (R-VOTER-AGE).
    CONSTRAINT voters_one_registration UNIQUE (id_hash)
);
CREATE INDEX voters_community ON nomination.voters (community_id, id);
CREATE INDEX voters_household ON nomination.voters (community_id, household_no);
