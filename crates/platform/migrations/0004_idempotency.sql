-- Answers to POST requests that carried an Idempotency-Key, kept 24 hours so a retry gets
-- the first answer instead of creating twice. A row without a status is a request still
-- running. Bodies are sealed by the master key: they may hold personal data.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status BIGINT,
    location TEXT,
    body BYTEA,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
