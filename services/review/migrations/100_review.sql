-- Qualification review (R-REV-ORDER): one case per submitted nomination, opened from the
-- nomination service's NominationSubmitted event; every decision in order; the official
-- candidates (district approvals); the published, frozen, fingerprinted lists.

CREATE TABLE review.cases (
    nomination_id uuid PRIMARY KEY,
    contest_id    uuid NOT NULL,
    election_id   uuid NOT NULL,
    district_id   uuid NOT NULL,
    street_id     uuid NOT NULL,
    community_id  uuid NOT NULL,
    community     text NOT NULL,
    position      text NOT NULL CHECK (position IN ('director', 'deputy_director', 'member')),
    nominee_name  text NOT NULL,
    -- The nominee as a person (the nomination service's keyed hash, hex): one key for every
    -- candidacy of that person, never the identity number.
    nominee_key   text NOT NULL,
    eligible      boolean NOT NULL,
    status        text NOT NULL CHECK (status IN ('submitted', 'in_review', 'approved', 'rejected', 'withdrawn')),
    review_stage  text CHECK (review_stage IN ('community', 'street', 'district')),
    submitted_at  timestamptz NOT NULL,
    drill         boolean NOT NULL,
    -- A queue is read per stage and area, oldest first.
    CHECK ((review_stage IS NULL) = (status IN ('approved', 'rejected', 'withdrawn')))
);
CREATE INDEX cases_queue ON review.cases (review_stage, submitted_at, nomination_id) WHERE review_stage IS NOT NULL;
CREATE INDEX cases_contest ON review.cases (contest_id);

CREATE TABLE review.decisions (
    nomination_id uuid NOT NULL REFERENCES review.cases (nomination_id),
    seq           integer NOT NULL,
    stage         text NOT NULL,
    decision      text NOT NULL CHECK (decision IN ('approve', 'reject')),
    reason        text,
    decided_by    text NOT NULL,
    role          text NOT NULL,
    decided_at    timestamptz NOT NULL,
    PRIMARY KEY (nomination_id, seq)
);

-- Official candidates (正式候选人): approved by the district review.
CREATE TABLE review.candidates (
    candidate_id  uuid PRIMARY KEY,
    nomination_id uuid NOT NULL UNIQUE REFERENCES review.cases (nomination_id),
    contest_id    uuid NOT NULL,
    position      text NOT NULL,
    name          text NOT NULL,
    person_key    text NOT NULL,
    approved_at   timestamptz NOT NULL
);
CREATE INDEX candidates_contest ON review.candidates (contest_id, approved_at, candidate_id);

-- A published list is frozen: its items as published and the ballot paper's fingerprint.
CREATE TABLE review.publications (
    contest_id         uuid PRIMARY KEY,
    election_id        uuid NOT NULL,
    published_at       timestamptz NOT NULL,
    published_by       text NOT NULL,
    items              jsonb NOT NULL,
    ballot_fingerprint text NOT NULL
);
