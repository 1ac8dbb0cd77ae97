-- A checkpoint writes one row: the instance's, with its history event
-- appended to the events pending in the row (comma-separated JSON arrays,
-- see runtime/internal/rowevents), which a checkpoint moves to history
-- every few sequence numbers. Instances of older versions have none
-- pending: their whole history is in history.
-- The view events is history and the pending events together, as History
-- reads them.

ALTER TABLE instances ADD COLUMN pending TEXT NOT NULL DEFAULT '';

CREATE VIEW pending_events (instance_id, seq, kind, name, site, attempts, error, detail, at) AS
SELECT i.id, e.value ->> 0, CAST(unhex(e.value ->> 3) AS TEXT), CAST(unhex(e.value ->> 4) AS TEXT),
    e.value ->> 1, e.value ->> 2, CAST(unhex(e.value ->> 5) AS TEXT), unhex(e.value ->> 6), e.value ->> 7
FROM instances i, json_each('[' || i.pending || ']') e
WHERE i.pending <> '';

CREATE VIEW events (instance_id, seq, kind, name, site, attempts, error, detail, at) AS
SELECT instance_id, seq, kind, name, site, attempts, error, detail, at FROM history
UNION ALL
SELECT instance_id, seq, kind, name, site, attempts, error, detail, at FROM pending_events;
