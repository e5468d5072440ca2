-- POP3's maildrop snapshot reads (id, size) of every INBOX message in UID order at each login.
-- With size in the index (id is the rowid, in every index) the read never touches the wide
-- messages rows: 100,000 rows in 16 ms instead of 67 ms.
CREATE INDEX messages_folder_uid_size ON messages(folder_id, uid, size);
