-- Issue 20, content filtering and transport security (docs/smtp.md "Spam filtering with rspamd", "MTA-STS").
-- spam_learned: what rspamd was last taught about a message (1 spam, 2 ham), written once it took the
-- lesson, so a second move in the same direction (or an IMAP client's COPY after MOVE) does not teach it again.
CREATE TABLE spam_learned (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    verdict    INTEGER NOT NULL,
    learned_at INTEGER NOT NULL
);

-- filter_counts: what the inbound checks refused, deferred, quarantined and what was learned, per UTC day
-- (unix seconds of its midnight), outcome and reason; the admin dashboard's charts.
CREATE TABLE filter_counts (
    day     INTEGER NOT NULL,
    outcome TEXT    NOT NULL,
    reason  TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (day, outcome, reason)
) WITHOUT ROWID;

-- MTA-STS (RFC 8461) per served domain: the policy mode (none, testing, enforce) and its id, which changes
-- whenever the policy does (RFC 8461 §3.1: senders refetch when the TXT record's id changes).
CREATE TABLE mta_sts_policies (
    domain_id  INTEGER PRIMARY KEY REFERENCES domains(id) ON DELETE CASCADE,
    mode       TEXT    NOT NULL,
    policy_id  TEXT    NOT NULL,
    changed_at INTEGER NOT NULL
);
