-- Two-factor sign-in (TwoFactorService). totp_secret is the RFC 6238 key (Base32), NULL while two
-- factors are off; totp_last_step is the last time step accepted, so a code is taken at most once.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT NULL;
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER NULL;

-- One-time recovery codes: the SHA-256 (hex) of each, never the code.
CREATE TABLE recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    INTEGER NULL,
    PRIMARY KEY (account_id, code_hash)
) WITHOUT ROWID;
