-- What the committees' structure needs beyond the nominees' particulars (R-STRUCTURE), recorded
-- by the community after the election where known: of the elected, ethnic minority and
-- whether the director is also the Party organisation's secretary (一肩挑); and the outgoing
-- members the elected replace, for the plan's "younger, better educated" comparison.
-- Written by officers through the API, not built from events: a rebuild keeps it.
CREATE TABLE reporting.committee_facts (
    contest_id  uuid PRIMARY KEY,
    elected     jsonb NOT NULL,
    outgoing    jsonb NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL
);

-- Bulk export to other systems pages contests by time of change.
CREATE INDEX contests_changed ON reporting.contests (changed_at, contest_id);
