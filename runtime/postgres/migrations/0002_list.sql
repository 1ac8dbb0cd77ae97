-- Listing instances (runtime.Admin.List) pages in (created_at, id) order,
-- IDs in byte order like the other stores. Neither column changes after
-- the insert, so checkpoints stay HOT.

CREATE INDEX instances_created ON instances (created_at, id COLLATE "C");
