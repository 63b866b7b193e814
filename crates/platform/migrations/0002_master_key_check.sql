-- The id (a public fingerprint) of the master key the database's secrets are sealed with,
-- so that a node started with another key refuses to start instead of failing later.
CREATE TABLE master_key_check (
    name TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
