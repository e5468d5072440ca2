-- The final line break (issue 16, "exact bytes").
--
-- 1. Repair. Before this version a message received over SMTP was stored without the CRLF that
--    ends its last line, though RFC 5321 §4.1.1.4 makes that CRLF part of the message; POP3 then
--    sent a CRLF the size did not count. Every stored message that is not empty and does not end
--    with LF gets CRLF appended: exactly the bytes POP3 has been sending for it all along. (SMTP
--    refused bare CR and LF, so such a message ends with neither.) Its size, its folder's
--    total_bytes and its account's used_bytes grow by the same 2 octets; the messages_after_update
--    trigger watches only folder_id and flags, so the counters are kept here.
--    `||` yields TEXT, so the result is cast back to BLOB (the bytes are unchanged: UTF-8 database).
--    Queued outbound copies are left alone: the SMTP client adds the line break when sending.
CREATE TEMP TABLE repaired AS
    SELECT m.id, m.account_id, m.folder_id
      FROM message_raw r JOIN messages m ON m.id = r.message_id
     WHERE length(r.raw) > 0 AND substr(r.raw, -1) <> x'0a';

UPDATE message_raw SET raw = CAST(raw || x'0d0a' AS BLOB) WHERE message_id IN (SELECT id FROM temp.repaired);
UPDATE messages SET size = size + 2 WHERE id IN (SELECT id FROM temp.repaired);
UPDATE folders SET total_bytes = total_bytes + 2 * (SELECT count(*) FROM temp.repaired p WHERE p.folder_id = folders.id)
 WHERE id IN (SELECT folder_id FROM temp.repaired);
UPDATE accounts SET used_bytes = used_bytes + 2 * (SELECT count(*) FROM temp.repaired p WHERE p.account_id = accounts.id)
 WHERE id IN (SELECT account_id FROM temp.repaired);
DROP TABLE temp.repaired;

-- 2. Messages stored from now on keep exactly their bytes; one that ends without a line break
--    (a door other than SMTP may store one) is marked, because POP3 must end its last line before
--    the terminating dot (RFC 1939 §3) and count those 2 octets in LIST and STAT (RFC 1939 §5).
--    After the repair above no stored message is such, hence the default. The maildrop's covering
--    index carries the mark, so a POP3 login still reads no messages row.
ALTER TABLE messages ADD COLUMN unterminated INTEGER NOT NULL DEFAULT 0;
DROP INDEX messages_folder_uid_size;
CREATE INDEX messages_folder_uid_size ON messages(folder_id, uid, size, unterminated);
