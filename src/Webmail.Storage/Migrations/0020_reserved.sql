-- TEMPORARY placeholder (lead: drop this file at merge, once the branch that owns 0020 is in main):
-- the migrator needs consecutive numbers, and 0020 is reserved for another branch (ux2 holds 0021).
SELECT 1;
