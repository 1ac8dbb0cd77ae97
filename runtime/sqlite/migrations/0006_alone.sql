-- A run can be recorded as alone on its worker (runtime.AloneRecorder):
-- alone is set for the current claim and cleared by the next one, which
-- counts in aborted_alone, as in aborted, the runs in a row that ended
-- without committing anything, but only those that ran alone
-- (runtime.Instance.AbortedAlone).

ALTER TABLE instances ADD COLUMN alone INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN aborted_alone INTEGER NOT NULL DEFAULT 0;
