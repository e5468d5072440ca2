-- TEMPORARY NUMBER: reserved as 0018; numbered 0016 on the trust branch only so the migrator sees consecutive numbers. Lead: rename to 0018 at merge.
-- Per-account always-allow and always-block lists (SenderListService, applied at delivery by the pipeline).
-- kind: 1 allow, 2 block. pattern: an address (user@example.com) or a domain (example.com, covering its
-- subdomains), lower case; one entry per pattern per account, whichever list it is on.
CREATE TABLE sender_lists (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind       INTEGER NOT NULL CHECK (kind IN (1, 2)),
    pattern    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, pattern)
);
