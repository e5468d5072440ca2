-- The expunge log is kept bounded (IImapStore.CompactExpungeLogAsync): a folder's oldest rows are
-- removed, and expunge_floor records the highest modseq whose rows may be gone. A client that last
-- saw the folder at or below it gets its answer from the UIDs present instead (RFC 7162 §3.2.5.2).
ALTER TABLE folders ADD COLUMN expunge_floor INTEGER NOT NULL DEFAULT 0;
