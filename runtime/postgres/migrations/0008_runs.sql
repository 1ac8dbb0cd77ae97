-- Runs (durable.ContinueAsNew, runtime.Continuer): an instance counts its
-- runs in run; run_started_at is when the current run started (NULL: at
-- created_at). A continuation keeps the summary of the run that ended in
-- runs (the most recent runtime.KeptRuns of them) and deletes its history
-- and consumed signals. Neither column is indexed: checkpoints stay HOT.

ALTER TABLE instances ADD COLUMN run integer NOT NULL DEFAULT 1;
ALTER TABLE instances ADD COLUMN run_started_at timestamptz;

CREATE TABLE runs (
    instance_id text        NOT NULL,
    run         integer     NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz NOT NULL,
    seq         bigint      NOT NULL,
    output      bytea,
    PRIMARY KEY (instance_id, run)
);

-- A continuation deletes the instance's consumed signals, and a purge all
-- of them: by instance.
CREATE INDEX signals_instance ON signals (instance_id);
