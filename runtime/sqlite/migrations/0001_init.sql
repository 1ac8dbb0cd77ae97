-- Instances, their checkpoint history and their signals.
-- Times are integer unix nanoseconds; 0 means unset.

CREATE TABLE instances (
    id          TEXT    NOT NULL PRIMARY KEY,
    workflow    TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    frame       BLOB,
    seq         INTEGER NOT NULL DEFAULT 0,
    attempt     INTEGER NOT NULL DEFAULT 0,
    epoch       INTEGER NOT NULL DEFAULT 0,
    owner       TEXT    NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0,
    wake_at     INTEGER NOT NULL DEFAULT 0,
    await_name  TEXT    NOT NULL DEFAULT '',
    output      BLOB,
    error       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Claiming: ready instances, due timers (status, wake_at) and expired
-- leases (status, lease_until).
CREATE INDEX instances_due ON instances (status, wake_at);
CREATE INDEX instances_lease ON instances (status, lease_until);

CREATE TABLE history (
    instance_id TEXT    NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    site        INTEGER NOT NULL DEFAULT 0,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    detail      BLOB,
    at          INTEGER NOT NULL,
    PRIMARY KEY (instance_id, seq)
) WITHOUT ROWID;

CREATE TABLE signals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT    NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    payload     BLOB,
    created_at  INTEGER NOT NULL,
    consumed_at INTEGER
);

-- The oldest unconsumed signal of a name, for Claim and Checkpoint.
CREATE INDEX signals_pending ON signals (instance_id, name, id) WHERE consumed_at IS NULL;
