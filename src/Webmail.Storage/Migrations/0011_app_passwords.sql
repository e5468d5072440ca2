-- App passwords (AppPasswordService): secret_hash is the SHA-256 (hex) of the 16 random letters,
-- the secret itself is never stored. protocols is a bit set (1 IMAP, 2 POP3, 4 SMTP).
CREATE TABLE app_passwords (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    protocols    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NULL,
    last_ip      TEXT    NULL
);
CREATE INDEX app_passwords_account ON app_passwords(account_id);
