-- Undo send (docs/compose.md): a message sent from the web composer waits here until release_at, then the
-- held-send worker hands it to the delivery pipeline, whose commit deletes the row (sent exactly once).
-- claimed_until is the worker's lease: a row whose lease ran out (the worker died mid-release) is claimed
-- again; Undo takes back only an unclaimed row. raw is the composed message, Bcc header included (the
-- submitter moves it into the envelope at release). original_id and mode say what the Send marks
-- (\Answered, $Forwarded) on the message it answers; ON DELETE SET NULL keeps the send if that goes.
CREATE TABLE held_submissions (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    release_at    INTEGER NOT NULL,
    claimed_until INTEGER NULL,
    raw           BLOB    NOT NULL,
    original_id   INTEGER NULL REFERENCES messages(id) ON DELETE SET NULL,
    mode          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX held_submissions_release ON held_submissions(release_at);
CREATE INDEX held_submissions_account ON held_submissions(account_id);
