-- Listing instances (runtime.Admin.List) pages in (created_at, id) order.
-- Neither column changes after the insert, so checkpoints never write
-- this index.

CREATE INDEX instances_created ON instances (created_at, id);
