require ["vacation", "reject"];
vacation :days 1 "Away.";
if exists "x-spam-flag" { reject "Spam."; }
if exists "list-id" { vacation "Again."; }
