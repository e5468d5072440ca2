-- The dashboard's hourly counters in shards (issue 19). Every delivery transaction adds to the hour's count of its
-- kinds, and with one row per (hour, kind) every transaction on every node updated the same row: the row's lock is
-- held until the commit, so the node's delivery lanes (and the nodes) took turns on it whatever accounts they wrote.
-- Each lane now counts in a row of its own (a lane's transactions take turns on its accounts' rows anyway); the
-- dashboard adds the shards up. Counts already stored are shard 0.
ALTER TABLE mail_events ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE mail_events DROP CONSTRAINT mail_events_pkey;
ALTER TABLE mail_events ADD PRIMARY KEY (hour, kind, shard);
