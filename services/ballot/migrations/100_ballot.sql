-- Election day (R-POLL-DAY, R-SECRET): the contests being voted on, their frozen electorates,
-- polls per round, check-ins, unspent ballot tokens, ballots, results and certificates.
--
-- Secrecy by construction (ADR 9): check-ins and ballots share nothing but the poll. No table
-- of ballots has a voter id, a token, a sequence or a time finer than the poll's own opening
-- and closing; ballot ids are random (UUID v4) and, at close, a poll's ballots are rewritten
-- into `ballots` in random order so the table that outlives the poll keeps no arrival order.

-- A contest as it stood when its first poll opened (read from the nomination and review
-- services), and where it stands on election day.
CREATE TABLE ballot.contests (
    contest_id         uuid PRIMARY KEY,
    election_id        uuid NOT NULL,
    district_id        uuid NOT NULL,
    street_id          uuid NOT NULL,
    community_id       uuid NOT NULL,
    community          text NOT NULL,
    street             text NOT NULL,
    election_title     text NOT NULL,
    -- The area code certificate numbers carry (the district's code).
    area_code          text NOT NULL,
    election_day       date NOT NULL,
    drill              boolean NOT NULL,
    rules              jsonb NOT NULL,
    -- The published candidate list and its fingerprint.
    candidates         jsonb NOT NULL,
    ballot_fingerprint text NOT NULL,
    list_published_on  date NOT NULL,
    electorate         integer NOT NULL,
    status             text NOT NULL DEFAULT 'polling' CHECK (status IN ('polling', 'counted', 'failed', 'announced')),
    announced_at       timestamptz,
    result             jsonb
);

-- The frozen electorate of a contest (R-ELECTORATE), copied once: who may check in.
CREATE TABLE ballot.electors (
    contest_id uuid NOT NULL REFERENCES ballot.contests (contest_id),
    voter_id   uuid NOT NULL,
    name       text NOT NULL,
    -- The person's pseudonymous key (matches candidates and write-ins), never the number.
    person_key text NOT NULL,
    PRIMARY KEY (contest_id, voter_id)
);

-- One poll per contest and round.
CREATE TABLE ballot.polls (
    id               uuid PRIMARY KEY,
    contest_id       uuid NOT NULL REFERENCES ballot.contests (contest_id),
    round            integer NOT NULL CHECK (round >= 1),
    mode             text NOT NULL CHECK (mode IN ('electronic', 'paper')),
    status           text NOT NULL CHECK (status IN ('open', 'closed')),
    -- The round's ballot paper (the domain crate's Poll).
    paper            jsonb NOT NULL,
    staff            jsonb,
    opened_at        timestamptz NOT NULL,
    opened_by        text NOT NULL,
    closed_at        timestamptz,
    -- Set at close.
    checked_in       integer,
    ballots_returned integer,
    tally            jsonb,
    UNIQUE (contest_id, round)
);

-- Who checked in (the turnout on record). No time, no token, nothing of a ballot.
CREATE TABLE ballot.checkins (
    poll_id  uuid NOT NULL REFERENCES ballot.polls (id),
    voter_id uuid NOT NULL,
    PRIMARY KEY (poll_id, voter_id)
);

-- Unspent one-time ballot tokens (electronic mode): only the hash, no elector. Casting
-- deletes the row; the hash moves to `spent_tokens` so a second cast is told apart from an
-- unknown token. Both are emptied when the poll closes.
CREATE TABLE ballot.tokens (
    token_hash bytea PRIMARY KEY,
    poll_id    uuid NOT NULL REFERENCES ballot.polls (id)
);
CREATE TABLE ballot.spent_tokens (
    token_hash bytea PRIMARY KEY,
    poll_id    uuid NOT NULL REFERENCES ballot.polls (id)
);
CREATE INDEX tokens_poll ON ballot.tokens (poll_id);
CREATE INDEX spent_tokens_poll ON ballot.spent_tokens (poll_id);

-- Ballots of an open poll (the ballot box). Random id and receipt, the choices, nothing else.
CREATE TABLE ballot.ballot_box (
    poll_id uuid NOT NULL REFERENCES ballot.polls (id),
    id      uuid NOT NULL,
    receipt text NOT NULL,
    choices jsonb NOT NULL,
    spoiled boolean NOT NULL,
    PRIMARY KEY (poll_id, id)
);

-- Ballots of closed polls, written at close in the order of their random ids.
CREATE TABLE ballot.ballots (
    poll_id uuid NOT NULL REFERENCES ballot.polls (id),
    id      uuid NOT NULL,
    receipt text NOT NULL,
    choices jsonb NOT NULL,
    spoiled boolean NOT NULL,
    PRIMARY KEY (poll_id, id)
);

-- Election certificates (当选证书, R-ANNOUNCE), numbered per area code and year.
CREATE TABLE ballot.certificates (
    certificate_no text PRIMARY KEY,
    contest_id     uuid NOT NULL REFERENCES ballot.contests (contest_id),
    name           text NOT NULL,
    position       text NOT NULL,
    votes          bigint NOT NULL,
    round          integer NOT NULL
);
CREATE INDEX certificates_contest ON ballot.certificates (contest_id);

CREATE TABLE ballot.certificate_sequences (
    prefix text PRIMARY KEY,
    last   integer NOT NULL
);
