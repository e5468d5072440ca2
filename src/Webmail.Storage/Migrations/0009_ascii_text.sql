-- IMAP SEARCH BODY/TEXT of one word (issue 17): the full-text index proves a match without reading
-- the message when everything it indexed of the message is ASCII. Its tokens are then the text's
-- own letters and digits, lower-cased, so a token that contains the word is the word in the text,
-- as SEARCH compares (ignoring case); non-ASCII text can fold to the same token (remove_diacritics)
-- and is still read. Messages stored before this version are 0: read, as before.
ALTER TABLE messages ADD COLUMN text_ascii INTEGER NOT NULL DEFAULT 0;

-- The messages every TEXT search must read whatever the index says (stored before their header
-- fields were indexed), found without a walk over the folder.
CREATE INDEX messages_folder_headers_unindexed ON messages(folder_id) WHERE headers_indexed = 0;
