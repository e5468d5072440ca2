-- The large values (raw messages, search documents) are compressed by lz4 instead of PostgreSQL's default pglz: on
-- SMTP ingest pglz's compression was 5 % of the database's CPU, inside the transaction that holds the delivering
-- accounts' rows, and lz4 compresses and decompresses several times faster for a little less saving. Values already
-- stored keep their compression (both are read alike). PostgreSQL 14 or later built with lz4 (Debian's, the
-- official images) has it; without it everything stays as it was.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        EXECUTE 'ALTER TABLE message_raw ALTER COLUMN raw SET COMPRESSION lz4';
        EXECUTE 'ALTER TABLE message_search ALTER COLUMN document SET COMPRESSION lz4';
        EXECUTE 'ALTER TABLE outbound_messages ALTER COLUMN raw SET COMPRESSION lz4';
        EXECUTE 'ALTER TABLE held_submissions ALTER COLUMN raw SET COMPRESSION lz4';
    END IF;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available: large values stay compressed by pglz';
END $$;
