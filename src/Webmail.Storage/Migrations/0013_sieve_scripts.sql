-- Sieve scripts (SieveScriptService): each account has scripts by name, at most one active (run at
-- delivery). last_error is what the last delivery run of the script failed with, shown to the user.
CREATE TABLE sieve_scripts (
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    script        TEXT    NOT NULL,
    is_active     INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    last_error    TEXT    NULL,
    last_error_at INTEGER NULL,
    PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
CREATE UNIQUE INDEX sieve_scripts_one_active ON sieve_scripts(account_id) WHERE is_active = 1;
