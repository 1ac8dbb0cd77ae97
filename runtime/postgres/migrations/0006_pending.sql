-- A checkpoint writes one row: the instance's, with its history event
-- appended to the events pending in the row (comma-separated JSON arrays,
-- see runtime/internal/rowevents: sequence, site, attempts, kind, name,
-- error and detail in hexadecimal, time in microseconds since the Unix
-- epoch), which a checkpoint moves to history every few sequence numbers.
-- Instances of older versions have none pending: their whole history is
-- in history. The view events is history
-- and the pending events together, as History reads them. The column is
-- not indexed, so checkpoints stay HOT.

ALTER TABLE instances ADD COLUMN pending text NOT NULL DEFAULT '';

-- pending_events decodes the pending events of instance $1.
CREATE FUNCTION pending_events(text, text)
RETURNS TABLE (instance_id text, seq bigint, kind text, name text, site integer, attempts integer,
    error text, detail bytea, at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT $1, (e ->> 0)::bigint, convert_from(decode(e ->> 3, 'hex'), 'UTF8'),
    convert_from(decode(e ->> 4, 'hex'), 'UTF8'), (e ->> 1)::integer, (e ->> 2)::integer,
    convert_from(decode(e ->> 5, 'hex'), 'UTF8'), decode(e ->> 6, 'hex'),
    timestamptz 'epoch' + (e ->> 7)::bigint * interval '1 microsecond'
FROM json_array_elements(('[' || $2 || ']')::json) e
WHERE $2 <> ''
$$;

CREATE VIEW events AS
SELECT instance_id, seq, kind, name, site, attempts, error, detail, at FROM history
UNION ALL
SELECT p.* FROM instances i, pending_events(i.id, i.pending) p;
