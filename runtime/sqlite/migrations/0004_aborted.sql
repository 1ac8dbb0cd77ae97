-- A claim counts the runs in a row that ended without committing anything
-- (runtime.Instance.Aborted): claim_seq is the instance's seq at its last
-- claim; a claim that takes over an expired lease at that same seq adds
-- one to aborted, any other claim resets it.

ALTER TABLE instances ADD COLUMN claim_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN aborted INTEGER NOT NULL DEFAULT 0;
