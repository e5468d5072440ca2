-- Sieve vacation (RFC 5230 §4.2): when the next reply for a handle may go to a sender. The handle is
-- kept as its SHA-256 (a script's handle can be as long as the script); sender is lower case. Rows
-- whose time has passed are deleted when the account's next reply is recorded.
CREATE TABLE sieve_vacation_replies (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    handle     TEXT    NOT NULL,
    sender     TEXT    NOT NULL,
    until      INTEGER NOT NULL,
    PRIMARY KEY (account_id, handle, sender)
) WITHOUT ROWID;
