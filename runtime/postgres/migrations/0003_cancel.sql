-- A graceful cancel (runtime.CancelRequester) records its reason; the
-- instance runs its compensations and ends canceled. Not indexed, so
-- checkpoints stay HOT.

ALTER TABLE instances ADD COLUMN cancel_reason text NOT NULL DEFAULT '';
