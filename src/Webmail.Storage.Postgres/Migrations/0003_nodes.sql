-- Several nodes on one database (issue 19). What one process used to keep in memory or in its data directory, and
-- every node must now share.

-- The login limiter's bans (an address) and pauses (an account) once earned, so they hold on every node. Keys are
-- the limiter's ("ip:…", "acct:…"), bounded there; a ban past its end is ignored and swept.
CREATE TABLE login_bans (
    key          text   PRIMARY KEY,
    banned_until bigint NOT NULL -- Unix milliseconds
);
CREATE INDEX login_bans_until ON login_bans (banned_until);

-- ASP.NET Core data-protection keys (the XML the key manager writes), so a cookie signed on one node is valid on all.
CREATE TABLE data_protection_keys (
    name    text   PRIMARY KEY,
    xml     text   NOT NULL,
    created bigint NOT NULL -- Unix milliseconds
);
