-- Admin API tokens (ApiTokenService): secret_hash is the SHA-256 (hex) of the token, which is shown
-- once and never stored. A token belongs to the admin who made it (account_id) and works only while
-- that account is an enabled admin. scope: 0 read-only, 1 read-write. Revoking deletes the row.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    scope        INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NULL,
    last_ip      TEXT    NULL
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);
