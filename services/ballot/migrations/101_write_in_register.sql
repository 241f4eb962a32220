-- Write-ins are matched against the community's register (API.md, Write-ins), not only the
-- contest's electorate (which, under the representatives method, is a few people): the names
-- and pseudonymous keys of the register as it stood when the first round opened.

CREATE TABLE ballot.register_names (
    contest_id uuid NOT NULL REFERENCES ballot.contests (contest_id),
    name       text NOT NULL,
    person_key text NOT NULL,
    PRIMARY KEY (contest_id, person_key)
);
