-- IMAP SEARCH TEXT (issue 17): "text" means every header field (the message's and its MIME parts')
-- and the body (RFC 9051 §6.4.4). The body is in message_fts; the header fields get their own
-- contentless index, so the full-text index can narrow a TEXT search exactly.
-- A message stored before this version is not in it (headers_indexed = 0) and is always a
-- candidate, checked by reading it.
CREATE VIRTUAL TABLE message_header_fts USING fts5(
    headers,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
ALTER TABLE messages ADD COLUMN headers_indexed INTEGER NOT NULL DEFAULT 0;

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
    DELETE FROM message_header_fts WHERE rowid = OLD.id;
END;

-- The indexes' vocabularies: a search string that may sit inside a longer word is matched through
-- the tokens that contain it (src/Webmail.Storage/FtsSubstring.cs).
CREATE VIRTUAL TABLE message_fts_vocab USING fts5vocab(message_fts, 'row');
CREATE VIRTUAL TABLE message_header_fts_vocab USING fts5vocab(message_header_fts, 'row');

-- SELECT lists the keywords in use in a folder (FLAGS); most messages have none, so a partial
-- index answers it without reading the folder's rows.
CREATE INDEX messages_folder_keywords ON messages(folder_id, keywords) WHERE keywords <> '';
