-- Import and export, retention (issue 23).

-- Import jobs (Settings → Import and the CLI): one row per run, so a job survives the page that started
-- it and its progress is read back by any circuit. kind: mbox, maildir, eml, imap. state: queued,
-- running, done, stopped (quota, cancelled), failed. source is what the user named (a file name, or
-- user@host:port for IMAP), never a password; upload_path the staged file in the data directory.
-- errors: a JSON array of the first few error texts, each bounded.
CREATE TABLE import_jobs (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    target_folder INTEGER NULL REFERENCES folders(id) ON DELETE SET NULL,
    options       TEXT    NOT NULL DEFAULT '{}',
    upload_path   TEXT    NULL,
    state         TEXT    NOT NULL,
    total         INTEGER NULL,
    imported      INTEGER NOT NULL DEFAULT 0,
    duplicates    INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    bytes         INTEGER NOT NULL DEFAULT 0,
    message       TEXT    NOT NULL DEFAULT '',
    errors        TEXT    NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL,
    finished_at   INTEGER NULL
);
CREATE INDEX import_jobs_account ON import_jobs(account_id, id);
CREATE INDEX import_jobs_state ON import_jobs(state) WHERE state IN ('queued', 'running');

-- IMAP import resumes by UID: per account, source server account and source folder, the UIDVALIDITY
-- seen and the highest UID copied. Written in the same unit as the batch it covers, so a crash never
-- skips or repeats a committed batch (duplicates would be skipped anyway).
CREATE TABLE import_imap_state (
    account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    source       TEXT    NOT NULL,
    folder       TEXT    NOT NULL,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL,
    PRIMARY KEY (account_id, source, folder)
) WITHOUT ROWID;

-- Duplicate check of an import (same Message-ID and size in the same folder).
CREATE INDEX messages_folder_msgid ON messages(folder_id, message_id) WHERE message_id <> '';

-- Retention: when the retention job first saw the message in its folder (unix ms), null until then.
-- A move to another folder clears it, so Trash's age counts from the move, not from the arrival.
-- The column is outside the modseq triggers' columns: stamping it changes nothing a client sees.
ALTER TABLE messages ADD COLUMN retention_since INTEGER NULL;
CREATE TRIGGER messages_retention_reset AFTER UPDATE OF folder_id ON messages WHEN OLD.folder_id <> NEW.folder_id BEGIN
    UPDATE messages SET retention_since = NULL WHERE id = NEW.id;
END;
