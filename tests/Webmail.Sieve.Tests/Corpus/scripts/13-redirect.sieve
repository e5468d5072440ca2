require "copy";
if address :domain "from" "example.com" { redirect "archive@example.net"; }
if header :contains "subject" "invoice" { redirect :copy "accounting@example.net"; }
redirect :copy "backup@example.net";
redirect :copy "backup@EXAMPLE.net";
