-- Outbound queue claims across nodes (issue 19): the node working an entry and until when its claim holds.
-- A node claims due entries with FOR UPDATE SKIP LOCKED and renews the lease while it delivers; a node killed
-- mid-delivery holds its claims only until lease_until passes, then another node takes them.
ALTER TABLE outbound_queue
    ADD COLUMN claimed_by  text   NULL,
    ADD COLUMN lease_until bigint NULL;
