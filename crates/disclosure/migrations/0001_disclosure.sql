-- The vulnerability disclosure program: reports from researchers, the thread of messages
-- on each, the periods a report waited on its researcher (the response clocks pause
-- then), and the published policy.

CREATE TABLE disclosure_reports (
    -- `rpt_` and a UUIDv7.
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- A vulnerability class such as `sql_injection` (model::report::VulnerabilityClass).
    class TEXT NOT NULL,
    affected TEXT NOT NULL,
    impact TEXT NOT NULL,
    steps TEXT NOT NULL,
    proof_of_concept TEXT NOT NULL,
    -- CVSS vectors as the library prints them, and their base scores in tenths.
    cvss_v3 TEXT,
    cvss_v3_tenths BIGINT,
    cvss_v4 TEXT,
    cvss_v4_tenths BIGINT,
    -- model::lifecycle::State as text, such as `triaging` or `closed_duplicate`.
    state TEXT NOT NULL,
    severity TEXT,
    -- For a duplicate: the report it repeats.
    duplicate_of TEXT,
    reporter_name TEXT,
    reporter_email TEXT,
    -- The account or token that submitted it, when not anonymous.
    reporter_user_id TEXT,
    reporter_token_id TEXT,
    -- The researcher account that sent it, and for that account the tracking link's secret
    -- sealed by the master key, so the account's page can open it again.
    researcher_id TEXT,
    tracking_sealed TEXT,
    -- SHA-256 of the private tracking link's secret; NULL once revoked.
    tracking_hash TEXT UNIQUE,
    -- Hall of Fame: whether the researcher is credited, and which optional fields they
    -- consent to show (each revocable).
    credit BIGINT NOT NULL,
    credit_organisation TEXT,
    credit_link TEXT,
    show_email BIGINT NOT NULL,
    show_organisation BIGINT NOT NULL,
    show_link BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    first_response_at BIGINT,
    triaged_at BIGINT,
    accepted_at BIGINT,
    fixed_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    disclosed_at BIGINT,
    -- The agreed date the advisory publishes itself, and the fix target (a date or a
    -- release, in words).
    disclose_on BIGINT,
    fix_target TEXT,
    -- When the team was last emailed that a clock of this report is overdue.
    escalated_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX disclosure_reports_by_state ON disclosure_reports (state, submitted_at);

-- The thread of a report. Internal notes (internal = 1) are never shown to the researcher.
CREATE TABLE disclosure_messages (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES disclosure_reports (id),
    -- researcher, team or system.
    author TEXT NOT NULL,
    internal BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX disclosure_messages_by_report ON disclosure_messages (report_id, created_at);

-- Each time a report waited on its researcher (needs information): the clocks pause.
CREATE TABLE disclosure_pauses (
    report_id TEXT NOT NULL REFERENCES disclosure_reports (id),
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    PRIMARY KEY (report_id, started_at)
);

-- The policy page's Markdown as the security team last saved it (one row; none until
-- the first edit, when the default policy is shown).
CREATE TABLE disclosure_policy (
    id BIGINT PRIMARY KEY,
    markdown TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- The key that seals attachments: 256 random bits, stored only sealed by the master key
-- (one row). `rampart keys rotate` re-seals it; attachments stay as they are.
CREATE TABLE disclosure_keys (
    id BIGINT PRIMARY KEY,
    wrapped TEXT NOT NULL
);

-- Files attached to a report, sealed (XChaCha20-Poly1305 under the attachments key, the
-- report and attachment ids as associated data). Served only as downloads.
CREATE TABLE disclosure_attachments (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES disclosure_reports (id),
    -- The name as given, cleaned to printable characters; never used as a path.
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    sealed BYTEA NOT NULL,
    -- researcher or team.
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX disclosure_attachments_by_report ON disclosure_attachments (report_id, created_at);

-- Researcher accounts: an address that proved itself by a link mailed to it. There is no
-- password to guess or reuse; each sign-in is a new single-use link.
CREATE TABLE disclosure_researchers (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    created_at BIGINT NOT NULL
);

-- Sign-in links, by the SHA-256 of their secret: single-use, valid 30 minutes.
CREATE TABLE disclosure_sign_in_links (
    hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Researcher sessions, by the SHA-256 of the cookie's secret.
CREATE TABLE disclosure_researcher_sessions (
    hash TEXT PRIMARY KEY,
    researcher_id TEXT NOT NULL REFERENCES disclosure_researchers (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX disclosure_reports_by_researcher ON disclosure_reports (researcher_id, submitted_at);
