-- A graceful cancel (runtime.CancelRequester) records its reason; the
-- instance runs its compensations and ends canceled.

ALTER TABLE instances ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
