-- Server-side web sessions: the sign-in cookie names a row here, so sign-out ends it everywhere.
-- id_hash is the SHA-256 (hex) of the secret the cookie carries; the secret itself is never stored.
CREATE TABLE web_sessions (
    id_hash    TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    persistent INTEGER NOT NULL,
    remote_ip  TEXT    NULL,
    user_agent TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_account ON web_sessions(account_id);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);

-- Audit fields written before they were bounded (a 1 MB address typed at sign-in was stored whole).
UPDATE audit_log SET actor = substr(actor, 1, 254) || '…' WHERE length(actor) > 254;
UPDATE audit_log SET target = substr(target, 1, 254) || '…' WHERE length(target) > 254;
UPDATE audit_log SET detail = substr(detail, 1, 1000) || '…' WHERE length(detail) > 1000;
