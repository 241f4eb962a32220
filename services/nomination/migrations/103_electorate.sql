-- A contest's published (frozen) electorate (R-ELECTORATE, R-ROLL-PUBLISH): the electors as
-- they were when the list was posted; later register changes do not touch it.

CREATE TABLE nomination.electorate_publications (
    contest_id   uuid PRIMARY KEY REFERENCES nomination.contests (id),
    published_at timestamptz NOT NULL,
    published_by text NOT NULL,
    electors     integer NOT NULL
);

CREATE TABLE nomination.electorate_entries (
    contest_id     uuid NOT NULL REFERENCES nomination.electorate_publications (contest_id),
    voter_id       uuid NOT NULL REFERENCES nomination.voters (id),
    name           text NOT NULL,
    id_masked      text NOT NULL,
    gender         text NOT NULL,
    household_no   text NOT NULL,
    resident_group text,
    PRIMARY KEY (contest_id, voter_id)
);
