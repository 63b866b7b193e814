-- The customer data vault: each tenant's wrapped data key, its contacts (personal fields
-- sealed as one record), the keyed blind-index terms that find them, its custom fields, and
-- its import jobs. No column holds a contact's name, phone, email, notes or custom values in
-- plaintext.

CREATE TABLE vault_keys (
    tenant_id TEXT PRIMARY KEY,
    -- The tenant's 256-bit data key, sealed by the master key with the tenant id bound in.
    wrapped_key BYTEA NOT NULL,
    -- Which master key wrapped it (its public fingerprint).
    master_key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    rewrapped_at BIGINT
);

-- Keyed by tenant first: every query names its tenant, and a tenant's contacts are
-- neighbours. On SQLite the rows live in the key's own B-tree (WITHOUT ROWID).
CREATE TABLE vault_contacts (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    -- XChaCha20-Poly1305 of the personal fields, with the tenant and contact ids as
    -- associated data.
    sealed BYTEA NOT NULL,
    -- A JSON array of tags, lower-cased.
    tags TEXT NOT NULL,
    -- Consent and opt-out per channel, two bits each (call, SMS, email).
    channels BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) /*sqlite: WITHOUT ROWID*/;

-- One row per (contact, searchable value): 64 bits of HMAC under the tenant's index key of
-- the value's kind and text. The key is the tenant's, so terms of different tenants never
-- meet except by a 2^-64 chance, and every search joins back to vault_contacts on its
-- tenant. A contact's own terms are recomputed from its opened record when it changes,
-- so no index by contact is needed.
CREATE TABLE vault_terms (
    term BIGINT NOT NULL,
    contact_id TEXT NOT NULL,
    PRIMARY KEY (term, contact_id)
) /*sqlite: WITHOUT ROWID*/;

CREATE TABLE vault_fields (
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE vault_imports (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    -- running, done or failed.
    state TEXT NOT NULL,
    merge_policy TEXT NOT NULL,
    rows_read BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    -- Why a failed import stopped, in words (never a row's contents).
    failure TEXT,
    started_at BIGINT NOT NULL,
    -- Moved forward with each batch: a running import that stops moving was interrupted.
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX vault_imports_by_tenant ON vault_imports (tenant_id, started_at);

-- Each refused row of an import: its line and why (the reason names a column, never a value).
CREATE TABLE vault_import_rejections (
    import_id TEXT NOT NULL,
    line BIGINT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);
