-- IMAP (issue 17): modification sequences, the expunge log, keywords, subscriptions, and the
-- ENVELOPE/BODYSTRUCTURE computed at delivery.
--
-- Modification sequences (RFC 7162 §3.1): every folder counts its changes in highest_modseq and
-- every message carries the modseq of its last change. The triggers below are the one place this
-- is kept, so every write path (web UI, POP3 UPDATE, IMAP, delivery) bumps them in the same
-- transaction as the change itself. A message appended, flagged or moved in takes the folder's new
-- highest; a message leaving a folder (expunge, delete, move out) is recorded in `expunged` with
-- the source folder's new highest, which is what "what changed since N" is answered from.
ALTER TABLE folders ADD COLUMN highest_modseq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE folders ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN modseq INTEGER NOT NULL DEFAULT 1;
-- Keywords (RFC 9051 §2.3.2, e.g. $Forwarded, $Junk): space-separated, each once, as the client spelt them.
ALTER TABLE messages ADD COLUMN keywords TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_folder_modseq ON messages(folder_id, modseq);

-- No foreign key: rows are written while a folder's messages cascade away with it; the folder's
-- rows go with the folder (trigger below).
CREATE TABLE expunged (
    folder_id INTEGER NOT NULL,
    uid       INTEGER NOT NULL,
    modseq    INTEGER NOT NULL,
    PRIMARY KEY (folder_id, uid)
) WITHOUT ROWID;
CREATE INDEX expunged_modseq ON expunged(folder_id, modseq);

-- IMAP's views of a message, computed once where the message is parsed (delivery, append) and
-- kept apart from the list columns. A message stored before this version has no row; the IMAP
-- server computes and stores it at its first FETCH.
CREATE TABLE message_imap (
    message_id     INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    envelope       TEXT    NOT NULL,
    body_structure TEXT    NOT NULL,
    body           TEXT    NOT NULL
);

DROP TRIGGER messages_after_insert;
CREATE TRIGGER messages_after_insert AFTER INSERT ON messages BEGIN
    UPDATE folders SET message_count = message_count + 1,
                       unread_count = unread_count + ((NEW.flags & 1) = 0),
                       total_bytes = total_bytes + NEW.size,
                       highest_modseq = highest_modseq + 1
     WHERE id = NEW.folder_id;
    UPDATE messages SET modseq = (SELECT highest_modseq FROM folders WHERE id = NEW.folder_id) WHERE id = NEW.id;
    UPDATE accounts SET used_bytes = used_bytes + NEW.size, message_count = message_count + 1
     WHERE id = NEW.account_id;
END;

DROP TRIGGER messages_after_delete;
CREATE TRIGGER messages_after_delete AFTER DELETE ON messages BEGIN
    UPDATE folders SET message_count = message_count - 1,
                       unread_count = unread_count - ((OLD.flags & 1) = 0),
                       total_bytes = total_bytes - OLD.size,
                       highest_modseq = highest_modseq + 1
     WHERE id = OLD.folder_id;
    INSERT OR REPLACE INTO expunged (folder_id, uid, modseq)
        SELECT id, OLD.uid, highest_modseq FROM folders WHERE id = OLD.folder_id;
    UPDATE accounts SET used_bytes = used_bytes - OLD.size, message_count = message_count - 1
     WHERE id = OLD.account_id;
    DELETE FROM message_fts WHERE rowid = OLD.id;
END;

-- Counters as before; the modseq rules are split by what changed.
DROP TRIGGER messages_after_update;
CREATE TRIGGER messages_after_update AFTER UPDATE OF folder_id, flags ON messages BEGIN
    UPDATE folders SET message_count = message_count - 1,
                       unread_count = unread_count - ((OLD.flags & 1) = 0),
                       total_bytes = total_bytes - OLD.size
     WHERE id = OLD.folder_id;
    UPDATE folders SET message_count = message_count + 1,
                       unread_count = unread_count + ((NEW.flags & 1) = 0),
                       total_bytes = total_bytes + NEW.size
     WHERE id = NEW.folder_id;
END;

-- Moved: gone from the source (an expunge there), new in the target.
CREATE TRIGGER messages_after_move AFTER UPDATE OF folder_id ON messages WHEN OLD.folder_id <> NEW.folder_id BEGIN
    UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE id IN (OLD.folder_id, NEW.folder_id);
    INSERT OR REPLACE INTO expunged (folder_id, uid, modseq)
        SELECT id, OLD.uid, highest_modseq FROM folders WHERE id = OLD.folder_id;
    UPDATE messages SET modseq = (SELECT highest_modseq FROM folders WHERE id = NEW.folder_id) WHERE id = NEW.id;
END;

-- Flags or keywords changed in place.
CREATE TRIGGER messages_after_flags AFTER UPDATE OF flags, keywords ON messages
WHEN OLD.folder_id = NEW.folder_id AND (OLD.flags <> NEW.flags OR OLD.keywords <> NEW.keywords) BEGIN
    UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE id = NEW.folder_id;
    UPDATE messages SET modseq = (SELECT highest_modseq FROM folders WHERE id = NEW.folder_id) WHERE id = NEW.id;
END;

CREATE TRIGGER folders_after_delete AFTER DELETE ON folders BEGIN
    DELETE FROM expunged WHERE folder_id = OLD.id;
END;
