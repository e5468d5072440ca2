-- TEMPORARY placeholder (lead: drop this file at merge, once the api branch's 0016 is in main):
-- the migrator needs consecutive numbers, and 0016 is reserved for another branch.
SELECT 1;
