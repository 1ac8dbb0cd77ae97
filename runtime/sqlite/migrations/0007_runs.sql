-- Runs (durable.ContinueAsNew, runtime.Continuer): an instance counts its
-- runs in run; run_started_at is when the current run started (0: at
-- created_at). A continuation keeps the summary of the run that ended in
-- runs (the most recent runtime.KeptRuns of them) and deletes its history
-- and consumed signals.

ALTER TABLE instances ADD COLUMN run INTEGER NOT NULL DEFAULT 1;
ALTER TABLE instances ADD COLUMN run_started_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE runs (
    instance_id TEXT    NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    run         INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    output      BLOB,
    PRIMARY KEY (instance_id, run)
) WITHOUT ROWID;

-- A continuation deletes the instance's consumed signals, and a purge all
-- of them (and the foreign key's cascade looks them up): by instance.
CREATE INDEX signals_instance ON signals (instance_id);
