-- Elections of a district and their contests (one per community), with the effective rule
-- profile stored as it was decided, and a drill's own clock.

CREATE TABLE nomination.elections (
    id                   uuid PRIMARY KEY,
    district_id          uuid NOT NULL REFERENCES nomination.districts (id),
    title                text NOT NULL,
    kind                 text NOT NULL CHECK (kind IN ('general', 'by_election')),
    mode                 text NOT NULL CHECK (mode IN ('live', 'drill')),
    method               text NOT NULL CHECK (method IN ('all_voters', 'household_representatives', 'resident_representatives')),
    nomination_opens_on  date NOT NULL,
    nomination_closes_on date NOT NULL,
    term_ends_on         date,
    rules                jsonb NOT NULL,
    -- A drill's clock: `clock_base` at the real instant `clock_set_at`, running from there.
    clock_base           timestamptz,
    clock_set_at         timestamptz,
    cloned_from          uuid REFERENCES nomination.elections (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (nomination_opens_on <= nomination_closes_on),
    CHECK ((mode = 'drill') = (clock_base IS NOT NULL)),
    CHECK ((clock_base IS NULL) = (clock_set_at IS NULL))
);
CREATE INDEX elections_district ON nomination.elections (district_id, id);

CREATE TABLE nomination.contests (
    id           uuid PRIMARY KEY,
    election_id  uuid NOT NULL REFERENCES nomination.elections (id),
    community_id uuid NOT NULL REFERENCES nomination.communities (id),
    street_id    uuid NOT NULL REFERENCES nomination.streets (id),
    district_id  uuid NOT NULL REFERENCES nomination.districts (id),
    election_day date NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contests_one_per_community UNIQUE (election_id, community_id)
);
CREATE INDEX contests_election ON nomination.contests (election_id, id);

CREATE TABLE nomination.contest_positions (
    contest_id uuid NOT NULL REFERENCES nomination.contests (id),
    position   text NOT NULL CHECK (position IN ('director', 'deputy_director', 'member')),
    seats      integer NOT NULL CHECK (seats > 0),
    PRIMARY KEY (contest_id, position)
);
