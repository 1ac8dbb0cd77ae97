-- Instances, their history and their signals. Runs with search_path set to
-- the store's schema; timestamps come from the database clock.

CREATE TABLE instances (
    id          text        PRIMARY KEY,
    workflow    text        NOT NULL,
    version     text        NOT NULL,
    status      text        NOT NULL CHECK (status IN
                    ('ready', 'running', 'sleeping', 'waiting', 'completed', 'failed', 'canceled')),
    frame       bytea       NOT NULL DEFAULT '',
    seq         bigint      NOT NULL DEFAULT 0,
    attempt     integer     NOT NULL DEFAULT 0,
    epoch       bigint      NOT NULL DEFAULT 0,
    owner       text        NOT NULL DEFAULT '',
    lease_until timestamptz,
    wake_at     timestamptz,
    await_name  text        NOT NULL DEFAULT '',
    output      bytea,
    error       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
) WITH (fillfactor = 80);

-- Claiming looks for ready instances, due timers and expired leases. A
-- checkpoint that keeps the instance running changes none of the indexed
-- columns, so its update stays HOT (no index writes).
CREATE INDEX instances_ready ON instances (created_at) WHERE status = 'ready';
CREATE INDEX instances_wake ON instances (wake_at) WHERE status IN ('sleeping', 'waiting');
CREATE INDEX instances_lease ON instances (lease_until) WHERE status = 'running';

-- One row per committed checkpoint. The primary key rejects a sequence
-- number committed twice. Rows are only written together with an update of
-- their instance, so no foreign key is needed (and none is paid for on the
-- checkpoint path).
CREATE TABLE history (
    instance_id text        NOT NULL,
    seq         bigint      NOT NULL,
    kind        text        NOT NULL,
    name        text        NOT NULL DEFAULT '',
    site        integer     NOT NULL DEFAULT 0,
    attempts    integer     NOT NULL DEFAULT 0,
    error       text        NOT NULL DEFAULT '',
    detail      bytea,
    at          timestamptz NOT NULL,
    PRIMARY KEY (instance_id, seq)
);

CREATE TABLE signals (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id text        NOT NULL,
    name        text        NOT NULL,
    payload     bytea,
    created_at  timestamptz NOT NULL,
    consumed_at timestamptz
);

CREATE INDEX signals_pending ON signals (instance_id, name, id) WHERE consumed_at IS NULL;
