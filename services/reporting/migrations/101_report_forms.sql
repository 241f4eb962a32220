-- The nominees' particulars the report form and the committees' structure need (R-REPORT,
-- R-STRUCTURE), and the filings (备案) of report forms with the street and the district: each
-- filing is a version of the form with its digest; a changed form is filed again only as a new
-- version with a reason.

ALTER TABLE reporting.nominations
    ADD COLUMN name         text,
    ADD COLUMN position     text,
    ADD COLUMN gender       text,
    ADD COLUMN birth_date   date,
    ADD COLUMN education    text,
    ADD COLUMN party_member boolean;

CREATE TABLE reporting.filings (
    contest_id  uuid NOT NULL,
    filed_to    text NOT NULL CHECK (filed_to IN ('street', 'district')),
    version     integer NOT NULL CHECK (version >= 1),
    digest      text NOT NULL,
    report      jsonb NOT NULL,
    reason      text,
    filed_at    timestamptz NOT NULL,
    filed_by    text NOT NULL,
    election_id uuid NOT NULL,
    drill       boolean NOT NULL,
    PRIMARY KEY (contest_id, filed_to, version)
);
CREATE INDEX filings_election ON reporting.filings (election_id);
