-- Passkeys (WebAuthn, PasskeyService): a second factor after the password, or a password-less sign-in.
-- credential_id is the authenticator's id for the key: unique across accounts, it is how a
-- password-less sign-in finds its account. public_key is the COSE key; sign_count the authenticator's
-- last signature counter (0 when it keeps none); user_handle the random WebAuthn user.id given at
-- registration (the same for every passkey of an account), never the address.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    credential_id BLOB    NOT NULL UNIQUE,
    public_key    BLOB    NOT NULL,
    sign_count    INTEGER NOT NULL,
    user_handle   BLOB    NOT NULL,
    name          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NULL
);
CREATE INDEX passkeys_account ON passkeys(account_id);
