-- Mail waiting to be sent, written in the transaction of the operation that causes it, so
-- mail goes out only for work that committed; see platform::mail. A row is claimed by one
-- node at a time (claimed_by, claimed_until) so several nodes never send the same message.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    sent_at BIGINT,
    claimed_by TEXT,
    claimed_until BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
