-- Audit log, per-hour mail counters for the dashboard, live server settings.

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    remote_ip TEXT    NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_action ON audit_log(action, at);

CREATE TABLE mail_events (
    hour  INTEGER NOT NULL,
    kind  INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, kind)
) WITHOUT ROWID;

CREATE TABLE server_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
