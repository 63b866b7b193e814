-- The audit log: its entries (each with its leaf of the Merkle tree and the subtrees it
-- completes), the tree's head, and the signed checkpoints. Rampart only ever inserts into
-- audit_entries and audit_checkpoints; the one row of audit_head moves forward with every
-- append.

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    -- The right edge of the tree (one hash per set bit of tree_size); NULL when empty.
    frontier BYTEA
);
INSERT INTO audit_head (id, tree_size, frontier) VALUES (1, 0, NULL);

CREATE TABLE audit_entries (
    idx BIGINT PRIMARY KEY,
    recorded_at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    tenant_id TEXT,
    action TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    -- A JSON array of ids.
    resource_ids TEXT NOT NULL,
    ticket_id TEXT,
    grant_id TEXT,
    outcome TEXT NOT NULL,
    request_id TEXT,
    client_ip TEXT,
    -- 32 bytes per hash: the entry's leaf, SHA-256(0x00 ‖ canonical encoding), then the
    -- complete subtrees its leaf completes, level 1 upwards (the subtree of 2^level leaves
    -- starting at leaf i * 2^level is completed by leaf (i + 1) * 2^level - 1). Proofs read
    -- them; verification recomputes them.
    tree_hashes BYTEA NOT NULL
);
CREATE INDEX audit_entries_tenant ON audit_entries (tenant_id, idx);

CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY,
    root_hash BYTEA NOT NULL,
    signed_at BIGINT NOT NULL,
    note TEXT NOT NULL
);
