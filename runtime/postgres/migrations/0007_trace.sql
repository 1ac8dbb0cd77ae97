-- The trace context of an instance's start (runtime.Instance.Trace), for
-- its runs to join; empty for instances created before this migration and
-- for those started without an observer that records one.

ALTER TABLE instances ADD COLUMN trace text NOT NULL DEFAULT '';
