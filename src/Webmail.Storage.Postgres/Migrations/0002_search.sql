-- Full-text search: one tsvector per message, built by the store (SearchDocument) with the SQLite index's
-- tokenizer rules (FTS5 unicode61, diacritics folded, no stemming), weights for the columns
-- (A subject, B sender, C recipients, D body). Apart from messages so list scans stay small, as
-- SQLite keeps message_fts apart; a message's row goes with it.
CREATE TABLE message_search (
    message_id bigint   PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    document   tsvector NOT NULL
);
CREATE INDEX message_search_document ON message_search USING gin (document);
