-- Identity: tenants, their people, staff, sessions of both realms, API tokens, one-time
-- links, and brute-force state shared by every node. Booleans are times (NULL = not yet).

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    require_2fa_since BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    email_verified_at BIGINT,
    totp_secret TEXT,
    totp_pending_secret TEXT,
    totp_last_step BIGINT,
    totp_enabled_at BIGINT,
    created_at BIGINT NOT NULL,
    removed_at BIGINT,
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    totp_secret TEXT,
    totp_pending_secret TEXT,
    totp_last_step BIGINT,
    totp_enabled_at BIGINT,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT,
    CONSTRAINT staff_email_key UNIQUE (email)
);

-- Sessions of both realms; a look-up always names its realm, so a customer session is
-- never accepted on the staff listener.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    public_id TEXT NOT NULL,
    realm TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    tenant_id TEXT,
    stage TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    proved_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    CONSTRAINT sessions_public_id_key UNIQUE (public_id)
);
CREATE INDEX sessions_principal ON sessions (realm, principal_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    lookup_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_used_at BIGINT,
    last_used_ip TEXT,
    revoked_at BIGINT,
    CONSTRAINT api_tokens_lookup_key UNIQUE (lookup_hash)
);
CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT,
    CONSTRAINT invitations_token_key UNIQUE (token_hash)
);
CREATE INDEX invitations_tenant ON invitations (tenant_id);

-- Single-use links sent by mail (email verification, password reset) and staff set-up links.
CREATE TABLE one_time_links (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Consecutive failed log-ins per identifier (a hash of the email, whether or not an account
-- has it).
CREATE TABLE login_failures (
    identifier_hash TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    alerted_at BIGINT
);
