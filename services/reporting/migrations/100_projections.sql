-- Read models built from the events of every service (consumer group `reporting`). Each
-- handler is idempotent and tolerant of order across streams: a row may be created by any of
-- its events and completed by the others. `reporting rebuild` empties these tables and replays
-- the outboxes.

CREATE TABLE reporting.areas (
    id          uuid PRIMARY KEY,
    level       text NOT NULL,
    name        text NOT NULL,
    code        text,
    district_id uuid NOT NULL,
    street_id   uuid
);

CREATE TABLE reporting.elections (
    election_id          uuid PRIMARY KEY,
    district_id          uuid NOT NULL,
    title                text NOT NULL,
    kind                 text NOT NULL,
    drill                boolean NOT NULL,
    method               text NOT NULL,
    nomination_opens_on  date NOT NULL,
    nomination_closes_on date NOT NULL
);

CREATE TABLE reporting.contests (
    contest_id              uuid PRIMARY KEY,
    election_id             uuid,
    district_id             uuid,
    street_id               uuid,
    community_id            uuid,
    community               text,
    election_day            date,
    drill                   boolean,
    positions               jsonb,
    electorate              integer,
    electorate_published_at timestamptz,
    list_published_at       timestamptz,
    candidates              jsonb,
    ballot_fingerprint      text,
    -- `polling`, `counted`, `failed`, `announced` from the ballot service.
    voting_status           text,
    announced_at            timestamptz,
    elected                 jsonb,
    vacancies               jsonb,
    changed_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contests_election ON reporting.contests (election_id);

CREATE TABLE reporting.nominations (
    nomination_id uuid PRIMARY KEY,
    contest_id    uuid NOT NULL,
    standing      boolean NOT NULL
);
CREATE INDEX nominations_contest ON reporting.nominations (contest_id);

CREATE TABLE reporting.rounds (
    contest_id uuid NOT NULL,
    round      integer NOT NULL,
    poll_id    uuid NOT NULL,
    closed_at  timestamptz NOT NULL,
    outcome    text NOT NULL,
    tally      jsonb NOT NULL,
    PRIMARY KEY (contest_id, round)
);
