-- Domains, accounts, aliases, folders, messages, raw bytes, full-text index, outbound queue.
-- Times are Unix milliseconds (UTC).

CREATE TABLE domains (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    catch_all     TEXT    NULL,
    dkim_selector TEXT    NULL,
    dkim_key      TEXT    NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE accounts (
    id                 INTEGER PRIMARY KEY,
    address            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    domain_id          INTEGER NOT NULL REFERENCES domains(id),
    display_name       TEXT    NOT NULL DEFAULT '',
    password_hash      TEXT    NOT NULL,
    is_admin           INTEGER NOT NULL DEFAULT 0,
    is_disabled        INTEGER NOT NULL DEFAULT 0,
    quota_bytes        INTEGER NOT NULL DEFAULT 0,
    used_bytes         INTEGER NOT NULL DEFAULT 0,
    message_count      INTEGER NOT NULL DEFAULT 0,
    pop3_delete_policy INTEGER NOT NULL DEFAULT 0,
    settings           TEXT    NOT NULL DEFAULT '{}',
    security_stamp     TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    last_login_at      INTEGER NULL
);
CREATE INDEX accounts_domain ON accounts(domain_id);

CREATE TABLE aliases (
    id         INTEGER PRIMARY KEY,
    address    TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    domain_id  INTEGER NOT NULL REFERENCES domains(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX aliases_domain ON aliases(domain_id);

CREATE TABLE alias_targets (
    alias_id   INTEGER NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (alias_id, account_id)
) WITHOUT ROWID;
CREATE INDEX alias_targets_account ON alias_targets(account_id);

-- IMAP-ready: UIDVALIDITY and UIDNEXT per folder (RFC 9051 §2.3.1.1); counters kept by triggers.
CREATE TABLE folders (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    parent_id     INTEGER NULL REFERENCES folders(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    special_use   INTEGER NOT NULL DEFAULT 0,
    uid_validity  INTEGER NOT NULL,
    uid_next      INTEGER NOT NULL DEFAULT 1,
    message_count INTEGER NOT NULL DEFAULT 0,
    unread_count  INTEGER NOT NULL DEFAULT 0,
    total_bytes   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX folders_name ON folders(account_id, ifnull(parent_id, 0), name COLLATE NOCASE);
CREATE INDEX folders_parent ON folders(parent_id);

-- AUTOINCREMENT: a message id is never reused, so it can serve as the POP3 UIDL forever.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    folder_id       INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    uid             INTEGER NOT NULL,
    flags           INTEGER NOT NULL DEFAULT 0,
    internal_date   INTEGER NOT NULL,
    size            INTEGER NOT NULL,
    from_address    TEXT    NOT NULL,
    from_name       TEXT    NOT NULL,
    to_addresses    TEXT    NOT NULL,
    cc_addresses    TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    sent_date       INTEGER NULL,
    message_id      TEXT    NOT NULL,
    in_reply_to     TEXT    NOT NULL,
    thread_key      TEXT    NOT NULL,
    thread_subject  TEXT    NOT NULL,
    preview         TEXT    NOT NULL,
    has_attachments INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_folder_uid ON messages(folder_id, uid);
CREATE INDEX messages_folder_date ON messages(folder_id, internal_date, id);
CREATE INDEX messages_folder_from ON messages(folder_id, lower(CASE WHEN from_name = '' THEN from_address ELSE from_name END), internal_date);
CREATE INDEX messages_folder_subject ON messages(folder_id, subject COLLATE NOCASE, internal_date);
CREATE INDEX messages_folder_size ON messages(folder_id, size, internal_date);
CREATE INDEX messages_account_date ON messages(account_id, internal_date);
CREATE INDEX messages_account_msgid ON messages(account_id, message_id);
CREATE INDEX messages_account_thread ON messages(account_id, thread_key);
CREATE INDEX messages_account_thread_subject ON messages(account_id, thread_subject);

-- Raw RFC 5322 bytes, the source of truth, apart from the list columns so list scans stay small.
CREATE TABLE message_raw (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    raw        BLOB    NOT NULL
);

-- Contentless full-text index; rowid = messages.id.
CREATE VIRTUAL TABLE message_fts USING fts5(
    subject, sender, recipients, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_after_insert AFTER INSERT ON messages BEGIN
    UPDATE folders SET message_count = message_count + 1,
                       unread_count = unread_count + ((NEW.flags & 1) = 0),
                       total_bytes = total_bytes + NEW.size
     WHERE id = NEW.folder_id;
    UPDATE accounts SET used_bytes = used_bytes + NEW.size, message_count = message_count + 1
     WHERE id = NEW.account_id;
END;

CREATE TRIGGER messages_after_delete AFTER DELETE ON messages BEGIN
    UPDATE folders SET message_count = message_count - 1,
                       unread_count = unread_count - ((OLD.flags & 1) = 0),
                       total_bytes = total_bytes - OLD.size
     WHERE id = OLD.folder_id;
    UPDATE accounts SET used_bytes = used_bytes - OLD.size, message_count = message_count - 1
     WHERE id = OLD.account_id;
    DELETE FROM message_fts WHERE rowid = OLD.id;
END;

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

-- Outbound queue: one message, one entry per recipient domain.
CREATE TABLE outbound_messages (
    id                INTEGER PRIMARY KEY,
    raw               BLOB    NOT NULL,
    mail_from         TEXT    NOT NULL,
    sender_account_id INTEGER NULL REFERENCES accounts(id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL
);

CREATE TABLE outbound_queue (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL REFERENCES outbound_messages(id) ON DELETE CASCADE,
    domain          TEXT    NOT NULL,
    recipients      TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NULL,
    warning_sent    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbound_queue_due ON outbound_queue(next_attempt_at);
CREATE INDEX outbound_queue_message ON outbound_queue(message_id);
