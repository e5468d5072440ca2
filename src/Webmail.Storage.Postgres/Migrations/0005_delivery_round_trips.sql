-- Fewer statements per stored message (issue 19: SMTP ingest holds the account's row lock from the first statement
-- of a delivery to its commit, so every round trip inside it is time no other delivery to that account can use).

-- The conversation a message joins by subject is the newest with that subject: with id in the index the lookup
-- reads one entry instead of every message sharing the subject (a daily report, a newsletter: thousands). On
-- SQLite the rowid is part of every index already.
CREATE INDEX messages_account_thread_subject_id ON messages(account_id, thread_subject, id);
DROP INDEX messages_account_thread_subject;

-- The insert trigger, which already updates the folder's row for the counters and the MODSEQ, also gives a message
-- inserted without a UID the folder's next one: one statement instead of two. A message inserted with a UID (a
-- copy that allocated its own, the migration from SQLite) keeps it. A folder that is not the message's account's
-- is refused (SQLSTATE WMF01) instead of left to the foreign key.
CREATE OR REPLACE FUNCTION messages_before_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    allocated bigint;
BEGIN
    UPDATE folders SET message_count = message_count + 1,
                       unread_count = unread_count + CASE WHEN NEW.flags & 1 = 0 THEN 1 ELSE 0 END,
                       total_bytes = total_bytes + NEW.size,
                       highest_modseq = highest_modseq + 1,
                       uid_next = uid_next + CASE WHEN NEW.uid IS NULL THEN 1 ELSE 0 END
     WHERE id = NEW.folder_id AND account_id = NEW.account_id
    RETURNING highest_modseq, uid_next - 1 INTO NEW.modseq, allocated;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'folder % is not one of account %''s', NEW.folder_id, NEW.account_id USING ERRCODE = 'WMF01';
    END IF;
    IF NEW.uid IS NULL THEN
        NEW.uid := allocated;
    END IF;
    UPDATE accounts SET used_bytes = used_bytes + NEW.size, message_count = message_count + 1
     WHERE id = NEW.account_id;
    RETURN NEW;
END $$;
